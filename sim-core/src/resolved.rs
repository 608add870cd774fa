//! The resolved scenario: what a run needs, below both the loader (which
//! makes it) and the engine (which runs it), so neither imports the other.

use topology::Topology;

use crate::traffic::FlowPlan;
use crate::units::Duration;

/// A scenario ready to run.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub description: Option<String>,
    pub seed: u64,
    pub duration: Duration,
    pub topology: Topology,
    pub flows: Vec<FlowPlan>,
    /// Changes during the run, sorted by time.
    pub timeline: Vec<crate::timeline::TimelineEvent>,
    pub settings: crate::settings::Settings,
    /// What the resources cost, per Region (the report's cost).
    pub prices: crate::prices::PriceList,
    /// Captures replayed by `Replay` traffic.
    pub captures: Vec<crate::traffic::replay::Capture>,
    /// What the run must show (the `expect` block).
    pub expect: Vec<crate::expect::Expectation>,
}

impl Scenario {
    /// When the timeline's `k`th change is due, if before the end: a change
    /// at or after the end does not apply (every stage of a run asks here).
    pub fn change_due(&self, k: usize) -> Option<u64> {
        self.timeline
            .get(k)
            .map(|e| e.at.as_nanos())
            .filter(|&at| at < self.duration.as_nanos())
    }
}
