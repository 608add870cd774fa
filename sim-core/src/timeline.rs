//! Changes at given simulated times: API calls a scenario makes while it
//! runs.

use topology::{FilterIdx, SessionIdx, TargetIdx};

/// A change, resolved against the topology.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// `DeleteTrafficMirrorSession`: the session mirrors nothing from then.
    DeleteSession(SessionIdx),
    /// `DeleteTrafficMirrorFilter`, of a filter no session uses any more.
    DeleteFilter(FilterIdx),
    /// `DeleteTrafficMirrorTarget`, of a target no session uses any more.
    DeleteTarget(TargetIdx),
}

/// A change and its simulated time, in nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimelineEvent {
    pub at_ns: u64,
    pub action: Action,
}
