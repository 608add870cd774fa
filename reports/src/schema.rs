//! `report.json`, schema version 2: a deliberate type, documented field by
//! field in `docs/report-format.md`. Add fields freely; renaming or removing
//! one raises [`SCHEMA_VERSION`].

use serde::Serialize;

/// The schema's version, written in every report.
pub const SCHEMA_VERSION: u32 = 3;

#[derive(Debug, Serialize, PartialEq)]
pub struct Report {
    pub schema_version: u32,
    pub scenario: ScenarioInfo,
    pub totals: Totals,
    /// The configuration epochs: the start, then one per timeline change.
    pub epochs: Vec<EpochReport>,
    pub sources: Vec<SourceReport>,
    pub sessions: Vec<SessionReport>,
    pub targets: Vec<TargetReport>,
    /// Source instances: their budgets and CloudWatch metrics (MET-01).
    pub instances: Vec<InstanceReport>,
    /// What the sessions cost (SES-12).
    pub cost: Cost,
    /// Captures replayed, and what of them could not be used.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replays: Vec<ReplayReport>,
    /// The scenario's `expect` block, each with its verdict.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expectations: Vec<Verdict>,
    /// Each fleet of appliances, with each appliance's load.
    pub fleets: Vec<FleetReport>,
    /// What the run found that its verdicts depend on (BW-05).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// What `sim check` warns of in the scenario, where.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scenario_warnings: Vec<ProblemReport>,
    /// A sampled run (`fidelity: Sampled`): its counts are estimates, and
    /// this says how they were made. Absent from full runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sampling: Option<SamplingReport>,
}

/// How a sampled run's estimates were made.
#[derive(Debug, Serialize, PartialEq)]
pub struct SamplingReport {
    /// `sampled`.
    pub fidelity: &'static str,
    /// Every count of the report is an estimate (some periods' at least).
    pub estimates: bool,
    pub window_ns: u64,
    pub window: String,
    pub period_ns: u64,
    pub period: String,
    pub periods: usize,
    /// Periods whose counts are a window's scaled by `period / window`.
    pub estimated_periods: usize,
    /// The run's first period ran this long before its window (the
    /// budgets start full, and that start is not scaled up); absent when
    /// it did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warm_up: Option<String>,
    /// The periods simulated packet by packet (a change, a flow starting
    /// or ending, or a replayed capture in them), by index from 0.
    pub full_periods: Vec<usize>,
}

/// A problem of the scenario file, located (a warning in a report; an
/// error or a warning in `sim check --format json`).
#[derive(Debug, Serialize, PartialEq)]
pub struct ProblemReport {
    pub severity: &'static str,
    pub code: String,
    pub line: usize,
    pub column: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

/// A configuration epoch: when it began and which change opened it.
#[derive(Debug, Serialize, PartialEq)]
pub struct EpochReport {
    pub epoch: u32,
    pub from_ns: u64,
    pub from: String,
    /// `start`, or the API call or event (`ModifyTrafficMirrorSession tms-1`).
    pub cause: String,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct ReplayReport {
    pub name: String,
    pub file: String,
    pub network_interface_id: String,
    /// Frames in the file, and how many were replayed.
    pub frames: u64,
    pub replayed: u64,
    /// Frames neither IP nor ARP, or too damaged to read.
    pub unparsed: u64,
    /// Frames neither to nor from the ENI.
    pub not_at_eni: u64,
    /// Frames the capture's snap length cut (replayed at full size).
    pub cut_by_snaplen: u64,
    /// The file ended inside a record.
    pub truncated_end: bool,
    /// Frames with a broken timestamp (before the first frame's, a jump of
    /// more than a day, or more than a second back): skipped.
    pub bad_timestamp: u64,
    /// Frames up to a second earlier than the one before: played at its
    /// time.
    pub reordered_in_time: u64,
}

/// What the design costs: the run, and a month at the run's rates
/// (`reports::cost`). Prices are USD, from the table of the Region
/// (`sim-core/data/prices.txt`) under the scenario's `settings.prices`.
#[derive(Debug, Serialize, PartialEq)]
pub struct Cost {
    /// SES-12: the sessions' lifetimes, in hours (exact, as a decimal).
    pub session_hours: String,
    /// Hours billed: each session for every hour or part of one it existed.
    pub billed_session_hours: u64,
    pub price_per_session_hour_usd: String,
    /// The sessions' cost over the run.
    pub sessions_usd: String,
    /// Every line's cost over the run.
    pub run_usd: String,
    /// 730 hours of the run's average, every line.
    pub monthly_usd: String,
    /// The same without the source instances: what mirroring adds.
    pub monthly_mirroring_usd: String,
    /// The Region of the price table, the date of AWS's price list it is
    /// from and the pages that publish it.
    pub prices_region: String,
    pub prices_effective: String,
    pub prices_source: String,
    pub lines: Vec<CostLine>,
    /// Instance types of sources or appliances the prices do not cover:
    /// the totals leave them out.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unpriced_instance_types: Vec<String>,
    /// What could not be priced, and prices borrowed from another Region.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// One item of the cost.
#[derive(Debug, Serialize, PartialEq)]
pub struct CostLine {
    pub item: String,
    pub resource: String,
    pub unit: String,
    pub unit_price_usd: String,
    /// `table`, `table (us-east-1)` (no figure for the Region) or
    /// `settings`.
    pub price_from: String,
    pub run_quantity: String,
    pub run_usd: String,
    pub monthly_quantity: String,
    pub monthly_usd: String,
}

/// A source instance: its budgets and its CloudWatch metrics.
#[derive(Debug, Serialize, PartialEq)]
pub struct InstanceReport {
    pub instance_id: String,
    pub instance_type: String,
    /// The figures its budgets used, when known (catalogue or scenario).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_performance: Option<NetworkPerformance>,
    /// Metric name to one value per period, `period_ns` apart.
    pub cloudwatch: Metrics,
    /// BW-05: an "up to" instance's egress burst credits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub burst_credits: Option<CreditsReport>,
    /// What its budgets admitted per period (production and copies),
    /// against its figures, when they are known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headroom: Option<Headroom>,
}

/// An instance's load each period against its budgets, and what they
/// refused, as ENA's allowance counters (`ethtool -S`) count it.
#[derive(Debug, Serialize, PartialEq)]
pub struct Headroom {
    pub egress: DirectionLoad,
    pub ingress: DirectionLoad,
    /// Packets over the bandwidth in or out, or the packet rate: production
    /// dropped and copies skipped for the instance's budget.
    pub bw_in_allowance_exceeded: u64,
    pub bw_out_allowance_exceeded: u64,
    pub pps_allowance_exceeded: u64,
    /// egress_bits, egress_packets, ingress_bits, ingress_packets per period.
    pub series: Metrics,
}

/// One direction's load: the busiest period and the 99th percentile of
/// periods, as rates and as shares of the baseline, the burst and the
/// packet rate (percent, to a tenth; over 100 means over the figure).
#[derive(Debug, Serialize, PartialEq)]
pub struct DirectionLoad {
    pub peak_bps: u64,
    pub p99_bps: u64,
    pub peak_pps: u64,
    pub p99_pps: u64,
    pub peak_percent_of_baseline: String,
    pub p99_percent_of_baseline: String,
    pub peak_percent_of_burst: String,
    pub peak_percent_of_pps: String,
    /// Baseline less the peak, in bits per second (negative: over it).
    pub headroom_bps: i64,
}

/// BW-05: burst credits over the run, in bits.
#[derive(Debug, Serialize, PartialEq)]
pub struct CreditsReport {
    pub capacity_bits: u64,
    /// At the start (the `burst_credits` setting's share of the capacity).
    pub start_bits: u64,
    /// At the end of each metrics period.
    pub balance_bits: Vec<u64>,
    /// The end of the first period that ended with the credits spent, if
    /// one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exhausted_by: Option<String>,
    /// When they would run out at the run's average drain, if they fell
    /// but lasted the run (a longer run would skip copies).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub projected_exhaustion: Option<String>,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct NetworkPerformance {
    pub baseline_bps: u64,
    pub burst_bps: u64,
    pub pps: u64,
}

/// Series of equal periods.
#[derive(Debug, Serialize, PartialEq)]
pub struct Metrics {
    pub period_ns: u64,
    /// Name to values (one per period), in a fixed order.
    pub series: Vec<NamedSeries>,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct NamedSeries {
    pub name: &'static str,
    pub values: Vec<u64>,
}

/// Copies that arrived out of order within their inner flow (RFC 4737).
#[derive(Debug, Serialize, PartialEq, Default)]
pub struct Reordering {
    pub packets: u64,
    /// The largest distance, in sequence numbers, below the next expected.
    pub extent_max: u64,
    pub extent_sum: u64,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct ScenarioInfo {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub seed: u64,
    /// Simulated time, in nanoseconds and as written.
    pub duration_ns: u64,
    pub duration: String,
    pub flows: usize,
}

/// Packets and bytes (IP packet bytes of the original packets).
#[derive(Debug, Serialize, PartialEq, Clone, Copy, Default)]
pub struct Count {
    pub packets: u64,
    pub bytes: u64,
}

/// One outcome and reason, with its count.
#[derive(Debug, Serialize, PartialEq)]
pub struct OutcomeCount {
    /// `not_mirrored`, `skipped`, `dropped` or `delivered`.
    pub outcome: &'static str,
    /// The reason code (for `delivered`: `whole` or a truncation).
    pub reason: &'static str,
    pub packets: u64,
    pub bytes: u64,
}

/// The four outcome words, summed.
#[derive(Debug, Serialize, PartialEq, Default)]
pub struct Categories {
    pub not_mirrored: Count,
    pub skipped: Count,
    pub dropped: Count,
    pub delivered: Count,
    /// Of `delivered`, the copies that were cut (packet length or MTU).
    pub truncated: Count,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct Totals {
    /// Packets the traffic sources sent, each counted once.
    pub generated: Count,
    /// Packets offered to mirroring: each packet once per source ENI it
    /// crossed.
    pub offered: Count,
    #[serde(flatten)]
    pub categories: Categories,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct DirectionReport {
    pub offered: Count,
    #[serde(flatten)]
    pub categories: Categories,
    pub outcomes: Vec<OutcomeCount>,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct SourceReport {
    pub network_interface_id: String,
    /// The owning account.
    pub owner: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_type: Option<String>,
    pub ingress: DirectionReport,
    pub egress: DirectionReport,
    /// offered, not_mirrored: packets per period, both directions.
    pub series: Metrics,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct RuleHits {
    pub traffic_direction: &'static str,
    pub rule_number: u16,
    pub rule_action: &'static str,
    pub packets: u64,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct SessionReport {
    pub traffic_mirror_session_id: String,
    /// The account that owns the session.
    pub owner: String,
    pub network_interface_id: String,
    pub traffic_mirror_target_id: String,
    pub traffic_mirror_filter_id: String,
    pub session_number: u16,
    pub virtual_network_id: u32,
    /// SES-05: the packet length in effect (an IPv4 copy keeps at least
    /// 35 bytes; an NLB target's sessions keep 8500 when none is set).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub packet_length: Option<u16>,
    /// The packet length the session sets, when it differs from the one in
    /// effect.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub packet_length_set: Option<u16>,
    /// Packets this session looked at.
    pub evaluated: Count,
    /// Packets no rule matched, handed to the next session.
    pub passed_on: Count,
    pub rejected: Count,
    /// Packets accepted for mirroring; they end in the categories below.
    pub mirrored: Count,
    #[serde(flatten)]
    pub categories: Categories,
    pub outcomes: Vec<OutcomeCount>,
    /// Bytes of copies sent and delivered, as outer IP packets.
    pub copy_bytes: u64,
    pub delivered_copy_bytes: u64,
    pub reordering: Reordering,
    /// Hours the session existed, and hours billed (SES-12).
    pub session_hours: String,
    pub billed_session_hours: u64,
    /// sent, skipped, delivered, dropped, reordered, delivered_copy_bytes.
    pub series: Metrics,
    /// Each configuration the session had, in time order, with what it
    /// earned: a new one begins when its target, filter, rules, packet
    /// length or VNI change.
    pub configurations: Vec<ConfigurationReport>,
}

impl SessionReport {
    /// The configuration in force at the end of the run.
    pub fn current(&self) -> &ConfigurationReport {
        &self.configurations[self.configurations.len() - 1]
    }

    /// The path of the current configuration's copies (to the first entry
    /// node, when a load balancer has several).
    pub fn path(&self) -> &[PathHop] {
        &self.current().paths[0].path
    }

    /// Where the current configuration's copies stop, if they do.
    pub fn blocked(&self) -> Option<&Blocked> {
        self.current().paths[0].blocked.as_ref()
    }
}

/// A session's configuration over a span of the run.
#[derive(Debug, Serialize, PartialEq)]
pub struct ConfigurationReport {
    /// The epoch it began in, and when; when it ended (absent: at the end
    /// of the run).
    pub epoch: u32,
    pub from_ns: u64,
    pub from: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_ns: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    pub traffic_mirror_target_id: String,
    pub traffic_mirror_filter_id: String,
    pub virtual_network_id: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub packet_length: Option<u16>,
    /// Packets accepted under it; their outcomes (a copy counts under the
    /// configuration that sent it).
    pub mirrored: Count,
    #[serde(flatten)]
    pub categories: Categories,
    pub outcomes: Vec<OutcomeCount>,
    /// The filter's rules then, and the packets each decided.
    pub rules: Vec<RuleHits>,
    pub amazon_dns_packets: u64,
    /// The path to each destination the copies may go to: one, or one per
    /// entry node of a Network Load Balancer with no node in the source's
    /// zone (LB-06).
    pub paths: Vec<PathReport>,
}

/// The path of a configuration's copies to one destination.
#[derive(Debug, Serialize, PartialEq)]
pub struct PathReport {
    /// The load balancer node's zone, when the copies may enter by several.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_availability_zone: Option<String>,
    /// Hop by hop, as far as the copies get.
    pub path: Vec<PathHop>,
    /// Where the copies stop, when they never arrive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked: Option<Blocked>,
}

/// One hop of a copy's path.
#[derive(Debug, Serialize, PartialEq)]
pub struct PathHop {
    pub resource: String,
    pub detail: String,
}

/// Where a copy's path stops.
#[derive(Debug, Serialize, PartialEq)]
pub struct Blocked {
    /// A stable reason code (`no_route`, `target_sg_denies_vxlan`, ...).
    pub reason: &'static str,
    pub resource: String,
    pub detail: String,
    /// How to get past it, when the twin can tell.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct TargetReport {
    pub traffic_mirror_target_id: String,
    pub owner: String,
    #[serde(rename = "type")]
    pub target_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_interface_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_load_balancer_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway_load_balancer_endpoint_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mtu: Option<u16>,
    /// Copies sent to this target (original packet bytes).
    pub received: Count,
    #[serde(flatten)]
    pub categories: Categories,
    pub outcomes: Vec<OutcomeCount>,
    /// Bytes that reached the appliance, as outer IP packets.
    pub delivered_copy_bytes: u64,
    pub reordering: Reordering,
    /// sent, skipped, delivered, dropped, reordered, delivered_copy_bytes.
    pub series: Metrics,
}

/// A fleet of appliances: one behind an ENI target, or those registered
/// with a load balancer, however many targets lead there.
#[derive(Debug, Serialize, PartialEq)]
pub struct FleetReport {
    /// The load balancer, or none for an ENI target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load_balancer: Option<String>,
    /// The targets whose copies go to this fleet.
    pub traffic_mirror_target_ids: Vec<String>,
    /// The most copies one appliance was sent over the fleet's mean (1.00
    /// is even), to two places; none for one appliance or none sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load_imbalance: Option<String>,
    pub appliances: Vec<ApplianceReport>,
}

/// One appliance: what it was sent, what became of it, and its load
/// against its receive budget.
#[derive(Debug, Serialize, PartialEq)]
pub struct ApplianceReport {
    pub network_interface_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_type: Option<String>,
    pub availability_zone: String,
    /// Copies sent to it, and delivered (original packet bytes).
    pub sent: Count,
    pub delivered: Count,
    /// Copies lost at it, by reason (packets).
    pub dropped_appliance_down: u64,
    pub dropped_target_bandwidth: u64,
    pub dropped_target_pps: u64,
    pub reordered: u64,
    /// Bytes it had to receive (outer IP packets, GENEVE included).
    pub sent_wire_bytes: u64,
    /// Its receive budget, when its instance type is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receive_budget: Option<NetworkPerformance>,
    /// What was sent to it: bits and packets per second, the busiest
    /// period and the mean over the run.
    pub peak_bps: u64,
    pub mean_bps: u64,
    pub peak_pps: u64,
    pub mean_pps: u64,
    /// The peak against its baseline bandwidth and its packet rate, in
    /// percent to a tenth (over 100: it drops).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak_bandwidth_percent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak_pps_percent: Option<String>,
    /// sent, sent_wire_bytes, delivered, dropped, reordered.
    pub series: Metrics,
}

/// One expectation's verdict.
#[derive(Debug, Serialize, PartialEq)]
pub struct Verdict {
    /// The expectation, as a sentence.
    pub expectation: String,
    pub holds: bool,
    /// The value in each scope it covers (one, or one per session, target
    /// or source for the `Each...` scopes).
    pub measured: Vec<Measured>,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct Measured {
    /// `scenario`, or the session, target or ENI id.
    pub scope: String,
    /// The count, or the share as a percentage to 0.001 %, rounded down
    /// (`"99.95%"`, `"n/a"` when
    /// the denominator is zero).
    pub value: String,
    pub holds: bool,
}
