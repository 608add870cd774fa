//! Run settings: the latency model, the metrics period, endpoint scaling,
//! captures, burst credits and fidelity (full or sampled). (Prices are in `prices`.) Every figure is an assumption with a documented default,
//! and every one can be set in the scenario's `settings`.

/// One-way latencies of a copy's path, in nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Latency {
    /// Source and target in one Availability Zone.
    pub same_az_ns: u64,
    /// Added when they are in different zones.
    pub cross_az_ns: u64,
    /// Added for each VPC peering connection crossed.
    pub peering_ns: u64,
    /// Added for each transit gateway crossed.
    pub transit_gateway_ns: u64,
    /// Added for a Network or Gateway Load Balancer.
    pub load_balancer_ns: u64,
    /// Each copy is delayed by a further uniform draw in `0..=jitter`. On
    /// direct paths copies still arrive in order (a path is a FIFO).
    pub jitter_ns: u64,
    /// TGT-09 (revised): an explicit option, 0 by default. A load balancer
    /// keeps a flow on one path, so its copies stay in order until the path
    /// changes; independent per-copy jitter through a load balancer (which
    /// reorders more the faster a flow sends) is not AWS's behaviour, and
    /// the report names it when a scenario turns it on.
    pub load_balancer_jitter_ns: u64,
}

impl Default for Latency {
    fn default() -> Self {
        Latency {
            same_az_ns: 100_000,
            cross_az_ns: 500_000,
            peering_ns: 50_000,
            transit_gateway_ns: 250_000,
            load_balancer_ns: 150_000,
            jitter_ns: 10_000,
            load_balancer_jitter_ns: 0,
        }
    }
}

/// Everything a run needs besides the topology and traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    pub latency: Latency,
    /// Period of the metric series (CloudWatch: 1 or 5 minutes).
    pub metrics_period_ns: u64,
    /// How Gateway Load Balancer endpoints scale (TGT-11).
    pub gwlb_scaling: Scaling,
    /// Whether runs write a pcap per appliance (as `sim run --pcap`).
    pub pcap: bool,
    /// Wall-clock time of the run's start, in nanoseconds since the Unix
    /// epoch: capture timestamps are simulated time from there.
    pub capture_epoch_ns: u64,
    /// BW-05: the share of their burst credits "up to" instances hold
    /// when the run starts, in percent (100: full, AWS's state after a
    /// quiet spell; 0: empty, after a busy one).
    pub burst_credits_percent: u8,
    /// Packet by packet throughout, or sampled (`sampling`).
    pub fidelity: Fidelity,
}

/// How much of the run is simulated packet by packet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Fidelity {
    /// Every packet (the default): exact counts.
    #[default]
    Full,
    /// In each steady metrics period, the first `window_ns` packet by
    /// packet and the rest estimated from it (`crate::sampling`). The
    /// window divides the period.
    Sampled { window_ns: u64 },
}

/// The window of a sampled run when none is given: long enough for a
/// thousand packets of a 10 kpps flow and a hundred token-bucket windows,
/// short enough that an hour of a fleet runs in seconds.
pub const DEFAULT_SAMPLING_WINDOW_NS: u64 = 100_000_000;

/// Why `window_ns` cannot sample periods of `period_ns`, if it cannot.
pub fn sampling_window_problem(window_ns: u64, period_ns: u64) -> Option<String> {
    let show = |ns| crate::units::Duration(ns).to_string();
    if window_ns < 1_000_000 {
        Some(format!(
            "the sampling window {} is under 1ms: budgets' buckets hold 1ms, so a shorter \
             window never reaches their steady state",
            show(window_ns)
        ))
    } else if window_ns >= period_ns || !period_ns.is_multiple_of(window_ns) {
        Some(format!(
            "the sampling window {} does not divide the metrics period {} into two or more \
             windows (counters are scaled by period / window, a whole number)",
            show(window_ns),
            show(period_ns)
        ))
    } else {
        None
    }
}

/// 2026-01-01T00:00:00Z: the default wall-clock start of captures.
pub const DEFAULT_CAPTURE_EPOCH_NS: u64 = 1_767_225_600 * 1_000_000_000;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            latency: Latency::default(),
            metrics_period_ns: 60_000_000_000,
            gwlb_scaling: Scaling::default(),
            pcap: false,
            capture_epoch_ns: DEFAULT_CAPTURE_EPOCH_NS,
            burst_credits_percent: 100,
            fidelity: Fidelity::Full,
        }
    }
}

/// Scaling of a Gateway Load Balancer endpoint's capacity (TGT-11, model):
/// it starts at `start_bps`; at the end of each `window_ns` in which copies
/// used more than `threshold` percent of it, it grows by `step_bps`, up to
/// `max_bps`. Copies beyond the capacity are dropped (lb_capacity).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scaling {
    pub start_bps: u64,
    pub step_bps: u64,
    pub max_bps: u64,
    pub window_ns: u64,
    pub threshold_percent: u64,
}

impl Default for Scaling {
    fn default() -> Self {
        Scaling {
            start_bps: 10_000_000_000,
            step_bps: 10_000_000_000,
            max_bps: 100_000_000_000,
            window_ns: 60_000_000_000,
            threshold_percent: 80,
        }
    }
}
