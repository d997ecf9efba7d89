//! The fake organization's state, shared by the handlers and [`RunningFake`](crate::RunningFake).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde_json::{Value, json};

use crate::data::{self, SeededGroup, SeededMember};
use crate::faults::{Fault, FaultCounts, FaultKind, FaultPlayer, Faults};
use crate::hold::Gate;
use crate::record::RecordedRequest;
use crate::window::RateWindow;

/// What the builder fixed at start.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) org: String,
    pub(crate) token: String,
    pub(crate) seed: u64,
    pub(crate) latency: Duration,
    pub(crate) default_per_page: u64,
    pub(crate) max_per_page: u64,
    /// Requests per window, when the fake enforces a rate limit.
    pub(crate) rate_limit: Option<(u64, Duration)>,
}

/// Everything a request may read or change. The lock is never held across an await.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: Config,
    pub(crate) addr: SocketAddr,
    pub(crate) groups: Vec<SeededGroup>,
    /// Arrival and answer counts, and answers held for a test.
    pub(crate) gate: Gate,
    /// The rate limit's bucket, when there is one.
    pub(crate) window: Option<RateWindow>,
    state: Mutex<State>,
}

#[derive(Debug)]
pub(crate) struct State {
    /// Current members, in the order served by default: id order, unless a test
    /// gave raw members or made one join at a position.
    pub(crate) members: Vec<SeededMember>,
    /// Index of the next member `insert_members` creates.
    next_index: u64,
    faults: FaultPlayer,
    pub(crate) fault_counts: FaultCounts,
    pub(crate) requests: Vec<RecordedRequest>,
    /// Member changes to make once this many requests have been answered.
    scheduled: Vec<(usize, Change)>,
}

/// A change to the organization's members, made at a scheduled point of a test.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Change {
    /// `n` new members at the end.
    Insert(usize),
    /// The first `n` members leave.
    Remove(usize),
    /// One new member at this position (modulo the length plus one).
    JoinAt(usize),
    /// The member at this position (modulo the length) leaves.
    LeaveAt(usize),
}

impl Shared {
    /// `members` in id order (or a test's raw members in its order); `next_index` is
    /// the index of the next member `insert_members` generates.
    pub(crate) fn new(
        config: Config,
        addr: SocketAddr,
        members: Vec<SeededMember>,
        next_index: u64,
        faults: Faults,
    ) -> Self {
        Self {
            groups: data::groups(config.seed),
            gate: Gate::new(),
            window: config
                .rate_limit
                .map(|(limit, window)| RateWindow::new(limit, window)),
            state: Mutex::new(State {
                members,
                next_index,
                faults: FaultPlayer::new(faults),
                fault_counts: FaultCounts::default(),
                requests: Vec::new(),
                scheduled: Vec::new(),
            }),
            config,
            addr,
        }
    }

    /// Locks the state; a panic elsewhere never makes the fake unusable.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Draws the fault of an arriving `request` (counted, and noted in `request`),
    /// numbers its arrival and returns the number, the fault and the latency to add.
    /// Arrivals are numbered under the lock, in the order faults are drawn. `key`
    /// names the request for keyed draws and arrival counts: method, path and query.
    pub(crate) fn arrive(
        &self,
        request: &mut RecordedRequest,
        key: &str,
    ) -> (usize, Option<Fault>, Duration) {
        let mut state = self.lock();
        let fault = state.faults.next_fault(key);
        request.fault = fault.as_ref().and_then(Fault::kind);
        if let Some(kind) = request.fault {
            state.fault_counts.add(kind);
        }
        let arrival = self.gate.arrive(request.clone());
        (arrival, fault, self.config.latency + state.faults.latency)
    }

    pub(crate) fn set_faults(&self, faults: Faults) {
        self.lock().faults = FaultPlayer::new(faults);
    }

    /// Requests arrived since the fault plan was set, by method, path and query.
    pub(crate) fn arrivals(&self) -> BTreeMap<String, Vec<Option<FaultKind>>> {
        self.lock().faults.arrivals.clone()
    }

    /// Records an answered request, then makes any change scheduled for this point.
    pub(crate) fn record(&self, request: RecordedRequest) {
        let mut state = self.lock();
        state.requests.push(request);
        let answered = state.requests.len();
        let due: Vec<Change> = state
            .scheduled
            .iter()
            .filter(|(at, _)| *at == answered)
            .map(|(_, change)| *change)
            .collect();
        for change in due {
            state.apply(change, self.config.seed);
        }
        drop(state);
        self.gate.answered();
    }

    /// Makes `change` once `after` requests in all have been answered.
    pub(crate) fn schedule(&self, after: usize, change: Change) {
        self.lock().scheduled.push((after, change));
    }

    /// Makes `change` now; returns the ids inserted or removed.
    pub(crate) fn change(&self, change: Change) -> Vec<i64> {
        self.lock().apply(change, self.config.seed)
    }
}

impl State {
    /// Applies `change`; returns the ids inserted or removed.
    fn apply(&mut self, change: Change, seed: u64) -> Vec<i64> {
        match change {
            Change::Insert(n) => {
                let start = self.next_index;
                self.next_index += n as u64;
                let new: Vec<SeededMember> = (start..start + n as u64)
                    .map(|index| data::member(seed, index))
                    .collect();
                let ids = new.iter().map(|m| m.id).collect();
                self.members.extend(new);
                ids
            }
            Change::Remove(n) => {
                let n = n.min(self.members.len());
                self.members.drain(..n).map(|m| m.id).collect()
            }
            Change::JoinAt(at) => {
                let member = data::member(seed, self.next_index);
                self.next_index += 1;
                let id = member.id;
                self.members.insert(at % (self.members.len() + 1), member);
                vec![id]
            }
            Change::LeaveAt(_) if self.members.is_empty() => Vec::new(),
            Change::LeaveAt(at) => vec![self.members.remove(at % self.members.len()).id],
        }
    }
}

/// Which includes (`with=`) a request asked for; unknown names are ignored, as Fractal
/// ignores includes a transformer does not offer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Includes {
    groups: bool,
    stats: bool,
    country: bool,
}

impl Includes {
    pub(crate) fn parse(with: Option<&str>) -> Self {
        let mut includes = Self::default();
        for name in with.unwrap_or_default().split(',').map(str::trim) {
            match name {
                "groups" => includes.groups = true,
                "stats" => includes.stats = true,
                "country" => includes.country = true,
                _ => {}
            }
        }
        includes
    }

    /// The member object with the requested includes, each wrapped in `{"data": ...}`
    /// as Fractal's DataArraySerializer does. A member without a country gets Fractal's
    /// null include, `{"data": []}`.
    pub(crate) fn render(
        &self,
        member: &SeededMember,
        groups: &[SeededGroup],
        all: &[SeededMember],
    ) -> Value {
        let mut json = member.json.clone();
        if member.raw {
            return json;
        }
        let Some(object) = json.as_object_mut() else {
            return json;
        };
        if self.groups {
            let list: Vec<Value> = member
                .groups
                .iter()
                .map(|&g| group_json(&groups[g], g, all))
                .collect();
            object.insert("groups".into(), json!({ "data": list }));
        }
        if self.stats {
            object.insert("stats".into(), json!({ "data": member.stats }));
        }
        if self.country {
            let country = member.country.clone().unwrap_or_else(|| json!([]));
            object.insert("country".into(), json!({ "data": country }));
        }
        json
    }
}

/// A group as the `groups` include serves it; `members` lists the current members in it.
fn group_json(group: &SeededGroup, index: usize, all: &[SeededMember]) -> Value {
    let members: Vec<i64> = all
        .iter()
        .filter(|m| m.groups.contains(&index))
        .map(|m| m.id)
        .collect();
    json!({
        "id": group.id,
        "name": group.name,
        "description": group.description,
        "logo": null,
        "members": members,
        "guests": group.guests,
        "created_at": group.created_at,
        "updated_at": group.updated_at,
        "deleted_at": null,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn includes_parse_known_names_only() {
        let all = Includes::parse(Some("groups, stats,country,assets,"));
        assert_eq!(
            all,
            Includes {
                groups: true,
                stats: true,
                country: true
            }
        );
        assert_eq!(Includes::parse(Some("Groups")), Includes::default());
        assert_eq!(Includes::parse(None), Includes::default());
    }

    #[test]
    fn render_wraps_each_include() {
        let members = data::members(2, 30);
        let groups = data::groups(2);
        let includes = Includes::parse(Some("groups,stats,country"));
        let with_groups = members.iter().find(|m| !m.groups.is_empty()).unwrap();
        let json = includes.render(with_groups, &groups, &members);
        let listed = json["groups"]["data"].as_array().unwrap();
        assert_eq!(listed.len(), with_groups.groups.len());
        assert!(
            listed[0]["members"]
                .as_array()
                .unwrap()
                .contains(&json!(with_groups.id))
        );
        assert!(json["stats"]["data"]["steps_created"].is_i64());
        let without_country = members.iter().find(|m| m.country.is_none()).unwrap();
        let json = includes.render(without_country, &groups, &members);
        assert_eq!(json["country"], json!({ "data": [] }));
    }
}
