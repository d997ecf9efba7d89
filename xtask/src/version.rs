//! Versions and the release policy: which version a verdict needs.
//!
//! Cargo's rule is that two versions are compatible when their leftmost non-zero
//! component is equal (`^0.1.0` accepts `0.1.7`, not `0.2.0`). So in 0.x the
//! minor component is the breaking one:
//!
//! | verdict | 0.x.y          | x.y.z (x ≥ 1) |
//! |---------|----------------|---------------|
//! | major   | 0.(x+1).0      | (x+1).0.0     |
//! | minor   | 0.x.(y+1)      | x.(y+1).0     |
//! | patch   | 0.x.(y+1)      | x.y.(z+1)     |
//!
//! A larger bump than needed is always allowed.

use crate::verdict::Verdict;
use anyhow::{Context, Result, bail};
use std::fmt;

/// A `MAJOR.MINOR.PATCH` version (no pre-release or build suffix).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    /// The first component.
    pub major: u64,
    /// The second component.
    pub minor: u64,
    /// The third component.
    pub patch: u64,
}

impl Version {
    /// Parses `X.Y.Z`.
    pub fn parse(text: &str) -> Result<Self> {
        let parts: Vec<&str> = text.trim().split('.').collect();
        let [major, minor, patch] = parts.as_slice() else {
            bail!("{text:?} is not a MAJOR.MINOR.PATCH version");
        };
        let num = |s: &str| {
            s.parse::<u64>()
                .with_context(|| format!("{text:?} is not a MAJOR.MINOR.PATCH version"))
        };
        Ok(Self {
            major: num(major)?,
            minor: num(minor)?,
            patch: num(patch)?,
        })
    }

    /// The smallest version after `self` that the policy allows for `verdict`.
    pub fn next(self, verdict: Verdict) -> Self {
        let Self {
            major,
            minor,
            patch,
        } = self;
        match (major, verdict) {
            (0, Verdict::Major) => Self::new(0, minor + 1, 0),
            (0, _) => Self::new(0, minor, patch + 1),
            (_, Verdict::Major) => Self::new(major + 1, 0, 0),
            (_, Verdict::Minor) => Self::new(major, minor + 1, 0),
            (_, Verdict::Patch) => Self::new(major, minor, patch + 1),
        }
    }

    /// Whether going from `self` to `new` is a large enough step for `verdict`:
    /// later, and no smaller in the component the verdict needs.
    pub fn allows(self, new: Self, verdict: Verdict) -> bool {
        new >= self.next(verdict)
    }

    const fn new(major: u64, minor: u64, patch: u64) -> Self {
        Self {
            major,
            minor,
            patch,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).expect("a version")
    }

    #[test]
    fn zero_x_policy_follows_cargo() {
        assert_eq!(v("0.1.0").next(Verdict::Major), v("0.2.0"));
        assert_eq!(v("0.1.3").next(Verdict::Minor), v("0.1.4"));
        assert_eq!(v("0.1.3").next(Verdict::Patch), v("0.1.4"));
        assert!(!v("0.1.0").allows(v("0.1.9"), Verdict::Major));
        assert!(v("0.1.0").allows(v("1.0.0"), Verdict::Major));
        assert!(!v("0.1.0").allows(v("0.1.0"), Verdict::Patch));
    }

    #[test]
    fn one_x_policy_is_plain_semver() {
        assert_eq!(v("1.2.3").next(Verdict::Major), v("2.0.0"));
        assert_eq!(v("1.2.3").next(Verdict::Minor), v("1.3.0"));
        assert_eq!(v("1.2.3").next(Verdict::Patch), v("1.2.4"));
        assert!(!v("1.2.3").allows(v("1.2.9"), Verdict::Minor));
    }

    #[test]
    fn rejects_malformed_versions() {
        for bad in ["1.2", "1.2.3.4", "1.x.3", "", "1.2.3-rc1"] {
            assert!(Version::parse(bad).is_err(), "{bad}");
        }
    }
}
