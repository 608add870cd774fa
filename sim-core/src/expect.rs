//! Expectations a scenario states about its own results (its `expect`
//! block): how a team keeps a scenario as a regression test of planned
//! infrastructure. They are checked against the report at the end of a run
//! (`reports::expect`); this module holds them resolved and validated.

use std::fmt;

use crate::units::Share;

/// What an expectation is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The whole run (the report's totals).
    Scenario,
    /// Each session on its own: every one must meet the bound.
    EachSession,
    EachTarget,
    EachSource,
    Session(String),
    Target(String),
    /// A source ENI, both directions.
    Source(String),
}

/// A number of packets in a scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Quantity {
    /// Packets at a source (or the scenario); for a session, the packets
    /// it evaluated; for a target, the copies sent to it.
    Offered,
    /// Copies made: delivered + dropped + skipped.
    Mirrored,
    Delivered,
    /// Delivered, but cut by the packet length or the MTU.
    Truncated,
    Skipped,
    Dropped,
    NotMirrored,
    /// Copies that arrived after a later one of their inner flow (RFC 4737),
    /// at targets; not measured at sources.
    Reordered,
    /// Packets that ended with this reason code (`docs/report-format.md`).
    Reason(&'static str),
}

/// The bound and what it bounds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Measure {
    /// A count of packets, between the bounds (inclusive).
    Count {
        count: Quantity,
        at_least: Option<u64>,
        at_most: Option<u64>,
    },
    /// `count / of`, between the bounds (inclusive).
    Share {
        count: Quantity,
        of: Quantity,
        at_least: Option<Share>,
        at_most: Option<Share>,
    },
}

/// One expectation, as resolved from the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expectation {
    pub scope: Scope,
    pub measure: Measure,
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Quantity::Offered => "offered",
            Quantity::Mirrored => "mirrored",
            Quantity::Delivered => "delivered",
            Quantity::Truncated => "truncated",
            Quantity::Skipped => "skipped",
            Quantity::Dropped => "dropped",
            Quantity::NotMirrored => "not mirrored",
            Quantity::Reordered => "reordered",
            Quantity::Reason(r) => r,
        };
        f.write_str(s)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Scenario => f.write_str("the whole run"),
            Scope::EachSession => f.write_str("each session"),
            Scope::EachTarget => f.write_str("each target"),
            Scope::EachSource => f.write_str("each source"),
            Scope::Session(id) | Scope::Target(id) | Scope::Source(id) => f.write_str(id),
        }
    }
}

impl Expectation {
    fn preposition(&self) -> &'static str {
        match self.scope {
            Scope::Scenario => "in",
            _ => "at",
        }
    }
}

/// `at least A`, `at most B`, `between A and B`.
fn bounds<T: fmt::Display>(
    f: &mut fmt::Formatter<'_>,
    lo: &Option<T>,
    hi: &Option<T>,
) -> fmt::Result {
    match (lo, hi) {
        (Some(a), Some(b)) => write!(f, "between {a} and {b}"),
        (Some(a), None) => write!(f, "at least {a}"),
        (None, Some(b)) => write!(f, "at most {b}"),
        (None, None) => f.write_str("anything"),
    }
}

impl fmt::Display for Expectation {
    /// `delivered / mirrored at tms-1: at least 99.9%`; `in` for the run.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.measure {
            Measure::Count {
                count,
                at_least,
                at_most,
            } => {
                write!(f, "{count} {} {}: ", self.preposition(), self.scope)?;
                bounds(f, at_least, at_most)
            }
            Measure::Share {
                count,
                of,
                at_least,
                at_most,
            } => {
                write!(f, "{count} / {of} {} {}: ", self.preposition(), self.scope)?;
                bounds(f, at_least, at_most)
            }
        }
    }
}
