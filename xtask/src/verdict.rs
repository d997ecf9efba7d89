//! The three kinds of change a regeneration can make, and the reasons behind one.

use std::collections::BTreeSet;
use std::fmt;

/// How much a change breaks a service that depends on the SDK. Ordered, so the
/// verdict of several changes is their maximum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    /// Documentation, examples, or nothing visible to a client.
    Patch,
    /// Additions a client may use or ignore: new optional parameters, fields,
    /// operations, includes; looser constraints.
    Minor,
    /// Something a client relied on is gone or stricter: removed or renamed names,
    /// fields made required or non-nullable, narrower types, required parameters.
    Major,
}

impl Verdict {
    /// Parses `major`, `minor` or `patch`.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "major" => Some(Self::Major),
            "minor" => Some(Self::Minor),
            "patch" => Some(Self::Patch),
            _ => None,
        }
    }

    /// The lowercase name printed on the verdict line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Patch => "patch",
            Self::Minor => "minor",
            Self::Major => "major",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One reason for a verdict: what changed, where, and how much it breaks.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Change {
    /// How much this change breaks clients.
    pub level: Verdict,
    /// A sentence naming the operation, parameter, schema or field.
    pub reason: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.level, self.reason)
    }
}

/// Reasons collected during a comparison, deduplicated (a schema used by two
/// operations is reported once).
#[derive(Debug, Default)]
pub struct Changes(BTreeSet<Change>);

impl Changes {
    /// Records one reason.
    pub fn push(&mut self, level: Verdict, reason: impl Into<String>) {
        self.0.insert(Change {
            level,
            reason: reason.into(),
        });
    }

    /// The largest level recorded, or `Patch` when nothing was.
    pub fn verdict(&self) -> Verdict {
        self.0
            .iter()
            .map(|c| c.level)
            .max()
            .unwrap_or(Verdict::Patch)
    }

    /// The reasons, most breaking first, then alphabetically.
    pub fn into_sorted(self) -> Vec<Change> {
        let mut all: Vec<Change> = self.0.into_iter().collect();
        all.sort_by(|a, b| b.level.cmp(&a.level).then_with(|| a.reason.cmp(&b.reason)));
        all
    }
}

/// The verdict of a list of reasons: their maximum, `Patch` for none.
pub fn verdict_of(changes: &[Change]) -> Verdict {
    changes
        .iter()
        .map(|c| c.level)
        .max()
        .unwrap_or(Verdict::Patch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_is_the_maximum_and_patch_when_empty() {
        let mut changes = Changes::default();
        assert_eq!(changes.verdict(), Verdict::Patch);
        changes.push(Verdict::Minor, "b");
        changes.push(Verdict::Major, "a");
        changes.push(Verdict::Minor, "b");
        assert_eq!(changes.verdict(), Verdict::Major);
        let sorted = changes.into_sorted();
        assert_eq!(sorted.len(), 2, "duplicates are reported once");
        assert_eq!(sorted[0].to_string(), "major: a");
    }

    #[test]
    fn parse_round_trips() {
        for v in [Verdict::Patch, Verdict::Minor, Verdict::Major] {
            assert_eq!(Verdict::parse(v.as_str()), Some(v));
        }
        assert_eq!(Verdict::parse("huge"), None);
    }
}
