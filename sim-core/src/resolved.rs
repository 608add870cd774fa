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
