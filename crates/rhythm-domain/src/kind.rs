//! Every numbered kind of entry, and the one grammar of human references (`RISK-12`, `DEC-4`,
//! `EXC-7`, `IMP-3`) that the API, the UI, the CLI and the CSV import all parse with.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The kinds, each once: `Name = "as_str" / "PREFIX" / "plural" / "Label"`; the registers first.
macro_rules! kinds {
    (
        registers { $($r:ident = $rs:literal / $rp:literal / $rpl:literal / $rl:literal,)* }
        others { $($o:ident = $os:literal / $op:literal / $opl:literal / $ol:literal,)* }
    ) => {
        /// Every kind of numbered entry: the registers, written decisions, exceptions and imports.
        /// Each has a per-workspace number and a reference prefix.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum Kind {
            $($r,)*
            $($o,)*
        }

        impl Kind {
            /// Every kind.
            pub const ALL: &'static [Kind] = &[$(Kind::$r,)* $(Kind::$o,)*];

            /// The registers: the kinds the generic create / edit / close routes serve. Decisions,
            /// exceptions and imports have life cycles of their own and routes of their own.
            pub const REGISTERS: &'static [Kind] = &[$(Kind::$r),*];

            /// Whether the generic register routes serve this kind.
            pub fn is_register(self) -> bool {
                Kind::REGISTERS.contains(&self)
            }

            pub fn as_str(self) -> &'static str {
                self.texts().0
            }

            /// The prefix of human references: `RISK-12`.
            pub fn prefix(self) -> &'static str {
                self.texts().1
            }

            /// Plural path segment used by the API, UI and CLI (`/api/v1/backlog-items`).
            pub fn plural(self) -> &'static str {
                self.texts().2
            }

            /// How people name it.
            pub fn label(self) -> &'static str {
                self.texts().3
            }

            fn texts(self) -> (&'static str, &'static str, &'static str, &'static str) {
                match self {
                    $(Kind::$r => ($rs, $rp, $rpl, $rl),)*
                    $(Kind::$o => ($os, $op, $opl, $ol),)*
                }
            }
        }
    };
}

kinds! {
    registers {
        System = "system" / "SYS" / "systems" / "System",
        Risk = "risk" / "RISK" / "risks" / "Risk",
        BacklogItem = "backlog_item" / "ITEM" / "backlog-items" / "Backlog item",
        Initiative = "initiative" / "INIT" / "initiatives" / "Initiative",
        Epic = "epic" / "EPIC" / "epics" / "Epic",
        Release = "release" / "REL" / "releases" / "Release",
        Incident = "incident" / "INC" / "incidents" / "Incident",
        AuditFinding = "audit_finding" / "AUD" / "audit-findings" / "Audit finding",
        Vendor = "vendor" / "VEN" / "vendors" / "Vendor",
        Finding = "finding" / "FND" / "findings" / "Finding",
        DesignReview = "design_review" / "DR" / "design-reviews" / "Design review",
    }
    others {
        Decision = "decision" / "DEC" / "decisions" / "Decision",
        Exception = "exception" / "EXC" / "exceptions" / "Exception",
        Import = "import" / "IMP" / "imports" / "Import",
    }
}

impl Kind {
    pub fn from_plural(s: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.plural() == s)
    }

    /// Parses a human reference such as `RISK-12` into its kind and number (see
    /// [`Reference`] for the grammar).
    pub fn parse_reference(s: &str) -> Option<(Kind, i64)> {
        s.parse::<Reference>().ok().map(|r| (r.kind, r.number))
    }

    /// `RISK-12`.
    pub fn reference(self, number: i64) -> String {
        Reference { kind: self, number }.to_string()
    }
}

/// A human reference to a numbered entry: `RISK-12`, `DEC-4`, `EXC-7`, `IMP-3`.
///
/// The grammar, everywhere: surrounding whitespace ignored; the kind's prefix in any case
/// (`risk-12`, `Imp-3`); one `-`; a decimal number from 1 up, digits only (no sign, no
/// spaces, at most 18 digits). Written back, the prefix is upper case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Reference {
    pub kind: Kind,
    pub number: i64,
}

impl Reference {
    /// Parses `s` as a reference of `kind` only: `Ok(None)` when it is not a reference at all,
    /// `Err(other)` when it is one of another kind.
    pub fn parse_as(s: &str, kind: Kind) -> Result<Option<i64>, Reference> {
        match s.parse::<Reference>() {
            Ok(r) if r.kind == kind => Ok(Some(r.number)),
            Ok(r) => Err(r),
            Err(_) => Ok(None),
        }
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.kind.prefix(), self.number)
    }
}

/// Why a text is not a reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAReference(pub String);

impl fmt::Display for NotAReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{}' is not a reference like RISK-12", self.0)
    }
}

impl std::error::Error for NotAReference {}

impl FromStr for Reference {
    type Err = NotAReference;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || NotAReference(s.to_owned());
        let (prefix, digits) = s.trim().split_once('-').ok_or_else(bad)?;
        let kind = Kind::ALL.iter().copied().find(|k| k.prefix().eq_ignore_ascii_case(prefix)).ok_or_else(bad)?;
        if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let number: i64 = digits.parse().map_err(|_| bad())?;
        if number < 1 {
            return Err(bad());
        }
        Ok(Reference { kind, number })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_parses_back_in_any_case() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse_reference(&k.reference(42)), Some((*k, 42)));
            assert_eq!(Kind::from_plural(k.plural()), Some(*k));
            let mixed: String = k
                .prefix()
                .chars()
                .enumerate()
                .map(|(i, c)| if i % 2 == 1 { c.to_ascii_lowercase() } else { c })
                .collect();
            assert_eq!(Kind::parse_reference(&format!(" {mixed}-7 ")), Some((*k, 7)), "{mixed}");
            assert_eq!(Kind::parse_reference(&format!("{}-7", k.prefix().to_lowercase())), Some((*k, 7)));
        }
        assert_eq!(Kind::parse_reference("Imp-3"), Some((Kind::Import, 3)));
        assert_eq!(Kind::parse_reference("exc-12"), Some((Kind::Exception, 12)));
        assert_eq!(Kind::parse_reference("DEC-4"), Some((Kind::Decision, 4)));
    }

    #[test]
    fn nothing_else_parses() {
        for bad in [
            "",
            "7",
            "RISK",
            "RISK-",
            "RISK-0",
            "RISK--1",
            "RISK-+1",
            "RISK-1a",
            "RISK- 1",
            "RISK-1.0",
            "RISK7",
            "NOPE-3",
            "R ISK-3",
            "RISK-1-2",
            "RISK-9999999999999999999",
            "RISK-٣",
        ] {
            assert!(bad.parse::<Reference>().is_err(), "{bad:?} parsed");
        }
    }

    /// The cases the API's former decision and exception parsers were tested with.
    #[test]
    fn decision_and_exception_references() {
        let dec = |s: &str| Reference::parse_as(s, Kind::Decision).ok().flatten();
        assert_eq!(dec("DEC-12"), Some(12));
        assert_eq!(dec("dec-3"), Some(3));
        assert_eq!(dec("RISK-3"), None);
        assert_eq!(dec("DEC-0"), None);
        assert_eq!(dec("DEC-x"), None);
        let exc = |s: &str| Reference::parse_as(s, Kind::Exception).ok().flatten();
        assert_eq!(exc("EXC-7"), Some(7));
        assert_eq!(exc("exc-12"), Some(12));
        for bad in ["RISK-7", "EXC-", "EXC-0", "EXC--1", "EXC7", "7", ""] {
            assert_eq!(exc(bad), None, "{bad}");
        }
    }

    #[test]
    fn parse_as_tells_another_kind_from_no_reference() {
        assert_eq!(Reference::parse_as("exc-7", Kind::Exception), Ok(Some(7)));
        assert_eq!(Reference::parse_as("whatever", Kind::Exception), Ok(None));
        assert_eq!(Reference::parse_as("DEC-7", Kind::Exception), Err(Reference { kind: Kind::Decision, number: 7 }));
    }

    #[test]
    fn registers_are_the_kinds_with_generic_routes() {
        assert!(Kind::REGISTERS.iter().all(|k| Kind::ALL.contains(k)));
        for k in [Kind::Decision, Kind::Exception, Kind::Import] {
            assert!(!k.is_register());
        }
        let prefixes: std::collections::HashSet<_> = Kind::ALL.iter().map(|k| k.prefix()).collect();
        assert_eq!(prefixes.len(), Kind::ALL.len(), "two kinds share a prefix");
    }
}
