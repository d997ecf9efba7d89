//! Related data (`with=`): typed on the way out, normalised on the way back.
//!
//! Tallyfy sends an include either wrapped by Fractal (`"groups": {"data": [...]}`)
//! or bare (`"groups": [...]`), and a missing item include as `{"data": null}` or
//! `{"data": []}`; nothing in the body says which. The generated types accept every
//! form; [`MemberIncludes`] hides the difference.
//!
//! An include this crate does not know yet needs no release: request it with
//! [`Include::other`] (or parse its name), and read it with
//! [`MemberIncludes::include_raw`]; its key lands in the member's `extra` map.

use crate::error::{Error, Result};
use serde_json::Value;
use std::fmt;
use std::str::FromStr;
use tallyfy_api::types::{
    Country, CountryData, CountryInclude, Group, GroupsInclude, Member, MemberStats, StatsData,
    StatsInclude,
};

/// Related data to include with members (`with=groups,stats,...`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Include {
    /// The member's groups; read them with [`MemberIncludes::groups`].
    Groups,
    /// Activity counters; read them with [`MemberIncludes::stats`].
    Stats,
    /// The member's country; read it with [`MemberIncludes::country`].
    Country,
    /// Organizations the member belongs to, as raw JSON in `Member::organizations`.
    Organizations,
    /// Member preferences, as raw JSON in `Member::preferences`.
    Preferences,
    /// Uploaded assets, as raw JSON in `Member::assets`.
    Assets,
    /// Members watching this member, as raw JSON in `Member::member_watchers`.
    MemberWatchers,
    /// Guests watching this member, as raw JSON in `Member::guest_watchers`.
    GuestWatchers,
    /// Sign-in methods, as raw JSON in `Member::auth_methods`.
    AuthMethods,
    /// An include this crate does not name (made by [`Include::other`]); read it
    /// with [`MemberIncludes::include_raw`].
    Other(Box<str>),
}

impl Include {
    /// Every include Tallyfy documents, in wire-name order.
    pub const ALL: [Include; 9] = [
        Self::Groups,
        Self::Stats,
        Self::Country,
        Self::Organizations,
        Self::Preferences,
        Self::Assets,
        Self::MemberWatchers,
        Self::GuestWatchers,
        Self::AuthMethods,
    ];

    /// An include by its wire name, known or not: `Include::other("groups")` is
    /// [`Include::Groups`]. Fractal's nested names (`groups.members`) are allowed.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) when the name is
    /// empty or has characters other than ASCII letters, digits, `_` and `.`
    /// (a comma would smuggle a second include).
    pub fn other(name: &str) -> Result<Self> {
        let name = name.trim();
        if let Some(known) = Self::ALL.into_iter().find(|i| i.as_str() == name) {
            return Ok(known);
        }
        let valid = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.');
        if !valid {
            return Err(Error::invalid_input(format!(
                "include {name:?} is not a name of letters, digits, '_' and '.'"
            )));
        }
        Ok(Self::Other(name.into()))
    }

    /// Whether this is one of the includes Tallyfy documents ([`Include::ALL`]).
    pub fn is_known(&self) -> bool {
        !matches!(self, Self::Other(_))
    }

    /// The name sent on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Groups => "groups",
            Self::Stats => "stats",
            Self::Country => "country",
            Self::Organizations => "organizations",
            Self::Preferences => "preferences",
            Self::Assets => "assets",
            Self::MemberWatchers => "member_watchers",
            Self::GuestWatchers => "guest_watchers",
            Self::AuthMethods => "auth_methods",
            Self::Other(name) => name,
        }
    }
}

impl fmt::Display for Include {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Include {
    type Err = Error;

    /// Parses a wire name: a documented one case-insensitively (`"Groups"`), any
    /// other well-formed name as [`Include::Other`] (see [`Include::other`]). A
    /// malformed name is an [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput)
    /// that lists the documented ones.
    fn from_str(name: &str) -> Result<Self> {
        let wanted = name.trim();
        if let Some(known) = Self::ALL
            .into_iter()
            .find(|i| i.as_str().eq_ignore_ascii_case(wanted))
        {
            return Ok(known);
        }
        Self::other(wanted).map_err(|_| {
            let valid: Vec<_> = Self::ALL.iter().map(|i| i.as_str()).collect();
            Error::invalid_input(format!(
                "invalid include {wanted:?}; expected a name such as {}",
                valid.join(", ")
            ))
        })
    }
}

/// `groups,stats`: sorted, without duplicates, so equal requests are equal on the wire.
pub(crate) fn with_param(includes: &[Include]) -> Option<String> {
    let mut list: Vec<&Include> = includes.iter().collect();
    list.sort();
    list.dedup();
    (!list.is_empty()).then(|| {
        list.iter()
            .map(|i| i.as_str())
            .collect::<Vec<_>>()
            .join(",")
    })
}

mod sealed {
    /// Only `Member` implements `MemberIncludes`, so methods can be added to it.
    pub trait Sealed {}
    impl Sealed for tallyfy_api::types::Member {}
}

/// Normalised access to a member's includes, whatever form the server sent.
///
/// Sealed: implemented for [`Member`] only, so new includes can add methods.
pub trait MemberIncludes: sealed::Sealed {
    /// The member's groups (`with=groups`); empty when not included.
    fn groups(&self) -> &[Group];
    /// Activity counters (`with=stats`), when included and not null.
    fn stats(&self) -> Option<&MemberStats>;
    /// The member's country (`with=country`), when included as an object.
    fn country(&self) -> Option<&Country>;
    /// The country's name, from the object or from a plain-string `country`.
    fn country_name(&self) -> Option<&str>;
    /// Any include by wire name, as raw JSON with Fractal's `{"data": ...}` unwrapped:
    /// the shape-less documented ones (`organizations`, `preferences`, ...) and the
    /// ones this crate does not know yet (kept in `extra`). `None` when absent or
    /// null; an empty `[]` is returned as it is. Typed includes (`groups`, `stats`,
    /// `country`) have their own accessors and return `None` here. Owned: unknown
    /// includes are stored as raw JSON text and parsed on this call.
    fn include_raw(&self, name: &str) -> Option<Value>;
}

impl MemberIncludes for Member {
    fn groups(&self) -> &[Group] {
        match &self.groups {
            Some(GroupsInclude::GroupsWrapped(wrapped)) => {
                wrapped.data.as_deref().unwrap_or_default()
            }
            Some(GroupsInclude::Array(groups)) => groups,
            None => &[],
        }
    }

    fn stats(&self) -> Option<&MemberStats> {
        match self.stats.as_ref()? {
            StatsInclude::StatsWrapped(wrapped) => match wrapped.data.as_ref()? {
                StatsData::MemberStats(stats) => Some(stats),
                StatsData::Array(_) => None, // Fractal's null item include
            },
            StatsInclude::MemberStats(stats) => Some(stats),
        }
    }

    fn country(&self) -> Option<&Country> {
        match self.country.as_ref()? {
            CountryInclude::CountryWrapped(wrapped) => match wrapped.data.as_ref()? {
                CountryData::Country(country) => Some(country),
                CountryData::Array(_) => None,
            },
            CountryInclude::Country(country) => Some(country),
            CountryInclude::String(_) => None,
        }
    }

    fn country_name(&self) -> Option<&str> {
        match self.country.as_ref()? {
            CountryInclude::String(name) => Some(name),
            _ => self.country()?.name.as_deref(),
        }
    }

    fn include_raw(&self, name: &str) -> Option<Value> {
        let value = match name {
            "organizations" => self.organizations.clone(),
            "preferences" => self.preferences.clone(),
            "assets" => self.assets.clone(),
            "member_watchers" => self.member_watchers.clone(),
            "guest_watchers" => self.guest_watchers.clone(),
            "auth_methods" => self.auth_methods.clone(),
            _ => self.extra.get(name),
        }?;
        let data = match value {
            Value::Object(mut wrapper) if wrapper.len() == 1 && wrapper.contains_key("data") => {
                wrapper.remove("data").unwrap_or(Value::Null)
            }
            other => other,
        };
        (!data.is_null()).then_some(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn member(extra: serde_json::Value) -> Member {
        let mut body = json!({"id": 1});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        serde_json::from_value(body).unwrap()
    }

    #[test]
    fn wrapped_and_bare_includes_read_the_same() {
        let wrapped = member(json!({
            "groups": {"data": [{"id": "g1", "name": "Sales"}]},
            "stats": {"data": {"tasks_completed": 5}},
            "country": {"data": {"id": 226, "name": "United States", "iso2": "US"}},
        }));
        let bare = member(json!({
            "groups": [{"id": "g1", "name": "Sales"}],
            "stats": {"tasks_completed": 5},
            "country": {"id": 226, "name": "United States", "iso2": "US"},
        }));
        for m in [&wrapped, &bare] {
            assert_eq!(m.groups().len(), 1);
            assert_eq!(m.groups()[0].name.as_deref(), Some("Sales"));
            assert_eq!(m.stats().and_then(|s| s.tasks_completed), Some(5));
            assert_eq!(m.country().and_then(|c| c.iso2.as_deref()), Some("US"));
            assert_eq!(m.country_name(), Some("United States"));
        }
    }

    #[test]
    fn null_and_missing_includes_are_empty() {
        let m =
            member(json!({"groups": {"data": null}, "stats": {"data": null}, "country": "France"}));
        assert!(m.groups().is_empty());
        assert!(m.stats().is_none());
        assert!(m.country().is_none());
        assert_eq!(m.country_name(), Some("France"));
        let m = member(json!({}));
        assert!(m.groups().is_empty() && m.stats().is_none() && m.country_name().is_none());
    }

    #[test]
    fn unknown_includes_are_requested_and_read_raw() {
        let new = Include::other("badges").unwrap();
        assert_eq!(new, Include::Other("badges".into()));
        assert!(!new.is_known());
        assert_eq!(Include::other("stats").unwrap(), Include::Stats);
        assert_eq!(
            "member_watchers.guests"
                .parse::<Include>()
                .unwrap()
                .as_str(),
            "member_watchers.guests"
        );
        assert!(Include::other("a,b").is_err() && Include::other(" ").is_err());
        assert_eq!(
            with_param(&[new, Include::Groups]).as_deref(),
            Some("groups,badges")
        );
        let m = member(
            json!({"badges": {"data": [{"id": 1}]}, "preferences": {"theme": "dark"},
            "assets": {"data": null}, "tags": ["a"]}),
        );
        assert_eq!(m.include_raw("badges"), Some(json!([{"id": 1}])));
        assert_eq!(m.include_raw("preferences"), Some(json!({"theme": "dark"})));
        assert_eq!(m.include_raw("tags"), Some(json!(["a"])));
        assert_eq!(m.include_raw("assets"), None);
        assert_eq!(m.include_raw("missing"), None);
    }

    #[test]
    fn includes_parse_and_join_canonically() {
        assert_eq!("Groups".parse::<Include>().unwrap(), Include::Groups);
        let err = "no pe".parse::<Include>().unwrap_err();
        assert!(
            err.to_string()
                .contains("expected a name such as groups, stats"),
            "{err}"
        );
        assert_eq!(
            with_param(&[Include::Stats, Include::Groups, Include::Stats]).as_deref(),
            Some("groups,stats")
        );
        assert_eq!(with_param(&[]), None);
    }
}
