//! What a decision looked at, as typed values.
//!
//! The functions that decide (`Topology::decide_at`, a filter's rules)
//! report each step to an [`Evidence`] sink as they decide. A run passes
//! `()`, which records nothing (its `ON` is false, so no fact is even
//! built); `sim explain` passes a `Vec<Fact>` and renders it. So there is
//! one implementation of each decision, and the story told is the one the
//! run followed.

use crate::ids::SessionIdx;
use crate::reach::SourceBlock;
use crate::services::NeverMirrored;

/// One step of a mirroring decision at a source ENI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fact {
    /// SRC-03: a traffic type AWS never mirrors.
    NeverMirrored(NeverMirrored),
    /// SRC-03: not a never-mirrored type.
    Mirrorable,
    /// SRC-05: the source's network ACL and security groups let the
    /// inbound packet in.
    SourceAdmits,
    /// SRC-05: they dropped it; the resource that did.
    SourceBlocked {
        block: SourceBlock,
        resource: String,
    },
    /// A deleted session is skipped.
    SessionDeleted(SessionIdx),
    /// FLT-06: Amazon DNS traffic, decided by the filter's `amazon-dns`
    /// network service alone.
    AmazonDns { session: SessionIdx, enabled: bool },
    /// FLT-02: the session's filter has no rules for the direction.
    NoRulesForDirection(SessionIdx),
    /// The session's filter's rules for the direction are tried.
    Rules(SessionIdx),
    /// FLT-01: one rule tried (its position in the sorted list), and
    /// whether it matched.
    Rule {
        session: SessionIdx,
        rule: u8,
        matched: bool,
    },
    /// SES-02: no rule of the session matched: the next session sees it.
    NoRuleMatched(SessionIdx),
}

/// Where a decision reports its steps.
pub trait Evidence {
    /// Whether facts are recorded at all (callers skip building them when
    /// not).
    const ON: bool;
    fn fact(&mut self, fact: Fact);
}

/// Records nothing, at no cost: what a run passes.
impl Evidence for () {
    const ON: bool = false;
    #[inline(always)]
    fn fact(&mut self, _: Fact) {}
}

/// Records every fact, in order: what `sim explain` passes.
impl Evidence for Vec<Fact> {
    const ON: bool = true;
    fn fact(&mut self, fact: Fact) {
        self.push(fact);
    }
}
