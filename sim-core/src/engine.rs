//! The discrete-event engine.
//!
//! Simulated time is an integer count of nanoseconds. Events are ordered by
//! `(time, sequence)`: the sequence number is taken when an event is
//! scheduled, so events due at the same instant run first-scheduled first.
//! Packets come from the [`Feed`] (the flows' sources and their queue, on
//! this thread or another: `feed`); copies in flight wait in a queue of
//! small plain entries (time, sequence, slot). Packets are made when their
//! time comes: memory grows with the number of flows, never with simulated
//! time.
//! Timeline changes are applied to the run's [`World`] before anything
//! else due at their instant ([`crate::time`]).

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::mpsc::{Receiver, SyncSender};

use topology::{Decision, Direction, EniIdx};

use crate::arrivals::{Arrivals, deliver};
use crate::capture::{CaptureSink, Capturer};
use crate::feed::Feed;
use crate::pipeline::{InFlight, Observation, Offered, Pipeline, Reorder};
use crate::prefetch::prefetch;
use crate::resolved::Scenario;
use crate::results::RunResults;
use crate::sampling::Schedule;
use crate::split::{Copies, CopyBatch, Export, FLUSH_COPIES};
use crate::time::Instant;
use crate::traffic::source::Emitted;
use crate::world::{Redecide, World};

/// How many packets ahead the engine fetches a flow's state: enough to
/// cover a miss (a packet's work takes longer than one), few enough that
/// the lines are still in cache when used.
const PREFETCH_DISTANCE: usize = 4;
/// How far ahead the outer flow's bucket is fetched: its index is read from
/// the route, fetched `PREFETCH_DISTANCE` packets ahead, so it must be in
/// cache by then.
const OUTER_PREFETCH_DISTANCE: usize = 2;

/// Where a flow's packets are observed by mirroring: at most two source
/// ENIs (the sender's, egress; the receiver's, ingress).
#[derive(Clone, Copy, Debug)]
struct FlowRoute {
    observations: [Option<Observation>; 2],
}

/// What every packet of a flow touches beside its observation, together
/// in 32 bytes: a fleet's flows do not fit in cache, so each separate
/// per-flow value costs a miss per packet. The flow's observations
/// ([`FlowRoute`], a cache line each) are touched only where they exist.
#[derive(Clone, Copy, Debug)]
struct FlowState {
    /// The sequence number of the flow's next packet: events due at one
    /// instant run first-scheduled first, packets and copies alike. A
    /// flow's first packet is numbered by its index (before any other);
    /// each later one after the copies its previous packet sent.
    pending: u64,
    /// Whether the flow has sent (LB-03: an existing flow).
    started: bool,
    /// Which of its route's observations exist (sender's, receiver's).
    observed: [bool; 2],
    /// Each observation's copies' sequence numbers (its slot's).
    reorder: [Reorder; 2],
}

/// A run in progress.
pub struct Simulation<'a> {
    scenario: &'a Scenario,
    /// The configuration as the timeline changes it: the one owner.
    world: World,
    end_ns: u64,
    /// The flows' packets, in (time, sequence) order.
    feed: Feed<'a>,
    /// What the engine touches of each flow on every packet.
    flows: Vec<FlowState>,
    routes: Vec<FlowRoute>,
    /// For each ENI, the flows observed there (to decide them again when
    /// its sessions change).
    flows_at: Vec<Vec<u32>>,
    /// BW-03: per-flow buckets of outer flows, by the outer 5-tuple as the
    /// network sees it (source ENI, destination IP, outer source port; UDP
    /// to 4789): inner flows whose hash gives one port share one, and so
    /// do both directions of a connection (PKT-04).
    outer_flows: BTreeMap<(u32, IpAddr, u16), u32>,
    /// The next timeline event to apply (they are sorted by time). Changes
    /// due at an instant apply before anything else at it (see
    /// [`crate::time`]).
    next_change: usize,
    /// When it is due; `u64::MAX` when no change is left in the run.
    next_change_at: u64,
    /// Copies in flight. Packets and copies share one sequence, so their
    /// union is still in (time, sequence) order.
    arrivals: Arrivals,
    sequence: u64,
    /// A split run's source stage (`split`): the copies, when they arrive,
    /// leave for the delivery stage instead of being received here.
    export: Option<Export>,
    pipeline: Pipeline,
    /// Sampled runs: where the next period begins (`u64::MAX`: never),
    /// and the window under way.
    next_period_at: u64,
    sampler: Option<Box<Sampler>>,
}

/// A sampled run's bookkeeping on the engine's side (`sampling`).
struct Sampler {
    schedule: Schedule,
    /// The steady period whose window is under way, and the counters as
    /// they stood when it began.
    open: Option<(usize, RunResults)>,
    /// Windows of an earlier period that the next window stands for
    /// (BW-05: credits ran out in them), and that period.
    owed: Option<(usize, u64)>,
    /// A steady period warming up, and when its window opens
    /// ([`Schedule::lead`]).
    warming: Option<(usize, u64)>,
}

/// Whether two decisions of one flow send its copies to the same target.
fn same_target(pipeline: &Pipeline, a: &Observation, b: &Observation) -> bool {
    match (a.decision, b.decision) {
        (Decision::Mirror { mirror: x, .. }, Decision::Mirror { mirror: y, .. }) => {
            x.session == y.session
                && pipeline.plan(x.session).target == pipeline.plan(y.session).target
        }
        _ => false,
    }
}

/// What comes next in the run.
enum Next {
    /// The timeline's next change.
    Change,
    /// The next copy to arrive.
    Copy,
    Packet(u32),
}

impl<'a> Simulation<'a> {
    /// A run whose packets are made on this thread, every one of them
    /// (whatever the scenario's fidelity: `sim explain` follows packets).
    pub fn new(scenario: &'a Scenario) -> Simulation<'a> {
        Simulation::with_feed(scenario, Feed::inline(scenario, None), None)
    }

    /// A run at the scenario's fidelity, made on this thread.
    pub fn at_fidelity(scenario: &'a Scenario) -> Simulation<'a> {
        let schedule = Schedule::of(scenario);
        Simulation::with_feed(scenario, Feed::inline(scenario, schedule.clone()), schedule)
    }

    /// A run fed by `feed` (made on another thread: [`run_threaded`]),
    /// sampled by `schedule` (which the feed must follow too).
    pub fn with_feed(
        scenario: &'a Scenario,
        feed: Feed<'a>,
        schedule: Option<Schedule>,
    ) -> Simulation<'a> {
        let topo = &scenario.topology;
        let end_ns = scenario.duration.as_nanos();
        let world = World::new(topo);
        let mut flows_at = vec![Vec::new(); topo.enis.len()];
        for (i, f) in scenario.flows.iter().enumerate() {
            for e in [f.from_eni, f.to_eni].into_iter().flatten() {
                if topo.is_source(e) {
                    flows_at[e.index()].push(i as u32);
                }
            }
        }
        let flows = scenario.flows.len();
        let pipeline = Pipeline::new(&world, &scenario.settings, scenario.seed, end_ns);
        let mut sim = Simulation {
            scenario,
            world,
            end_ns,
            feed,
            flows: (0..flows as u64)
                .map(|pending| FlowState {
                    pending,
                    started: false,
                    observed: [false; 2],
                    reorder: [Reorder::default(); 2],
                })
                .collect(),
            routes: Vec::with_capacity(flows),
            flows_at,
            outer_flows: BTreeMap::new(),
            next_change: 0,
            next_change_at: u64::MAX,
            arrivals: Arrivals::default(),
            sequence: flows as u64,
            export: None,
            pipeline,
            next_period_at: u64::MAX,
            sampler: schedule.map(|schedule| {
                Box::new(Sampler {
                    schedule,
                    open: None,
                    owed: None,
                    warming: None,
                })
            }),
        };
        if sim.sampler.is_some() {
            sim.next_period_at = 0;
            sim.enter_periods(0, &mut None, &mut None);
        }
        sim.next_change_at = sim.change_due(0);
        for i in 0..flows {
            let route = sim.route(i);
            sim.routes.push(route);
            sim.flows[i].observed = route.observations.map(|o| o.is_some());
        }
        sim
    }

    /// Decides a flow at each source ENI it crosses. A packet leaving an
    /// ENI is egress there, one arriving is ingress there; both may be
    /// mirror sources.
    fn route(&mut self, flow: usize) -> FlowRoute {
        let topo = self.world.topology();
        let active = self.world.sessions_existing();
        let f = &self.scenario.flows[flow];
        let at = |eni: Option<_>, dir, sender, reply, k: usize| {
            eni.filter(|&e| topo.is_source(e)).map(|e| {
                Observation::new(
                    topo,
                    e,
                    dir,
                    &f.key,
                    sender,
                    reply,
                    active,
                    (flow * 2 + k) as u32,
                )
            })
        };
        let mut observations = [
            at(f.from_eni, Direction::Egress, None, false, 0),
            at(f.to_eni, Direction::Ingress, f.from_eni, f.reply, 1),
        ];
        // SRC-05: a flow log's REJECT record at the receiver: its security
        // group or ACL dropped the packets (the log does not say which).
        if f.rejected_at_source
            && let Some(obs) = &mut observations[1]
        {
            obs.decision = Decision::BlockedAtSource(topology::reach::SourceBlock::SecurityGroup);
        }
        // LB-03, LB-04: a flow that has sent already stays on the appliance
        // it was placed on, when its copies still go to the same target.
        let started = self.flows[flow].started;
        let before = self.routes.get(flow).map(|r| r.observations);
        for (k, obs) in observations.iter_mut().enumerate() {
            let Some(obs) = obs else { continue };
            let prior = before
                .and_then(|b| b[k])
                .filter(|_| started)
                .filter(|old| same_target(&self.pipeline, old, obs))
                .and_then(|old| old.placed);
            self.pipeline.choose(&self.world, obs, &f.key, prior);
            if let Decision::Mirror { mirror, .. } = obs.decision {
                let target = self.pipeline.plan(mirror.session).target;
                let key = (
                    obs.eni.0,
                    topo.hashed_destination(obs.eni, target),
                    topology::packet::outer_source_port(&f.key),
                );
                obs.outer = match self.outer_flows.get(&key) {
                    Some(&i) => i,
                    None => {
                        let i = self.pipeline.add_outer_flow(mirror.session);
                        self.outer_flows.insert(key, i);
                        i
                    }
                };
            }
        }
        FlowRoute { observations }
    }

    /// Sampled runs: the periods that begin at or before `now` begin: the
    /// window under way closes, and a steady period's window opens.
    #[cold]
    fn enter_periods(
        &mut self,
        now: u64,
        sink: &mut Option<&mut dyn CaptureSink>,
        capturer: &mut Option<Capturer>,
    ) {
        while self.next_period_at <= now {
            let at = self.next_period_at;
            let Some(sampler) = self.sampler.as_mut() else {
                return;
            };
            let period = sampler.schedule.period_ns;
            let after = |k: usize, steady: &[bool]| {
                if k + 1 < steady.len() {
                    (k as u64 + 1) * period
                } else {
                    u64::MAX
                }
            };
            // A window opening after its period's warm-up.
            if let Some((k, opens)) = sampler.warming
                && opens == at
            {
                sampler.warming = None;
                self.next_period_at = after(k, &sampler.schedule.steady);
                self.open_window(k, at, sink, capturer);
                continue;
            }
            self.close_window();
            let Some(sampler) = self.sampler.as_mut() else {
                return;
            };
            let schedule = &sampler.schedule;
            let k = (at / period) as usize;
            if schedule.steady.get(k) == Some(&true) {
                let opens = schedule.window_start(k);
                if opens > at {
                    sampler.warming = Some((k, opens));
                    self.next_period_at = opens;
                    continue;
                }
                self.next_period_at = after(k, &schedule.steady);
                self.open_window(k, at, sink, capturer);
            } else {
                self.next_period_at = after(k, &schedule.steady);
            }
        }
    }

    /// Sampled runs: steady period `k`'s window opens at `at`: the budgets
    /// and the counters as they stand are its starting point.
    ///
    /// Copies still in flight were made before it, and their outcomes
    /// belong to what came before: they arrive first (each at its own
    /// time; the flows wait), so that the window's counts, scaled up, hold
    /// its own copies only and every sum stays exact (MET-02). New copies
    /// leave at `at` or later and arrive a path's latency after, so few
    /// would have arrived among them. The timeline's changes due at `at`
    /// apply before those arrivals, as before anything else at `at`.
    fn open_window(
        &mut self,
        k: usize,
        at: u64,
        sink: &mut Option<&mut dyn CaptureSink>,
        capturer: &mut Option<Capturer>,
    ) {
        while self.next_change_at <= at {
            self.apply_next_change();
        }
        while let Some(copy) = self.arrivals.pop() {
            self.arrive(copy, copy.arrive_at.as_nanos().max(at), sink, capturer);
        }
        self.pipeline.mark(at);
        let before = crate::sampling::totals(&mut self.pipeline.results, k);
        if let Some(sampler) = self.sampler.as_mut() {
            sampler.open = Some((k, before));
        }
    }

    /// Sampled runs: the window under way, if any, ends. Its counters grow
    /// to the whole period, and the buckets are carried over the rest
    /// ([`Pipeline::skip`]).
    ///
    /// BW-05, TGT-11: when an instance's burst credits would run out
    /// within the rest, or an endpoint grow, this window stands only for
    /// the windows before that; the
    /// others are owed to the next period's window, which meets the budget
    /// without credits (or the grown endpoint). When they ran out (or it
    /// grew) within this window, it stands
    /// for itself only. (The next period must be steady; otherwise the
    /// rest is this window's.)
    fn close_window(&mut self) {
        let Some(sampler) = self.sampler.as_mut() else {
            return;
        };
        let Some((j, before)) = sampler.open.take() else {
            return;
        };
        let schedule = &sampler.schedule;
        let own = schedule.windows_skipped(j);
        let window_end = schedule.window_start(j) + schedule.window_ns;
        let owed = sampler.owed.take();
        let owed_windows = owed.map_or(0, |o| o.1);
        let stand_for = if schedule.steady.get(j + 1) != Some(&true) {
            own
        } else if self.pipeline.ran_out(window_end) {
            // The rest of the period is like the next window, not this one.
            0
        } else {
            self.pipeline
                .windows_left(window_end, schedule.skipped(j), schedule.window_ns)
                .map_or(own, |n| own.min(n.saturating_sub(owed_windows)))
        };
        if stand_for < own {
            sampler.owed = Some((j, own - stand_for));
        }
        let span = schedule.skipped(j);
        self.pipeline
            .skip(window_end, span, owed_windows + stand_for);
        crate::sampling::extrapolate(&mut self.pipeline.results, &before, j, stand_for, owed);
    }

    /// Puts a copy in flight: a slab slot and an arrival event.
    fn send(&mut self, copy: InFlight) {
        self.arrivals.push(copy, self.sequence);
        self.sequence += 1;
    }

    /// Applies the timeline's next change, at its time, and looks ahead to
    /// the one after.
    fn apply_next_change(&mut self) {
        let (k, at) = (self.next_change, self.next_change_at);
        self.next_change += 1;
        self.next_change_at = self.change_due(self.next_change);
        self.apply(k, at);
    }

    /// Decides a flow again.
    fn reroute(&mut self, i: usize) {
        let route = self.route(i);
        self.routes[i] = route;
        self.flows[i].observed = route.observations.map(|o| o.is_some());
    }

    /// Decides again the flows observed at an ENI.
    fn reroute_at(&mut self, eni: EniIdx) {
        for i in self.flows_at[eni.index()].clone() {
            self.reroute(i as usize);
        }
    }

    /// Applies the timeline's `k`th change: the world changes (the one
    /// function that changes it), then the run follows: configurations,
    /// billing, flows decided again, per-flow limits (the feed stops or
    /// re-rates the traffic itself).
    fn apply(&mut self, k: usize, now: u64) {
        let at = Instant(now);
        let event = &self.scenario.timeline[k];
        let applied = self.world.apply(&event.action, at);
        self.pipeline.follow(&self.world, &applied, at);
        match applied.redecide {
            Redecide::Nothing => {}
            Redecide::At(enis) => {
                for eni in enis {
                    self.reroute_at(eni);
                }
            }
            Redecide::All => {
                for i in 0..self.routes.len() {
                    self.reroute(i);
                }
            }
        }
    }

    /// One packet of a flow.
    #[inline]
    fn packet(&mut self, i: usize, now: u64, packet: Emitted, over_limit: bool) {
        self.pipeline.results.generated.add(u64::from(packet.size));
        let observed = self.flows[i].observed;
        for (k, seen) in observed.into_iter().enumerate() {
            if !seen {
                continue;
            }
            let Some(obs) = self.routes[i].observations[k] else {
                continue;
            };
            match self.pipeline.offer(
                &self.world,
                &obs,
                packet,
                now,
                over_limit,
                &mut self.flows[i].reorder[k],
            ) {
                Offered::Done => {}
                // Dropped leaving the sender: the receiver never sees it.
                Offered::ProductionDropped => break,
                Offered::Copy(c) => self.send(c),
            }
        }
    }

    /// Runs to the end of the scenario, then lets the copies in flight
    /// arrive, and returns what was counted.
    pub fn run(self) -> RunResults {
        self.run_inner(None)
    }

    /// The same, handing the bytes of every delivered copy to `sink`.
    pub fn run_with_capture(self, sink: &mut dyn CaptureSink) -> RunResults {
        self.run_inner(Some(sink))
    }

    fn run_inner(self, sink: Option<&mut dyn CaptureSink>) -> RunResults {
        self.run_with_progress(sink, &mut |_, _| {})
    }

    /// Runs to the end like [`Simulation::run`], calling `progress` with the
    /// simulated time reached and the packets generated so far, a hundred
    /// times along the way (a progress bar's feed; the results are the
    /// same, since the run only pauses between events).
    pub fn run_with_progress(
        mut self,
        mut sink: Option<&mut dyn CaptureSink>,
        progress: &mut dyn FnMut(u64, u64),
    ) -> RunResults {
        let mut capturer = sink
            .as_ref()
            .map(|_| Capturer::new(self.scenario.seed, &self.scenario.topology));
        let step = (self.end_ns / 100).max(1);
        let mut reached = step;
        while reached < self.end_ns {
            self.advance(reached, &mut sink, &mut capturer);
            progress(reached, self.pipeline.results.generated.packets);
            reached += step;
        }
        self.advance(u64::MAX, &mut sink, &mut capturer);
        // A sampled run's last window ends with it.
        self.close_window();
        self.pipeline.finish(&self.world, self.end_ns);
        let mut results = self.pipeline.results;
        results.sampling = self.sampler.as_ref().map(|s| s.schedule.account());
        results.simulated_ns = self.end_ns;
        results
    }

    /// Runs every event due at or before `until` (changes, packets, copies
    /// arriving), and stops: the state is then the state at that instant
    /// (`sim explain` looks at it).
    pub fn run_until(&mut self, until: u64) {
        self.advance(until, &mut None, &mut None);
    }

    /// The appliance a load balancer placed the scenario's flow with this
    /// key on, as observed at `eni`, once the flow has sent (LB-03): what
    /// `sim explain` must keep to tell the run's story.
    pub fn placed(&self, eni: EniIdx, key: &topology::FlowKey) -> Option<EniIdx> {
        let i = self.scenario.flows.iter().position(|f| f.key == *key)?;
        if !self.flows[i].started {
            return None;
        }
        self.routes[i]
            .observations
            .iter()
            .flatten()
            .find(|o| o.eni == eni)
            .and_then(|o| o.placed)
    }

    /// The world and the pipeline, as the run has left them.
    pub fn state(&self) -> (&World, &Pipeline) {
        (&self.world, &self.pipeline)
    }

    /// When the timeline's `k`th change is due, or `u64::MAX` when there is
    /// none before the end.
    fn change_due(&self, k: usize) -> u64 {
        self.scenario.change_due(k).unwrap_or(u64::MAX)
    }

    /// What is due next and when: a change first, at any instant (they
    /// apply before the packets and copies due with them), then the
    /// earlier of a copy's arrival and a flow's packet in (time, sequence)
    /// order.
    #[inline]
    fn next(&mut self) -> Option<(u64, Next)> {
        let change = Some(self.next_change_at).filter(|&at| at != u64::MAX);
        let flow = self
            .feed
            .peek()
            .map(|d| (d.at, self.flows[d.flow as usize].pending, d.flow));
        let copy = self.arrivals.peek();
        let packet_or_copy = match (flow, copy) {
            (None, None) => None,
            (Some(f), Some(c)) if c < (f.0, f.1) => Some((c.0, Next::Copy)),
            (None, Some(c)) => Some((c.0, Next::Copy)),
            (Some(f), _) => Some((f.0, Next::Packet(f.2))),
        };
        match (change, packet_or_copy) {
            (Some(at), Some((t, _))) if at <= t => Some((at, Next::Change)),
            (Some(at), None) => Some((at, Next::Change)),
            (_, next) => next,
        }
    }

    /// A copy reaches its appliance at `now`.
    #[inline]
    fn arrive(
        &mut self,
        copy: InFlight,
        now: u64,
        sink: &mut Option<&mut dyn CaptureSink>,
        capturer: &mut Option<Capturer>,
    ) {
        // A split run: the copy leaves for the delivery stage, in order.
        if let Some(export) = self.export.as_mut() {
            export.copies.push(copy);
            return;
        }
        let reorder = &mut self.flows[copy.slot as usize / 2].reorder[copy.slot as usize % 2];
        deliver(
            self.scenario,
            &self.world,
            &mut self.pipeline,
            &copy,
            reorder,
            now,
            sink,
            capturer,
        );
    }

    fn advance(
        &mut self,
        until: u64,
        sink: &mut Option<&mut dyn CaptureSink>,
        capturer: &mut Option<Capturer>,
    ) {
        while let Some((now, next)) = self.next() {
            if now > until {
                break;
            }
            if now >= self.next_period_at {
                self.enter_periods(now, sink, capturer);
                // A window that opened took the copies in flight: look
                // again at what is next.
                continue;
            }
            let handle = match next {
                Next::Change => {
                    self.apply_next_change();
                    continue;
                }
                Next::Copy => {
                    if let Some(copy) = self.arrivals.pop() {
                        // The next copy's reordering numbers (a split run's
                        // source stage hands its copies on unread).
                        if self.export.is_none()
                            && let Some(next) = self.arrivals.next_reorder_slot()
                        {
                            prefetch(&self.flows[next as usize / 2]);
                        }
                        self.arrive(copy, now, sink, capturer);
                    }
                    continue;
                }
                Next::Packet(handle) => handle,
            };
            let i = handle as usize;
            let Some(&due) = self.feed.peek() else {
                break;
            };
            debug_assert_eq!(due.flow, handle);
            self.feed.take();
            // The state of a flow a few packets on, fetched while this
            // packet is worked on (`prefetch`).
            if let Some(ahead) = self.feed.ahead(PREFETCH_DISTANCE) {
                let f = ahead.flow as usize;
                prefetch(&self.flows[f]);
                prefetch(&self.routes[f].observations[0]);
                prefetch(&self.routes[f].observations[1]);
            }
            if let Some(ahead) = self.feed.ahead(OUTER_PREFETCH_DISTANCE) {
                let f = ahead.flow as usize;
                let observed = self.flows[f].observed;
                for (k, obs) in self.routes[f].observations.iter().enumerate() {
                    if let Some(obs) = obs.as_ref().filter(|_| observed[k]) {
                        self.pipeline.prefetch_outer_flow(obs.outer);
                    }
                }
            }
            self.packet(i, now, due.packet, due.over_limit);
            let flow = &mut self.flows[i];
            flow.started = true;
            // Its next packet is scheduled after the copies this one sent.
            if due.again {
                flow.pending = self.sequence;
                self.sequence += 1;
            }
            // A split run: the copies leave in small batches, and when the
            // packets made so far are done.
            if let Some(export) = &self.export
                && (export.copies.len() >= FLUSH_COPIES || self.feed.exhausted())
            {
                self.flush(now, false);
            }
        }
    }

    /// A split run's source stage (`split`): the copies, as they arrive,
    /// leave through `to` for the delivery stage (their vectors come back
    /// through `back`).
    pub(crate) fn export_to(&mut self, to: SyncSender<Copies>, back: Receiver<CopyBatch>) {
        self.export = Some(Export {
            copies: Vec::new(),
            to,
            back,
        });
    }

    /// Sends the copies that arrived since the last flush; the source
    /// stage has reached `now`.
    fn flush(&mut self, now: u64, last: bool) {
        let packets = self.pipeline.results.generated.packets;
        let Some(export) = self.export.as_mut() else {
            return;
        };
        let mut fresh = export.back.try_recv().unwrap_or_default();
        fresh.clear();
        let copies = std::mem::replace(&mut export.copies, fresh);
        let batch = Copies {
            copies,
            now,
            packets,
            last,
        };
        // The delivery stage may be gone (it failed): the copies are
        // then simply dropped.
        let _ = export.to.send(batch);
    }

    /// Runs a split run's source stage to its end (every packet offered,
    /// every change applied), and hands back its pipeline and world, whose
    /// counters the delivery stage's are added to before the run is
    /// finished.
    pub(crate) fn run_source_stage(mut self) -> (Pipeline, World) {
        self.advance(u64::MAX, &mut None, &mut None);
        self.flush(self.end_ns, true);
        (self.pipeline, self.world)
    }
}

/// Runs a scenario to its end.
pub fn run(scenario: &Scenario) -> RunResults {
    Simulation::at_fidelity(scenario).run()
}

/// Runs a scenario to its end on `threads` threads. With two or more, a
/// full run splits in stages (`split`: the generator, the pipeline's source
/// side, its delivery side); a sampled run makes the flows' packets on a
/// thread of their own ([`Feed`]) while this one runs the pipeline. The
/// results are the same, byte for byte, with any number (each stage sees
/// its stream in the same order as one thread).
pub fn run_threaded(
    scenario: &Scenario,
    threads: usize,
    sink: Option<&mut dyn CaptureSink>,
    progress: &mut dyn FnMut(u64, u64),
) -> RunResults {
    if threads < 2 {
        return Simulation::at_fidelity(scenario).run_with_progress(sink, progress);
    }
    let schedule = Schedule::of(scenario);
    if schedule.is_none() {
        return crate::split::run(scenario, threads, sink, progress);
    }
    std::thread::scope(|scope| {
        let feed = Feed::threaded(scope, scenario, schedule.clone());
        Simulation::with_feed(scenario, feed, schedule).run_with_progress(sink, progress)
    })
}

/// Runs a scenario to its end, capturing every delivered copy's bytes.
pub fn run_with_capture(scenario: &Scenario, sink: &mut dyn CaptureSink) -> RunResults {
    Simulation::at_fidelity(scenario).run_with_capture(sink)
}
