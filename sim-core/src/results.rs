//! What a run counted: per source ENI, per session and per target.
//!
//! Plain counters indexed like the topology's vectors; the `reports` crate
//! turns them into the report schema. Bytes are IP packet bytes of the
//! original packets unless a field says otherwise, so that, like packets,
//! they add up across outcomes (MET-02).

use topology::{Direction, EniIdx, FilterIdx, RuleAction, TargetIdx};

use crate::outcome::{Category, Outcome};
use crate::time::Instant;
use crate::world::Epoch;

/// Packets and their bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Count {
    pub packets: u64,
    pub bytes: u64,
}

impl Count {
    #[inline]
    pub fn add(&mut self, bytes: u64) {
        self.packets += 1;
        self.bytes += bytes;
    }

    pub fn merge(&mut self, other: Count) {
        self.packets += other.packets;
        self.bytes += other.bytes;
    }
}

/// One counter per outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutcomeTable([Count; Outcome::COUNT]);

impl Default for OutcomeTable {
    fn default() -> Self {
        OutcomeTable([Count::default(); Outcome::COUNT])
    }
}

impl OutcomeTable {
    #[inline]
    pub fn add(&mut self, outcome: Outcome, bytes: u64) {
        self.add_at(outcome.index(), bytes);
    }

    /// [`OutcomeTable::add`] for an outcome's index, worked out once by a
    /// caller that counts it in several tables.
    #[inline]
    pub fn add_at(&mut self, index: usize, bytes: u64) {
        self.0[index].add(bytes);
    }

    pub fn counts(&self) -> &[Count] {
        &self.0
    }

    pub fn counts_mut(&mut self) -> &mut [Count] {
        &mut self.0
    }

    pub fn get(&self, outcome: Outcome) -> Count {
        self.0[outcome.index()]
    }

    /// The outcomes that occurred, in report order.
    pub fn nonzero(&self) -> impl Iterator<Item = (Outcome, Count)> + '_ {
        Outcome::ALL
            .iter()
            .map(|&o| (o, self.get(o)))
            .filter(|(_, c)| c.packets > 0)
    }

    /// The sum over one outcome category.
    pub fn category(&self, category: Category) -> Count {
        let mut total = Count::default();
        for (o, c) in self.nonzero() {
            if o.category() == category {
                total.merge(c);
            }
        }
        total
    }

    /// The sum over every outcome.
    pub fn total(&self) -> Count {
        let mut total = Count::default();
        for (_, c) in self.nonzero() {
            total.merge(c);
        }
        total
    }

    pub fn merge(&mut self, other: &OutcomeTable) {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            a.merge(*b);
        }
    }
}

fn dir_index(d: Direction) -> usize {
    match d {
        Direction::Ingress => 0,
        Direction::Egress => 1,
    }
}

/// The most periods a series holds: memory and reports never grow with
/// simulated time past it.
pub const MAX_BINS: u64 = 10_000;

/// The period a run's series count in: the metrics period, or the least
/// whole multiple of it that covers the run in [`MAX_BINS`] periods
/// (CloudWatch, likewise, keeps long ranges at coarser periods). Every
/// series of a run uses this one period, so they share period indices.
pub fn series_period(metrics_period_ns: u64, duration_ns: u64) -> u64 {
    let p = metrics_period_ns.max(1);
    p.saturating_mul(duration_ns.div_ceil(p).div_ceil(MAX_BINS).max(1))
}

/// Values per period of simulated time, `N` of them per period.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Series<const N: usize> {
    pub period_ns: u64,
    pub bins: Vec<[u64; N]>,
}

impl<const N: usize> Series<N> {
    /// A series covering `duration_ns`, allocated once so adding to it
    /// never allocates; `period_ns` comes from [`series_period`].
    pub fn new(period_ns: u64, duration_ns: u64) -> Self {
        // Never more than MAX_BINS, whatever the caller asks: later
        // instants count in the last period.
        let n = duration_ns.div_ceil(period_ns.max(1)).clamp(1, MAX_BINS) as usize;
        Series {
            period_ns: period_ns.max(1),
            bins: vec![[0; N]; n],
        }
    }

    /// Adds `v` to field `field` of the period holding `now` (copies that
    /// arrive after the end count in the last period).
    #[inline]
    pub fn add(&mut self, now: u64, field: impl Into<usize>, v: u64) {
        let bin = self.bin(now);
        self.add_in(bin, field, v);
    }

    /// The period holding `now` (the last for later instants).
    #[inline]
    pub fn bin(&self, now: u64) -> usize {
        ((now / self.period_ns) as usize).min(self.bins.len() - 1)
    }

    /// Adds `v` to a field of period `bin` ([`Series::bin`], worked out
    /// once for series of one shape).
    #[inline]
    pub fn add_in(&mut self, bin: usize, field: impl Into<usize>, v: u64) {
        self.bins[bin][field.into()] += v;
    }
}

/// CloudWatch's Traffic Mirroring metrics of an instance (MET-01), in the
/// order of [`CLOUDWATCH_METRICS`].
pub type CloudWatch = Series<8>;

/// The metric names of [`CloudWatch`]'s fields.
pub const CLOUDWATCH_METRICS: [&str; 8] = [
    "NetworkMirrorIn",
    "NetworkMirrorOut",
    "NetworkPacketsMirrorIn",
    "NetworkPacketsMirrorOut",
    "NetworkSkipMirrorIn",
    "NetworkSkipMirrorOut",
    "NetworkPacketsSkipMirrorIn",
    "NetworkPacketsSkipMirrorOut",
];

/// A field of a [`CloudWatch`] series: the metric and the direction's
/// index ([`SourceStats::dir`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloudWatchField {
    /// NetworkMirrorIn/Out: bytes of the packets mirrored.
    MirrorBytes(usize),
    /// NetworkPacketsMirrorIn/Out.
    MirrorPackets(usize),
    /// NetworkSkipMirrorIn/Out: bytes of accepted packets not copied.
    SkipBytes(usize),
    /// NetworkPacketsSkipMirrorIn/Out.
    SkipPackets(usize),
}

impl From<CloudWatchField> for usize {
    fn from(f: CloudWatchField) -> usize {
        match f {
            CloudWatchField::MirrorBytes(d) => d,
            CloudWatchField::MirrorPackets(d) => 2 + d,
            CloudWatchField::SkipBytes(d) => 4 + d,
            CloudWatchField::SkipPackets(d) => 6 + d,
        }
    }
}

/// A field of a session's or target's series, in [`COPY_SERIES`] order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CopyField {
    Sent,
    Skipped,
    Delivered,
    Dropped,
    Reordered,
    DeliveredCopyBytes,
}

impl From<CopyField> for usize {
    fn from(f: CopyField) -> usize {
        f as usize
    }
}

/// A field of a source's series, in [`SOURCE_SERIES`] order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceField {
    Offered,
    NotMirrored,
}

impl From<SourceField> for usize {
    fn from(f: SourceField) -> usize {
        f as usize
    }
}

/// Counts a copy's outcome where copies are counted (a session or a
/// target): its outcome table, its series in period `bin` (`field`: sent,
/// skipped, delivered or dropped), and the bytes delivered.
#[inline]
pub fn count_copy(
    (outcomes, series, delivered_bytes): (&mut OutcomeTable, &mut Series<6>, &mut u64),
    outcome: usize,
    bytes: u64,
    field: CopyField,
    delivered_wire: u64,
    bin: usize,
) {
    outcomes.add_at(outcome, bytes);
    series.add_in(bin, field, 1);
    if delivered_wire > 0 {
        *delivered_bytes += delivered_wire;
        series.add_in(bin, CopyField::DeliveredCopyBytes, delivered_wire);
    }
}

/// Fields of a session's or target's series.
pub const COPY_SERIES: [&str; 6] = [
    "sent",
    "skipped",
    "delivered",
    "dropped",
    "reordered",
    "delivered_copy_bytes",
];

/// How far out of order copies arrived, per RFC 4737: a copy is reordered
/// when its sequence number is below the next one expected in its flow;
/// its extent is how many later packets of the flow arrived before it
/// (`next expected - 1 - sequence number`, which is RFC 4737's reordering
/// extent when no packet in between was lost).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reordering {
    pub packets: u64,
    pub extent_sum: u64,
    pub extent_max: u64,
}

impl Reordering {
    #[inline]
    pub fn add(&mut self, extent: u64) {
        self.packets += 1;
        self.extent_sum += extent;
        self.extent_max = self.extent_max.max(extent);
    }
}

/// A source ENI's figures, per direction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceStats {
    /// Packets that crossed the ENI, indexed by [`SourceStats::dir`].
    pub offered: [Count; 2],
    /// Their outcomes, per direction.
    pub outcomes: [OutcomeTable; 2],
    /// Packets offered and not mirrored, per period ([`SOURCE_SERIES`]).
    pub series: Series<2>,
}

/// Fields of a source's series.
pub const SOURCE_SERIES: [&str; 2] = ["offered", "not_mirrored"];

impl SourceStats {
    /// Index of a direction in the per-direction arrays (ingress 0, egress 1).
    pub fn dir(d: Direction) -> usize {
        dir_index(d)
    }
}

/// A session's figures.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionStats {
    /// Packets this session looked at (not decided by an earlier session).
    pub evaluated: Count,
    /// Of those, packets no rule of its filter matched: passed to the next
    /// session.
    pub passed_on: Count,
    /// Packets a rule of its filter rejected.
    pub rejected: Count,
    /// Packets accepted for mirroring, and their outcomes (delivered,
    /// dropped, skipped): the sums over its configurations, made when the
    /// run ends.
    pub mirrored: Count,
    pub outcomes: OutcomeTable,
    /// Bytes of the copies the source sent (outer IP packets).
    pub copy_bytes: u64,
    /// Bytes of the copies that reached the appliance (outer IP packets).
    pub delivered_bytes: u64,
    pub reordering: Reordering,
    /// [`COPY_SERIES`] per period.
    pub series: Series<6>,
    /// Nanoseconds the session existed during the run (SES-12).
    pub existed_ns: u64,
    /// Each configuration the session had, in time order: a new one starts
    /// when its target, filter, rules, packet length or VNI change.
    pub configurations: Vec<Configuration>,
}

/// A session's configuration over a span of the run, and what it earned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Configuration {
    /// The configuration epoch it began in, and when.
    pub epoch: u32,
    pub from: Instant,
    /// When it ended (replaced, or the session deleted); `None`: it lasted
    /// to the end of the run.
    pub to: Option<Instant>,
    pub target: TargetIdx,
    pub filter: FilterIdx,
    pub packet_length: Option<u16>,
    pub virtual_network_id: u32,
    /// The filter's rules then (rule number and action), by direction in
    /// evaluation order, and the packets each decided.
    pub rules: [Vec<(u16, RuleAction)>; 2],
    pub rule_hits: [Vec<u64>; 2],
    /// Packets accepted by the `amazon-dns` network service.
    pub amazon_dns_hits: u64,
    /// Packets accepted, and the outcomes of their copies (a copy counts
    /// under the configuration that sent it).
    pub mirrored: Count,
    pub outcomes: OutcomeTable,
}

/// A target's figures: the copies sent to it and what became of them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TargetStats {
    /// Copies sent to the target (original packet bytes).
    pub received: Count,
    /// Bytes sent to the target as they travel (outer IP packets): what a
    /// load balancer or endpoint processes.
    pub sent_wire_bytes: u64,
    /// Outer (VXLAN) flows begun towards the target: a load balancer's new
    /// flows.
    pub outer_flows: u64,
    /// Bytes carried between Availability Zones on the way, counted once
    /// per leg that crosses (data transfer).
    pub cross_zone_bytes: u64,
    pub outcomes: OutcomeTable,
    /// Bytes that reached the appliance (outer IP packets).
    pub delivered_bytes: u64,
    pub reordering: Reordering,
    /// [`COPY_SERIES`] per period.
    pub series: Series<6>,
}

/// What one appliance was sent and what became of it: the load per
/// appliance behind a load balancer, which the target's totals hide.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApplianceStats {
    /// The target whose copies it was sent (the first, when several).
    pub target: Option<TargetIdx>,
    /// Copies sent to it (original packet bytes), and the bytes it had to
    /// receive for them (outer IP packets, GENEVE included).
    pub sent: Count,
    pub sent_wire_bytes: u64,
    pub delivered: Count,
    pub delivered_wire_bytes: u64,
    /// Copies lost at it: down, over its bandwidth, over its packet rate.
    pub dropped_appliance_down: u64,
    pub dropped_bandwidth: u64,
    pub dropped_pps: u64,
    pub reordered: u64,
    /// [`APPLIANCE_SERIES`] per period.
    pub series: Series<5>,
}

/// The names of an appliance's series fields.
pub const APPLIANCE_SERIES: [&str; 5] = [
    "sent",
    "sent_wire_bytes",
    "delivered",
    "dropped",
    "reordered",
];

/// A field of an appliance's series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApplianceField {
    Sent,
    SentWireBytes,
    Delivered,
    Dropped,
    Reordered,
}

impl From<ApplianceField> for usize {
    fn from(f: ApplianceField) -> usize {
        f as usize
    }
}

/// What a source instance's budgets admitted each period (production
/// and copies), and what they refused, as ENA's allowance counters count
/// it: the headroom a design leaves.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InstanceLoad {
    /// [`INSTANCE_LOAD_SERIES`] per period.
    pub series: Series<4>,
    /// Packets over the inbound or outbound bandwidth, or the packet rate:
    /// production dropped, and copies skipped for the instance's budget.
    pub bw_in_allowance_exceeded: u64,
    pub bw_out_allowance_exceeded: u64,
    pub pps_allowance_exceeded: u64,
}

/// The names of an instance's load fields.
pub const INSTANCE_LOAD_SERIES: [&str; 4] = [
    "egress_bits",
    "egress_packets",
    "ingress_bits",
    "ingress_packets",
];

/// Everything a run counted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunResults {
    /// Packets the traffic sources sent (each once, however many sources
    /// saw it).
    pub generated: Count,
    /// Indexed by ENI; all zero for ENIs that are not sources.
    pub sources: Vec<SourceStats>,
    pub sessions: Vec<SessionStats>,
    pub targets: Vec<TargetStats>,
    /// Per ENI, for the ENIs copies were sent to (appliances).
    pub appliances: Vec<Option<ApplianceStats>>,
    /// Per instance, for source instances with budgets.
    pub instance_load: Vec<Option<InstanceLoad>>,
    /// CloudWatch metrics per instance; `None` for instances that are no
    /// mirror source.
    pub cloudwatch: Vec<Option<CloudWatch>>,
    /// Simulated time covered, in nanoseconds.
    pub simulated_ns: u64,
    /// The configuration epochs of the run: when each began and why.
    pub epochs: Vec<Epoch>,
    /// BW-05: the egress burst credits of "up to" source instances over
    /// the run, by instance (`None` for the others).
    pub credits: Vec<Option<CreditTrace>>,
    /// A sampled run: which periods' counts are estimates, and the window
    /// (`None`: every packet was simulated).
    pub sampling: Option<crate::sampling::Sampling>,
}

/// BW-05: an instance's egress burst credits over a run, in bits: what it
/// held at the start and at the end of each metrics period.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreditTrace {
    pub capacity_bits: u64,
    pub start_bits: u64,
    /// The balance at the end of each period, in order.
    pub balance_bits: Vec<u64>,
    /// The end of the next period to record.
    pub(crate) next_boundary: u64,
    /// The series' period ([`series_period`]).
    pub period_ns: u64,
}

impl RunResults {
    pub fn source(&self, eni: EniIdx) -> &SourceStats {
        &self.sources[eni.index()]
    }

    /// Packets offered to mirroring: each packet once per source ENI it
    /// crossed.
    pub fn offered(&self) -> Count {
        let mut total = Count::default();
        for s in &self.sources {
            total.merge(s.offered[0]);
            total.merge(s.offered[1]);
        }
        total
    }

    /// Outcomes over every source and direction.
    pub fn outcomes(&self) -> OutcomeTable {
        let mut t = OutcomeTable::default();
        for s in &self.sources {
            t.merge(&s.outcomes[0]);
            t.merge(&s.outcomes[1]);
        }
        t
    }
}

/// Counters that add up: a split run's two sides (`split`) each count
/// their own packets into results of the same shape, joined at the end.
trait Absorb {
    fn absorb(&mut self, other: &Self);
}

impl Absorb for u64 {
    fn absorb(&mut self, other: &Self) {
        *self += other;
    }
}

impl Absorb for Count {
    fn absorb(&mut self, other: &Self) {
        self.merge(*other);
    }
}

impl Absorb for OutcomeTable {
    fn absorb(&mut self, other: &Self) {
        self.merge(other);
    }
}

impl Absorb for Reordering {
    fn absorb(&mut self, other: &Self) {
        self.packets += other.packets;
        self.extent_sum += other.extent_sum;
        self.extent_max = self.extent_max.max(other.extent_max);
    }
}

impl<T: Absorb> Absorb for [T] {
    fn absorb(&mut self, other: &Self) {
        for (a, b) in self.iter_mut().zip(other) {
            a.absorb(b);
        }
    }
}

impl<const N: usize> Absorb for Series<N> {
    fn absorb(&mut self, other: &Self) {
        for (a, b) in self.bins.iter_mut().zip(&other.bins) {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
    }
}

impl<T: Absorb + Clone> Absorb for Option<T> {
    fn absorb(&mut self, other: &Self) {
        match (self.as_mut(), other) {
            (Some(a), Some(b)) => a.absorb(b),
            (None, Some(b)) => *self = Some(b.clone()),
            (_, None) => {}
        }
    }
}

impl Absorb for SourceStats {
    fn absorb(&mut self, o: &Self) {
        // Every field named: a field added later must say how it adds up.
        let SourceStats {
            offered,
            outcomes,
            series,
        } = o;
        self.offered.absorb(offered);
        self.outcomes.absorb(outcomes);
        self.series.absorb(series);
    }
}

impl Absorb for Configuration {
    /// The configuration itself (its bounds, target, rules) is the same on
    /// both sides: the counts add.
    fn absorb(&mut self, o: &Self) {
        let Configuration {
            epoch: _,
            from: _,
            to: _,
            target: _,
            filter: _,
            packet_length: _,
            virtual_network_id: _,
            rules: _,
            rule_hits,
            amazon_dns_hits,
            mirrored,
            outcomes,
        } = o;
        for (mine, theirs) in self.rule_hits.iter_mut().zip(rule_hits) {
            mine.absorb(theirs);
        }
        self.amazon_dns_hits += amazon_dns_hits;
        self.mirrored.absorb(mirrored);
        self.outcomes.absorb(outcomes);
    }
}

impl Absorb for SessionStats {
    fn absorb(&mut self, o: &Self) {
        let SessionStats {
            evaluated,
            passed_on,
            rejected,
            mirrored,
            outcomes,
            copy_bytes,
            delivered_bytes,
            reordering,
            series,
            existed_ns,
            configurations,
        } = o;
        self.evaluated.absorb(evaluated);
        self.passed_on.absorb(passed_on);
        self.rejected.absorb(rejected);
        self.mirrored.absorb(mirrored);
        self.outcomes.absorb(outcomes);
        self.copy_bytes += copy_bytes;
        self.delivered_bytes += delivered_bytes;
        self.reordering.absorb(reordering);
        self.series.absorb(series);
        // Both sides saw the same deletions.
        self.existed_ns = self.existed_ns.max(*existed_ns);
        self.configurations.absorb(configurations);
    }
}

impl Absorb for TargetStats {
    fn absorb(&mut self, o: &Self) {
        let TargetStats {
            received,
            sent_wire_bytes,
            outer_flows,
            cross_zone_bytes,
            outcomes,
            delivered_bytes,
            reordering,
            series,
        } = o;
        self.received.absorb(received);
        self.sent_wire_bytes += sent_wire_bytes;
        self.outer_flows += outer_flows;
        self.cross_zone_bytes += cross_zone_bytes;
        self.outcomes.absorb(outcomes);
        self.delivered_bytes += delivered_bytes;
        self.reordering.absorb(reordering);
        self.series.absorb(series);
    }
}

impl Absorb for ApplianceStats {
    fn absorb(&mut self, o: &Self) {
        let ApplianceStats {
            target,
            sent,
            sent_wire_bytes,
            delivered,
            delivered_wire_bytes,
            dropped_appliance_down,
            dropped_bandwidth,
            dropped_pps,
            reordered,
            series,
        } = o;
        self.target = self.target.or(*target);
        self.sent.absorb(sent);
        self.sent_wire_bytes += sent_wire_bytes;
        self.delivered.absorb(delivered);
        self.delivered_wire_bytes += delivered_wire_bytes;
        self.dropped_appliance_down += dropped_appliance_down;
        self.dropped_bandwidth += dropped_bandwidth;
        self.dropped_pps += dropped_pps;
        self.reordered += reordered;
        self.series.absorb(series);
    }
}

impl Absorb for InstanceLoad {
    fn absorb(&mut self, o: &Self) {
        let InstanceLoad {
            series,
            bw_in_allowance_exceeded,
            bw_out_allowance_exceeded,
            pps_allowance_exceeded,
        } = o;
        self.series.absorb(series);
        self.bw_in_allowance_exceeded += bw_in_allowance_exceeded;
        self.bw_out_allowance_exceeded += bw_out_allowance_exceeded;
        self.pps_allowance_exceeded += pps_allowance_exceeded;
    }
}

impl RunResults {
    /// Adds in the counters of `other`: the same scenario's run, counting
    /// other packets or other stages of them (a split run's other side,
    /// `split`), before either is finished. What both sides keep alike
    /// (configurations, sessions' lifetimes) stays; what only a run's end
    /// writes (epochs, credits, sampling) is left to it.
    pub fn absorb(&mut self, other: RunResults) {
        let RunResults {
            generated,
            sources,
            sessions,
            targets,
            appliances,
            instance_load,
            cloudwatch,
            simulated_ns: _,
            epochs: _,
            credits: _,
            sampling: _,
        } = &other;
        self.generated.absorb(generated);
        self.sources.absorb(sources);
        self.sessions.absorb(sessions);
        self.targets.absorb(targets);
        self.appliances.absorb(appliances);
        self.instance_load.absorb(instance_load);
        self.cloudwatch.absorb(cloudwatch);
    }
}
