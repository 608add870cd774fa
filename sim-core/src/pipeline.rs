//! The mirroring pipeline: what happens to a packet at a source ENI, and to
//! its copy on the way to the appliance.
//!
//! The session decision depends only on the flow (5-tuple and direction),
//! so it is made once per flow and observation point ([`Observation`]).
//! Per packet the pipeline walks its stages, each of which returns the
//! next value or the [`Outcome`] that ends the packet: the production
//! budget, the session decision, the copy (its size, the source's budgets,
//! the path and the load balancer's choice); the copy then travels as an
//! [`InFlight`] value and [`Pipeline::arrive`]s after its path's latency
//! at the appliance's receive budget. One function, [`Pipeline::settle`],
//! records every outcome, once (MET-02 by construction). Nothing here
//! allocates per packet.

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg32;
use topology::decision::{AcceptedBy, MirrorDecision};
use topology::reach::SourceBlock;
use topology::{
    Decision, Direction, EniIdx, FlowKey, InstanceIdx, SessionIdx, TargetIdx, Topology,
};

use crate::copy_plan::CopyPlan;

use crate::budget::{Bucket, DirectionBudget, Shortfall};
use crate::delivery::{self, CROSS_TO_APPLIANCE, CROSS_TO_ENTRY, Via};
use crate::lb::Capacity;
use crate::outcome::{Delivery, DropReason, NotMirroredReason, Outcome, SkipReason};
use crate::results::{
    ApplianceField, ApplianceStats, CloudWatch, CloudWatchField, Configuration, CopyField,
    CreditTrace, InstanceLoad, RunResults, Series, SessionStats, SourceField, SourceStats,
    TargetStats, count_copy,
};
use crate::rng::{self, Stream};
use crate::settings::Settings;
use crate::time::Instant;
use crate::traffic::Emitted;
use crate::world::{Applied, World};

/// No per-flow bucket (the observation mirrors nothing).
pub const NO_OUTER_FLOW: u32 = u32::MAX;

/// A packet's passage through one source ENI, decided once per flow. One
/// cache line (the engine keeps one per flow and source ENI).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(align(64))]
pub struct Observation {
    pub eni: EniIdx,
    pub direction: Direction,
    /// Whether the inner packet is IPv6 (its minimum copy size differs).
    pub ipv6: bool,
    pub decision: Decision,
    /// The instance whose budgets the packet and its copy spend.
    pub instance: Option<InstanceIdx>,
    /// The per-flow bucket of the outer (VXLAN) flow, or [`NO_OUTER_FLOW`].
    pub outer: u32,
    /// This flow-and-observation's reordering slot (sequence numbers).
    pub slot: u32,
    /// Where this flow's copies go when the session mirrors it, decided
    /// once ([`delivery::route`]): the appliance, or why they are lost on
    /// the way (the path stops, no listener, no healthy target).
    pub appliance: Result<EniIdx, DropReason>,
    /// One-way latency of the copies before jitter.
    pub latency_ns: u64,
    /// The load balancer node they enter by (NLB targets; 0 otherwise).
    pub node: u16,
    /// The legs of the copies' way that cross zones
    /// ([`delivery::CopyRoute::cross_zones`]).
    pub cross_zones: u8,
    /// The appliance the load balancer placed this flow on, if any (the
    /// flow stays there: LB-03).
    pub placed: Option<EniIdx>,
}

impl Observation {
    /// `sender` is the sending ENI when it is one of the scenario's; `reply`
    /// whether the packet answers a connection the receiver opened; `active`
    /// which sessions exist now.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        topo: &Topology,
        eni: EniIdx,
        direction: Direction,
        key: &FlowKey,
        sender: Option<EniIdx>,
        reply: bool,
        active: &[bool],
        slot: u32,
    ) -> Self {
        Observation {
            eni,
            direction,
            ipv6: key.is_ipv6(),
            decision: topo.decide_at(eni, direction, key, sender, reply, active, &mut ()),
            instance: topo.eni(eni).instance,
            outer: NO_OUTER_FLOW,
            slot,
            appliance: Err(DropReason::NoHealthyTarget),
            latency_ns: 0,
            cross_zones: 0,
            node: 0,
            placed: None,
        }
    }
}

/// A copy on its way: everything its arrival needs, as typed values.
/// Small and plain (one cache line); the engine keeps these in a slab.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(align(64))]
pub struct InFlight {
    pub arrive_at: Instant,
    pub session: SessionIdx,
    /// The session's configuration that sent it (index into its
    /// configurations): its target and plan, even if the session changed
    /// since.
    pub config: u32,
    pub target: TargetIdx,
    pub source_eni: EniIdx,
    /// The direction of the packet at the source.
    pub direction: Direction,
    pub delivery: Delivery,
    /// Original packet bytes.
    pub bytes: u32,
    /// Outer IP bytes of the copy.
    pub wire: u32,
    /// Bytes the appliance receives beyond them (the plan's `wrapper`:
    /// carried, so that an arrival need not read its session's plan).
    pub wrapper: u32,
    /// Its flow-and-observation's reordering slot, and its number there.
    pub slot: u32,
    pub seq: u32,
    pub appliance: EniIdx,
    /// The load balancer node it went through (NLB targets).
    pub node: u16,
    /// Bytes of the original frame the copy keeps.
    pub kept: u32,
    /// The packet's number in its flow, and its TCP sequence number (for
    /// captures).
    pub index: u32,
    pub tcp_seq: u32,
}

// A copy in flight is one cache line (the slab's and the split run's
// batches' entries).
const _: () = assert!(std::mem::size_of::<InFlight>() == 64);

/// What became of a packet at one observation point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Offered {
    /// Its outcome is counted.
    Done,
    /// The instance's budget dropped the production packet itself: it goes
    /// no further.
    ProductionDropped,
    /// A copy is on its way.
    Copy(InFlight),
}

/// Where an outcome is counted: the source ENI and direction, and for
/// accepted packets the session's configuration and target.
#[derive(Clone, Copy, Debug)]
struct Place {
    eni: EniIdx,
    dir: usize,
    /// The source instance, whose CloudWatch metrics count skips.
    instance: Option<InstanceIdx>,
    /// The session and its configuration, once a session accepted it.
    session: Option<(SessionIdx, u32)>,
    /// The target, once a copy was sent to it.
    target: Option<TargetIdx>,
}

/// Applies the pipeline packet by packet and counts every outcome.
pub struct Pipeline {
    /// Each session's copy plans, one per configuration (the last is in
    /// force); copies in flight keep the index of theirs.
    plans: Vec<Vec<CopyPlan>>,
    /// The active sessions of each ENI in evaluation order (`passed` counts).
    sessions_by_eni: Vec<Vec<u32>>,
    /// Whether each session's filter has rules for a direction (ingress,
    /// egress): only those judge a packet they pass on.
    judges: Vec<[bool; 2]>,
    /// Source instances' budgets, ingress then egress (BW-01).
    budgets: Vec<Option<[DirectionBudget; 2]>>,
    /// Appliances' receive budgets, by instance.
    receive: Vec<Option<DirectionBudget>>,
    /// Per outer flow buckets (BW-03), a cache line each: a fleet's outer
    /// flows do not fit in cache, and a bucket across two lines would
    /// cost two misses a copy.
    per_flow: Vec<OuterFlow>,
    /// Last arrival per session, to keep FIFO paths in order.
    last_arrival: Vec<u64>,
    /// Jitter draws per session.
    jitter: Vec<Pcg32>,
    /// Gateway Load Balancer endpoints' capacity (TGT-11).
    capacity: Vec<Capacity>,
    /// Sampled runs: each endpoint's capacity when the window began.
    capacity_at_mark: Vec<u64>,
    settings: Settings,
    /// The series' period and the run's length, for the series of an
    /// appliance made when its first copy reaches it.
    series_period_ns: u64,
    duration_ns: u64,
    /// The metrics period of the latest event (`Series::bin`), with its
    /// bounds: events come in time order, so the period changes once per
    /// period instead of costing a division per counter.
    period: PeriodClock,
    pub results: RunResults,
}

/// A flow-and-observation's copies' sequence numbers (RFC 4737): the
/// next to send, and the next expected at the appliance. The engine keeps
/// them with the flow's state, which every packet touches anyway.
#[derive(Clone, Copy, Debug, Default)]
pub struct Reorder {
    next_seq: u32,
    next_expected: u32,
}

/// An outer flow's bucket (BW-03), aligned to a cache line.
#[derive(Clone, Debug)]
#[repr(align(64))]
struct OuterFlow(Bucket);

/// `Series::bin` of the instants of one period, worked out once.
#[derive(Clone, Copy, Debug)]
struct PeriodClock {
    from: u64,
    until: u64,
    bin: usize,
}

fn budgets_of(topo: &Topology, i: usize, credits_percent: u8) -> Option<[DirectionBudget; 2]> {
    let inst = &topo.instances[i];
    inst.network.map(|n| {
        let b = || {
            DirectionBudget::new(
                n.baseline_bps,
                n.burst_bps,
                n.pps,
                inst.burst_duration_ns,
                credits_percent,
            )
        };
        [b(), b()]
    })
}

/// Whether a session's filter has rules for each direction.
fn judges(topo: &Topology, session: SessionIdx) -> [bool; 2] {
    let f = topo.filter(topo.session(session).filter);
    [
        !f.ingress_filter_rules.is_empty(),
        !f.egress_filter_rules.is_empty(),
    ]
}

/// A session's configuration as it stands in `topo`, from `from`, before
/// it has counted anything.
fn configuration(topo: &Topology, session: SessionIdx, epoch: u32, from: Instant) -> Configuration {
    let s = topo.session(session);
    let f = topo.filter(s.filter);
    let rules = |d| {
        f.rules(d)
            .iter()
            .map(|r| (r.rule_number, r.rule_action))
            .collect::<Vec<_>>()
    };
    Configuration {
        epoch,
        from,
        to: None,
        target: s.target,
        filter: s.filter,
        packet_length: s.packet_length,
        virtual_network_id: s.virtual_network_id,
        rule_hits: [
            vec![0; f.ingress_filter_rules.len()],
            vec![0; f.egress_filter_rules.len()],
        ],
        rules: [rules(Direction::Ingress), rules(Direction::Egress)],
        amazon_dns_hits: 0,
        mirrored: Default::default(),
        outcomes: Default::default(),
    }
}

impl Pipeline {
    pub fn new(world: &World, settings: &Settings, seed: u64, duration_ns: u64) -> Self {
        let topo = world.topology();
        let plans: Vec<Vec<CopyPlan>> = (0..topo.sessions.len())
            .map(|i| vec![CopyPlan::new(topo, SessionIdx(i as u32), settings)])
            .collect();
        let period = crate::results::series_period(settings.metrics_period_ns, duration_ns);
        let sessions = (0..topo.sessions.len())
            .map(|i| SessionStats {
                series: Series::new(period, duration_ns),
                configurations: vec![configuration(
                    topo,
                    SessionIdx(i as u32),
                    world.epoch(),
                    Instant::ZERO,
                )],
                ..SessionStats::default()
            })
            .collect();
        let is_source_instance: Vec<bool> = (0..topo.instances.len())
            .map(|i| {
                topo.enis.iter().enumerate().any(|(e, eni)| {
                    eni.instance.map(|x| x.index()) == Some(i) && topo.is_source(EniIdx(e as u32))
                })
            })
            .collect();
        // Appliances' receive budgets: every ENI a copy may reach, directly
        // or behind a load balancer (any target a session may move to).
        let mut receive: Vec<Option<DirectionBudget>> = vec![None; topo.instances.len()];
        let appliances = (0..topo.targets.len())
            .filter_map(|t| topo.target_eni(topology::TargetIdx(t as u32)))
            .chain(
                topo.network_load_balancers
                    .iter()
                    .flat_map(|n| n.targets.iter().copied()),
            )
            .chain(
                topo.gateway_load_balancers
                    .iter()
                    .flat_map(|g| g.targets.iter().copied()),
            );
        for e in appliances {
            if let Some(inst) = topo.eni(e).instance
                && receive[inst.index()].is_none()
            {
                receive[inst.index()] =
                    budgets_of(topo, inst.index(), settings.burst_credits_percent)
                        .map(|[ingress, _]| ingress);
            }
        }
        Pipeline {
            jitter: (0..plans.len())
                .map(|s| {
                    let mut stream = rng::stream(seed, Stream::Jitter(&topo.sessions[s].id));
                    Pcg32::seed_from_u64(stream.random())
                })
                .collect(),
            last_arrival: vec![0; plans.len()],
            judges: (0..plans.len())
                .map(|s| judges(topo, SessionIdx(s as u32)))
                .collect(),
            plans,
            sessions_by_eni: (0..topo.enis.len())
                .map(|e| {
                    topo.sessions_of(EniIdx(e as u32))
                        .iter()
                        .map(|s| s.0)
                        .collect()
                })
                .collect(),
            budgets: (0..topo.instances.len())
                .map(|i| {
                    if is_source_instance[i] {
                        budgets_of(topo, i, settings.burst_credits_percent)
                    } else {
                        None
                    }
                })
                .collect(),
            receive,
            per_flow: Vec::new(),
            settings: *settings,
            capacity: (0..topo.gwlb_endpoints.len())
                .map(|_| Capacity::new(settings.gwlb_scaling))
                .collect(),
            capacity_at_mark: Vec::new(),
            series_period_ns: period,
            duration_ns,
            period: PeriodClock {
                from: u64::MAX,
                until: 0,
                bin: 0,
            },
            results: RunResults {
                appliances: vec![None; topo.enis.len()],
                instance_load: (0..topo.instances.len())
                    .map(|i| {
                        (is_source_instance[i] && topo.instances[i].network.is_some()).then(|| {
                            InstanceLoad {
                                series: Series::new(period, duration_ns),
                                ..InstanceLoad::default()
                            }
                        })
                    })
                    .collect(),
                sources: (0..topo.enis.len())
                    .map(|e| SourceStats {
                        series: if topo.is_source(EniIdx(e as u32)) {
                            Series::new(period, duration_ns)
                        } else {
                            Series::default()
                        },
                        ..SourceStats::default()
                    })
                    .collect(),
                sessions,
                targets: (0..topo.targets.len())
                    .map(|_| TargetStats {
                        series: Series::new(period, duration_ns),
                        ..TargetStats::default()
                    })
                    .collect(),
                cloudwatch: is_source_instance
                    .iter()
                    .map(|&s| s.then(|| CloudWatch::new(period, duration_ns)))
                    .collect(),
                credits: (0..topo.instances.len())
                    .map(|i| {
                        let mut b = budgets_of(topo, i, settings.burst_credits_percent)?;
                        let (start_bits, capacity_bits) = b[1].credits(0)?;
                        is_source_instance[i].then_some(CreditTrace {
                            capacity_bits,
                            start_bits,
                            balance_bits: Vec::new(),
                            next_boundary: period.max(1),
                            period_ns: period.max(1),
                        })
                    })
                    .collect(),
                ..RunResults::default()
            },
        }
    }

    /// Decides where an observation's copies go, when its session mirrors
    /// it (TGT-05..08, TGT-10, LB-06): [`delivery::route`], once per flow.
    /// `prior` is the appliance an existing flow was placed on.
    pub fn choose(
        &self,
        world: &World,
        obs: &mut Observation,
        key: &FlowKey,
        prior: Option<EniIdx>,
    ) {
        let Decision::Mirror { mirror, .. } = obs.decision else {
            return;
        };
        let route = delivery::route(
            world,
            self.plan(mirror.session),
            obs.eni,
            key,
            self.settings.latency.cross_az_ns,
            prior,
            false,
        );
        obs.placed = route.placed;
        obs.appliance = match route.blocked {
            Some(b) => Err(DropReason::Unreachable(b)),
            None => route.appliance,
        };
        obs.latency_ns = route.latency_ns;
        obs.node = route.node as u16;
        obs.cross_zones = route.cross_zones;
    }

    /// The session's configuration changed at `now` (epoch `epoch`): its
    /// copy plan is worked out again and a new configuration begins.
    pub fn reconfigure(&mut self, world: &World, session: SessionIdx, now: Instant) {
        let topo = world.topology();
        self.plans[session.index()].push(CopyPlan::new(topo, session, &self.settings));
        self.judges[session.index()] = judges(topo, session);
        self.last_arrival[session.index()] = 0;
        let configs = &mut self.results.sessions[session.index()].configurations;
        if let Some(last) = configs.last_mut() {
            last.to = Some(now);
        }
        configs.push(configuration(topo, session, world.epoch(), now));
    }

    /// The world changed at `now` (`World::apply` returned `applied`): the
    /// sessions it deleted end, those it changed begin a configuration.
    pub fn follow(&mut self, world: &World, applied: &Applied, now: Instant) {
        for &s in &applied.deleted {
            self.deactivate(s, world.topology(), now);
        }
        for &s in &applied.reconfigured {
            self.reconfigure(world, s, now);
        }
    }

    /// Asks for outer flow `outer`'s bucket ahead of its use (`prefetch`).
    #[inline]
    pub fn prefetch_outer_flow(&self, outer: u32) {
        if let Some(b) = self.per_flow.get(outer as usize) {
            crate::prefetch::prefetch(b);
        }
    }

    /// Asks for the counters a delivered copy `c` adds to (its source's
    /// and its session's), ahead of its arrival (`prefetch`).
    #[inline]
    pub fn prefetch_arrival(&self, c: &InFlight) {
        let index = Outcome::Delivered(c.delivery).index();
        if let Some(source) = self.results.sources.get(c.source_eni.index()) {
            let d = SourceStats::dir(c.direction);
            if let Some(count) = source.outcomes[d].counts().get(index) {
                crate::prefetch::prefetch(count);
            }
        }
        if let Some(s) = self.results.sessions.get(c.session.index()) {
            crate::prefetch::prefetch(s);
        }
    }

    /// A new per-flow bucket for an outer flow of `session`; its index.
    pub fn add_outer_flow(&mut self, session: SessionIdx) -> u32 {
        let (bps, target) = (self.plan(session).per_flow_bps, self.plan(session).target);
        self.results.targets[target.index()].outer_flows += 1;
        self.per_flow
            .push(OuterFlow(Bucket::with_window(bps, 9001 * 8)));
        (self.per_flow.len() - 1) as u32
    }

    /// A session is deleted at `now`: it no longer counts among its
    /// source's sessions (the observations must be decided again), its
    /// configuration ends and its billing stops (SES-12).
    pub fn deactivate(&mut self, session: SessionIdx, topo: &Topology, now: Instant) {
        let eni = topo.session(session).source;
        self.sessions_by_eni[eni.index()].retain(|&s| s != session.0);
        let stats = &mut self.results.sessions[session.index()];
        stats.existed_ns = now.as_nanos();
        if let Some(last) = stats.configurations.last_mut() {
            last.to = Some(now);
        }
    }

    /// The run ends at `end`: sessions still there existed until then.
    pub fn finish(&mut self, world: &World, end: u64) {
        for (s, stats) in self.results.sessions.iter_mut().enumerate() {
            if world.session_exists(SessionIdx(s as u32)) {
                stats.existed_ns = end;
            }
        }
        self.results.epochs = world.epochs().to_vec();
        // BW-05: the credits of the periods after the last packet.
        for i in 0..self.results.credits.len() {
            if let Some(period) = self.results.credits[i].as_ref().map(|t| t.period_ns) {
                self.record_credits(i, end.div_ceil(period) * period);
            }
        }
        // A session's totals are its configurations' sums.
        for stats in &mut self.results.sessions {
            for c in &stats.configurations {
                stats.mirrored.merge(c.mirrored);
                stats.outcomes.merge(&c.outcomes);
            }
        }
    }

    /// Sampled runs (`sampling`): a window begins at `at`.
    pub fn mark(&mut self, at: u64) {
        let budgets = self.budgets.iter_mut().flatten().flatten();
        for b in budgets.chain(self.receive.iter_mut().flatten()) {
            b.mark(at);
        }
        self.capacity_at_mark = self.capacity.iter().map(Capacity::rate).collect();
    }

    /// Sampled runs: whole windows like the one ending at `at` before some
    /// instance's burst credits run out (BW-05), if any are running down:
    /// past that, its budget is another.
    /// Likewise for a Gateway Load Balancer endpoint that grows at a
    /// scaling window's end within the `span` skipped (TGT-11), counted
    /// in windows of `window` to the nearest.
    pub fn windows_left(&mut self, at: u64, span: u64, window: u64) -> Option<u64> {
        let budgets = self.budgets.iter_mut().flatten().flatten();
        let credits = budgets
            .chain(self.receive.iter_mut().flatten())
            .filter_map(|b| b.windows_left(at))
            .min();
        let scaling = self
            .capacity
            .iter()
            .filter_map(|c| c.grows_at(at, span))
            .map(|t| (t - at + window / 2) / window)
            .min();
        credits.into_iter().chain(scaling).min()
    }

    /// Sampled runs: whether some instance's burst credits ran out in the
    /// window ending at `at` (BW-05).
    /// Or whether an endpoint grew in it (TGT-11).
    pub fn ran_out(&mut self, at: u64) -> bool {
        let budgets = self.budgets.iter_mut().flatten().flatten();
        let credits = budgets
            .chain(self.receive.iter_mut().flatten())
            .any(|b| b.ran_out(at));
        let grew = self
            .capacity
            .iter()
            .zip(&self.capacity_at_mark)
            .any(|(c, &r)| c.rate() != r);
        credits || grew
    }

    /// Sampled runs: the window ends at `at` and time stands still for
    /// `span` (`extra` windows): every bucket meets the next window as
    /// this one left it, credits and endpoint scaling carried by their
    /// rates.
    pub fn skip(&mut self, at: u64, span: u64, extra: u64) {
        let budgets = self.budgets.iter_mut().flatten().flatten();
        for b in budgets.chain(self.receive.iter_mut().flatten()) {
            b.skip(at, span, extra);
        }
        for OuterFlow(b) in &mut self.per_flow {
            b.freeze(at, span);
        }
        for c in &mut self.capacity {
            c.skip(at, span);
        }
    }

    /// BW-05: records the instance's egress credits at every period's end
    /// up to `now` (the balance then: refilled, nothing spent since).
    #[inline]
    fn record_credits(&mut self, i: usize, now: u64) {
        let Some(trace) = self.results.credits[i].as_mut() else {
            return;
        };
        while now >= trace.next_boundary {
            let at = trace.next_boundary;
            let level = self.budgets[i]
                .as_mut()
                .and_then(|b| b[1].credits(at))
                .map_or(0, |(bits, _)| bits);
            trace.balance_bits.push(level);
            trace.next_boundary += trace.period_ns;
        }
    }

    /// Counts the sessions that passed a packet on, of those whose rules
    /// judged it (a session with no rule for the direction did not).
    /// The period holding `now`, as every series of the run counts it
    /// (the last for later instants: `Series::bin`).
    #[inline]
    fn bin_at(&mut self, now: u64) -> usize {
        let c = self.period;
        if now >= c.from && now < c.until {
            return c.bin;
        }
        let p = self.series_period_ns;
        let last = (self
            .duration_ns
            .div_ceil(p)
            .clamp(1, crate::results::MAX_BINS)
            - 1) as usize;
        let bin = ((now / p) as usize).min(last);
        let from = bin as u64 * p;
        let until = if bin == last { u64::MAX } else { from + p };
        self.period = PeriodClock { from, until, bin };
        bin
    }

    #[inline]
    fn passed_on(&mut self, eni: EniIdx, passed: u8, bytes: u64, d: usize) {
        for &s in &self.sessions_by_eni[eni.index()][..passed as usize] {
            if !self.judges[s as usize][d] {
                continue;
            }
            let s = &mut self.results.sessions[s as usize];
            s.evaluated.add(bytes);
            s.passed_on.add(bytes);
        }
    }

    /// One packet crosses a source ENI at `now`: the stages in order; the
    /// first that ends it gives its outcome, counted once by `settle`.
    #[inline]
    pub fn offer(
        &mut self,
        world: &World,
        obs: &Observation,
        packet: Emitted,
        now: u64,
        over_flow_limit: bool,
        reorder: &mut Reorder,
    ) -> Offered {
        let bytes = u64::from(packet.size);
        let d = SourceStats::dir(obs.direction);
        let bin = self.bin_at(now);
        let source = &mut self.results.sources[obs.eni.index()];
        source.offered[d].add(bytes);
        source.series.add_in(bin, SourceField::Offered, 1);
        let mut place = Place {
            eni: obs.eni,
            dir: d,
            instance: obs.instance,
            session: None,
            target: None,
        };
        let ended = if over_flow_limit {
            Err(Outcome::NotMirrored(NotMirroredReason::ProductionFlowLimit))
        } else {
            self.production(obs, bytes, now)
        }
        .and_then(|()| {
            let mirror = self.decide(obs, bytes)?;
            let si = mirror.session;
            place.session = Some((si, self.current_config(si)));
            self.copy(world, obs, mirror, packet, now, &mut place)
        });
        match ended {
            Ok(mut copy) => {
                // Its number among the flow's copies at this observation.
                copy.seq = reorder.next_seq;
                reorder.next_seq = copy.seq.wrapping_add(1);
                Offered::Copy(copy)
            }
            Err(outcome) => {
                self.settle(place, outcome, bytes, 0, now);
                if matches!(
                    outcome,
                    Outcome::NotMirrored(
                        NotMirroredReason::ProductionDropped
                            | NotMirroredReason::ProductionFlowLimit
                    )
                ) {
                    Offered::ProductionDropped
                } else {
                    Offered::Done
                }
            }
        }
    }

    /// Stage 1, BW-02: production first; the packet itself is dropped only
    /// when it alone does not fit the instance's budget.
    #[inline]
    fn production(&mut self, obs: &Observation, bytes: u64, now: u64) -> Result<(), Outcome> {
        let d = SourceStats::dir(obs.direction);
        let Some(i) = obs.instance else {
            return Ok(());
        };
        self.record_credits(i.index(), now);
        let Some(budget) = self.budgets[i.index()].as_mut() else {
            return Ok(());
        };
        let fits = budget[d].production(now, bytes);
        self.count_load(i.index(), d, fits, bytes, now);
        fits.map_err(|_| Outcome::NotMirrored(NotMirroredReason::ProductionDropped))
    }

    /// What the instance's budget in direction `d` admitted (`Ok`) or
    /// refused: its per-period load, and ENA's allowance counters.
    #[inline]
    fn count_load(
        &mut self,
        i: usize,
        d: usize,
        fits: Result<(), Shortfall>,
        bytes: u64,
        now: u64,
    ) {
        let bin = self.bin_at(now);
        let Some(load) = self.results.instance_load[i].as_mut() else {
            return;
        };
        match fits {
            Ok(()) => {
                // Egress is field 0 and 1, ingress 2 and 3.
                let base: usize = if d == SourceStats::dir(Direction::Egress) {
                    0
                } else {
                    2
                };
                load.series.add_in(bin, base, bytes * 8);
                load.series.add_in(bin, base + 1, 1);
            }
            Err(Shortfall::Pps) => load.pps_allowance_exceeded += 1,
            Err(Shortfall::Bandwidth) if d == SourceStats::dir(Direction::Egress) => {
                load.bw_out_allowance_exceeded += 1;
            }
            Err(Shortfall::Bandwidth) => load.bw_in_allowance_exceeded += 1,
        }
    }

    /// Stage 2: the flow's cached decision (SRC-03, SRC-05, SES-02,
    /// FLT-*), counted against the sessions that saw the packet.
    #[inline]
    fn decide(&mut self, obs: &Observation, bytes: u64) -> Result<MirrorDecision, Outcome> {
        let d = SourceStats::dir(obs.direction);
        let not_mirrored = |reason| Err(Outcome::NotMirrored(reason));
        match obs.decision {
            Decision::NeverMirrored(k) => not_mirrored(NotMirroredReason::NeverMirrored(k)),
            Decision::BlockedAtSource(SourceBlock::NetworkAcl) => {
                not_mirrored(NotMirroredReason::SourceNetworkAcl)
            }
            Decision::BlockedAtSource(SourceBlock::SecurityGroup) => {
                not_mirrored(NotMirroredReason::SourceSecurityGroup)
            }
            Decision::AmazonDnsNotEnabled { passed } => {
                self.passed_on(obs.eni, passed, bytes, d);
                not_mirrored(NotMirroredReason::AmazonDnsNotEnabled)
            }
            Decision::NoRuleMatched { passed } => {
                self.passed_on(obs.eni, passed, bytes, d);
                not_mirrored(NotMirroredReason::NoRuleMatched)
            }
            Decision::NoRulesForDirection { passed } => {
                self.passed_on(obs.eni, passed, bytes, d);
                not_mirrored(NotMirroredReason::NoRulesForDirection)
            }
            Decision::Rejected {
                session,
                rule,
                passed,
            } => {
                self.passed_on(obs.eni, passed, bytes, d);
                let s = &mut self.results.sessions[session.index()];
                s.evaluated.add(bytes);
                s.rejected.add(bytes);
                if let Some(c) = s.configurations.last_mut() {
                    c.rule_hits[d][rule as usize] += 1;
                }
                not_mirrored(NotMirroredReason::FilterReject)
            }
            Decision::Mirror { mirror, passed } => {
                self.passed_on(obs.eni, passed, bytes, d);
                let s = &mut self.results.sessions[mirror.session.index()];
                s.evaluated.add(bytes);
                if let Some(c) = s.configurations.last_mut() {
                    match mirror.accepted_by {
                        AcceptedBy::Rule(i) => c.rule_hits[d][i as usize] += 1,
                        AcceptedBy::AmazonDns => c.amazon_dns_hits += 1,
                    }
                }
                Ok(mirror)
            }
        }
    }

    /// Stage 3: an accepted packet's copy: sized, charged to the source,
    /// sent on its path to the appliance the flow was given.
    #[inline]
    fn copy(
        &mut self,
        world: &World,
        obs: &Observation,
        mirror: MirrorDecision,
        packet: Emitted,
        now: u64,
        place: &mut Place,
    ) -> Result<InFlight, Outcome> {
        let bytes = u64::from(packet.size);
        let si = mirror.session.index();
        let d = SourceStats::dir(obs.direction);
        let bin = self.bin_at(now);
        let config = self.current_config(mirror.session);
        let plan = &self.plans[si][config as usize];
        let (kept, delivery) = plan.cut(bytes as u32, obs.ipv6);
        let wire = kept + plan.outer_headers;
        let (target, via, fifo, jitter_ns, wrapper) = (
            plan.target,
            plan.via,
            plan.fifo,
            plan.jitter_ns,
            plan.wrapper,
        );
        // TGT-13: an inactive session sends nothing.
        if world.session_inactive(mirror.session) {
            return Err(Outcome::NotMirrored(NotMirroredReason::SessionInactive));
        }
        // SES-13: the target's resource is gone: no copy is made, nothing
        // is spent, until the session is modified.
        if world.target_resource_deleted(target) {
            return Err(Outcome::NotMirrored(NotMirroredReason::TargetDeleted));
        }
        // Mirrored: a copy is made, whatever becomes of it (the session
        // table's MIRRORED and `expect`'s Mirrored: skipped, dropped or
        // delivered).
        self.results.sessions[si].configurations[config as usize]
            .mirrored
            .add(bytes);
        // BW-01, BW-04: the copy leaves the source as egress, whatever the
        // direction of the packet it copies.
        let budget = obs.instance.and_then(|i| {
            let b = self.budgets[i.index()].as_mut()?;
            let own = if obs.direction == Direction::Egress {
                bytes
            } else {
                0
            };
            Some((i.index(), b[1].copy(now, u64::from(wire), own, d)))
        });
        // The copy is egress load, or an egress allowance exceeded.
        if let Some((i, fits)) = budget {
            self.count_load(
                i,
                SourceStats::dir(Direction::Egress),
                fits,
                u64::from(wire),
                now,
            );
        }
        if let Some(s) = budget.and_then(|(_, fits)| fits.err()) {
            return Err(Outcome::Skipped(match s {
                Shortfall::Bandwidth => SkipReason::Bandwidth,
                Shortfall::Pps => SkipReason::Pps,
            }));
        }
        // BW-03: the outer flow's limit.
        if obs.outer != NO_OUTER_FLOW {
            let bucket = &mut self.per_flow[obs.outer as usize].0;
            let bits = u64::from(wire) * 8;
            if !bucket.has(now, bits, 0) {
                return Err(Outcome::Skipped(SkipReason::PerFlow));
            }
            bucket.take(bits);
        }
        // The copy leaves the source. MET-01: NetworkMirrorIn/Out (bytes
        // of the packets mirrored).
        if let Some(cw) = obs
            .instance
            .and_then(|i| self.results.cloudwatch[i.index()].as_mut())
        {
            cw.add_in(bin, CloudWatchField::MirrorBytes(d), bytes);
            cw.add_in(bin, CloudWatchField::MirrorPackets(d), 1);
        }
        let s = &mut self.results.sessions[si];
        s.copy_bytes += u64::from(wire);
        s.series.add_in(bin, CopyField::Sent, 1);
        let t = &mut self.results.targets[target.index()];
        t.received.add(bytes);
        t.sent_wire_bytes += u64::from(wire);
        t.series.add_in(bin, CopyField::Sent, 1);
        place.target = Some(target);
        let appliance = obs.appliance.map_err(Outcome::Dropped)?;
        // Data transfer between zones, billed per leg that crosses.
        if obs.cross_zones & CROSS_TO_ENTRY != 0 {
            t.cross_zone_bytes += u64::from(wire);
        }
        if obs.cross_zones & CROSS_TO_APPLIANCE != 0 {
            t.cross_zone_bytes += u64::from(wire + wrapper);
        }
        // TGT-11: the endpoint's capacity, as it scales.
        if let Via::Gwlb(v, _) = via
            && !self.capacity[v.index()].admit(now, u64::from(wire))
        {
            return Err(Outcome::Dropped(DropReason::LbCapacity));
        }
        let jitter = if jitter_ns == 0 {
            0
        } else {
            self.jitter[si].random_range(0..=jitter_ns)
        };
        let mut arrive_at = now + obs.latency_ns + jitter;
        if fifo {
            arrive_at = arrive_at.max(self.last_arrival[si]);
            self.last_arrival[si] = arrive_at;
        }
        Ok(InFlight {
            arrive_at: Instant(arrive_at),
            session: mirror.session,
            config,
            target,
            source_eni: obs.eni,
            direction: obs.direction,
            delivery,
            bytes: bytes as u32,
            wire,
            wrapper,
            slot: obs.slot,
            // Numbered by `offer`.
            seq: 0,
            appliance,
            node: obs.node,
            kept,
            index: packet.index,
            tcp_seq: packet.tcp_seq,
        })
    }

    /// Stage 4: a copy reaches its appliance at `now`, which receives it
    /// within its budget; true when it is delivered.
    #[inline]
    pub fn arrive(&mut self, c: &InFlight, world: &World, now: u64, reorder: &mut Reorder) -> bool {
        let bin = self.bin_at(now);
        let topo = world.topology();
        let si = c.session.index();
        let bytes = u64::from(c.bytes);
        let place = Place {
            eni: c.source_eni,
            dir: SourceStats::dir(c.direction),
            instance: None,
            session: Some((c.session, c.config)),
            target: Some(c.target),
        };
        // LB-01, LB-03, TGT-06: a down (or deleted) appliance receives
        // nothing, whatever sent the copy there.
        // Per appliance: what it was sent; made with its first copy (once
        // per appliance, never per packet).
        let (period, duration) = (self.series_period_ns, self.duration_ns);
        let app =
            self.results.appliances[c.appliance.index()].get_or_insert_with(|| ApplianceStats {
                target: Some(c.target),
                series: Series::new(period, duration),
                ..ApplianceStats::default()
            });
        let wire_in = u64::from(c.wire + c.wrapper);
        app.sent.add(bytes);
        app.sent_wire_bytes += wire_in;
        app.series.add_in(bin, ApplianceField::Sent, 1);
        app.series
            .add_in(bin, ApplianceField::SentWireBytes, wire_in);
        if world.appliance_down(c.appliance) {
            app.dropped_appliance_down += 1;
            app.series.add_in(bin, ApplianceField::Dropped, 1);
            self.settle(
                place,
                Outcome::Dropped(DropReason::ApplianceDown),
                bytes,
                0,
                now,
            );
            return false;
        }
        // TGT-10, LB-05: through a Gateway Load Balancer the appliance gets
        // the copy wrapped in GENEVE, and its receive budget pays for every
        // byte it receives.
        let received_bytes = wire_in;
        let received = topo
            .eni(c.appliance)
            .instance
            .and_then(|i| self.receive[i.index()].as_mut())
            .map_or(Ok(()), |b| b.receive(now, received_bytes));
        let outcome = match received {
            Err(Shortfall::Bandwidth) => Outcome::Dropped(DropReason::TargetBandwidth),
            Err(Shortfall::Pps) => Outcome::Dropped(DropReason::TargetPps),
            Ok(()) => Outcome::Delivered(c.delivery),
        };
        if let Some(app) = self.results.appliances[c.appliance.index()].as_mut() {
            match received {
                Err(Shortfall::Bandwidth) => app.dropped_bandwidth += 1,
                Err(Shortfall::Pps) => app.dropped_pps += 1,
                Ok(()) => {
                    app.delivered.add(bytes);
                    app.delivered_wire_bytes += received_bytes;
                }
            }
            let field = if received.is_ok() {
                ApplianceField::Delivered
            } else {
                ApplianceField::Dropped
            };
            app.series.add_in(bin, field, 1);
        }
        if received.is_err() {
            self.settle(place, outcome, bytes, 0, now);
            return false;
        }
        // RFC 4737: reordered when below the next expected number; its
        // extent, how many later packets came first (exact when nothing in
        // between was lost).
        let expected = reorder.next_expected;
        if c.seq < expected {
            let extent = u64::from(expected - 1 - c.seq);
            self.results.sessions[si].reordering.add(extent);
            self.results.sessions[si]
                .series
                .add_in(bin, CopyField::Reordered, 1);
            let t = &mut self.results.targets[c.target.index()];
            t.reordering.add(extent);
            t.series.add_in(bin, CopyField::Reordered, 1);
            if let Some(app) = self.results.appliances[c.appliance.index()].as_mut() {
                app.reordered += 1;
                app.series.add_in(bin, ApplianceField::Reordered, 1);
            }
        } else {
            reorder.next_expected = c.seq.wrapping_add(1);
        }
        self.settle(place, outcome, bytes, received_bytes, now);
        true
    }

    /// The plan in force for a session.
    pub fn plan(&self, session: SessionIdx) -> &CopyPlan {
        let plans = &self.plans[session.index()];
        &plans[plans.len() - 1]
    }

    /// The plan of one of a session's configurations.
    pub fn plan_of(&self, session: SessionIdx, config: u32) -> &CopyPlan {
        &self.plans[session.index()][config as usize]
    }

    /// The index of a session's configuration in force.
    #[inline]
    fn current_config(&self, session: SessionIdx) -> u32 {
        (self.plans[session.index()].len() - 1) as u32
    }

    /// Counts a packet's one outcome wherever it belongs: its source, and
    /// once a session accepted it, the session's configuration, and once a
    /// copy was sent, its target. The only place outcomes are counted.
    #[inline]
    fn settle(&mut self, at: Place, outcome: Outcome, bytes: u64, delivered_wire: u64, now: u64) {
        let bin = self.bin_at(now);
        let index = outcome.index();
        let source = &mut self.results.sources[at.eni.index()];
        source.outcomes[at.dir].add_at(index, bytes);
        let field = match outcome {
            Outcome::NotMirrored(_) => {
                source.series.add_in(bin, SourceField::NotMirrored, 1);
                None
            }
            Outcome::Skipped(_) => Some(CopyField::Skipped),
            Outcome::Dropped(_) => Some(CopyField::Dropped),
            Outcome::Delivered(_) => Some(CopyField::Delivered),
        };
        // Every series of the run shares one shape: one period index.
        if let Some((si, config)) = at.session {
            let s = &mut self.results.sessions[si.index()];
            let c = &mut s.configurations[config as usize];
            match field {
                Some(field) => count_copy(
                    (&mut c.outcomes, &mut s.series, &mut s.delivered_bytes),
                    index,
                    bytes,
                    field,
                    delivered_wire,
                    bin,
                ),
                // TGT-13: an inactive session's packet, not a copy.
                None => c.outcomes.add_at(index, bytes),
            }
        }
        if let (Some(t), Some(field)) = (at.target, field) {
            let t = &mut self.results.targets[t.index()];
            count_copy(
                (&mut t.outcomes, &mut t.series, &mut t.delivered_bytes),
                index,
                bytes,
                field,
                delivered_wire,
                bin,
            );
        }
        // MET-01: NetworkSkipMirrorIn/Out and their packet counts.
        if let Outcome::Skipped(_) = outcome
            && let Some(cw) = at
                .instance
                .and_then(|i| self.results.cloudwatch[i.index()].as_mut())
        {
            cw.add_in(bin, CloudWatchField::SkipBytes(at.dir), bytes);
            cw.add_in(bin, CloudWatchField::SkipPackets(at.dir), 1);
        }
    }
}
