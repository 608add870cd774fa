//! The discrete-event engine.
//!
//! Simulated time is an integer count of nanoseconds. Events are ordered by
//! `(time, sequence)`: the sequence number is taken when an event is
//! scheduled, so events due at the same instant run first-scheduled first.
//! The queue holds small plain entries (time, sequence, flow handle); each
//! flow's state lives in a vector. Packets are made when their time comes:
//! memory grows with the number of flows, never with simulated time.

use std::cmp::Reverse;
use std::collections::binary_heap::PeekMut;
use std::collections::{BTreeMap, BinaryHeap};
use std::net::IpAddr;

use topology::{Decision, Direction, EniIdx, SessionIdx, TargetIdx, Topology};

use crate::capture::{CaptureSink, Capturer};
use crate::pipeline::{InFlight, Observation, Offered, Pipeline};
use crate::results::RunResults;
use crate::scenario::Scenario;
use crate::timeline::{Action, LbRef, TimelineEvent};
use crate::traffic::FlowSource;

/// An entry of the event queue: due time, sequence number, handle. Handles
/// below the number of flows are flows (their next packet); then come the
/// timeline's events; the rest are copies in flight (slab slots).
type Event = Reverse<(u64, u64, u32)>;

/// Where a flow's packets are observed by mirroring: at most two source
/// ENIs (the sender's, egress; the receiver's, ingress).
#[derive(Clone, Copy, Debug)]
struct FlowRoute {
    observations: [Option<Observation>; 2],
}

/// A run in progress.
pub struct Simulation<'a> {
    scenario: &'a Scenario,
    /// The topology as the timeline changes it.
    topo: Topology,
    end_ns: u64,
    sources: Vec<FlowSource>,
    routes: Vec<FlowRoute>,
    /// For each ENI, the flows observed there (to decide them again when
    /// its sessions change).
    flows_at: Vec<Vec<u32>>,
    /// Which sessions exist (deleted ones do not).
    active: Vec<bool>,
    /// Per-flow buckets by (source ENI, session, unordered 5-tuple): both
    /// directions of a connection share one outer flow (PKT-04, BW-03).
    outer_flows: BTreeMap<(u32, u32, OuterKey), u32>,
    /// Flows' next packets and timeline events.
    queue: BinaryHeap<Event>,
    /// Copies in flight. A heap of their own: it stays small (copies live
    /// for a path's latency), so each costs a few comparisons rather than a
    /// trip through every flow's entry. Events of both heaps share one
    /// sequence, so their union is still in (time, sequence) order.
    arrivals: BinaryHeap<Event>,
    sequence: u64,
    /// Copies in flight, and the free slots among them.
    in_flight: Vec<InFlight>,
    free: Vec<u32>,
    /// The first handle of a copy in flight.
    copies_base: u32,
    pipeline: Pipeline,
}

/// A 5-tuple with its ends in a fixed order, so both directions match.
type OuterKey = (u8, IpAddr, u16, IpAddr, u16);

fn outer_key(k: &topology::FlowKey) -> OuterKey {
    let a = (k.src, k.src_port);
    let b = (k.dst, k.dst_port);
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    (k.protocol, lo.0, lo.1, hi.0, hi.1)
}

impl<'a> Simulation<'a> {
    pub fn new(scenario: &'a Scenario) -> Simulation<'a> {
        let topo: &Topology = &scenario.topology;
        let end_ns = scenario.duration.as_nanos();
        let sources: Vec<FlowSource> = scenario.flows.iter().map(FlowSource::new).collect();
        let active = vec![true; topo.sessions.len()];
        let mut flows_at = vec![Vec::new(); topo.enis.len()];
        for (i, f) in scenario.flows.iter().enumerate() {
            for e in [f.from_eni, f.to_eni].into_iter().flatten() {
                if topo.is_source(e) {
                    flows_at[e.index()].push(i as u32);
                }
            }
        }
        let flows = scenario.flows.len();
        let mut sim = Simulation {
            scenario,
            topo: topo.clone(),
            end_ns,
            queue: BinaryHeap::with_capacity(flows + scenario.timeline.len()),
            routes: Vec::with_capacity(flows),
            sources,
            flows_at,
            active,
            outer_flows: BTreeMap::new(),
            arrivals: BinaryHeap::new(),
            sequence: 0,
            in_flight: Vec::new(),
            free: Vec::new(),
            copies_base: (flows + scenario.timeline.len()) as u32,
            pipeline: Pipeline::new(topo, &scenario.settings, scenario.seed, end_ns, flows * 2),
        };
        for i in 0..flows {
            let route = sim.route(i);
            sim.routes.push(route);
        }
        for i in 0..sim.sources.len() {
            let s = &sim.sources[i];
            if s.next_at < s.end_at.min(end_ns) {
                let at = s.next_at;
                sim.schedule(at, i as u32);
            }
        }
        for (k, e) in scenario.timeline.iter().enumerate() {
            if e.at_ns < end_ns {
                sim.schedule(e.at_ns, (flows + k) as u32);
            }
        }
        sim
    }

    /// Decides a flow at each source ENI it crosses. A packet leaving an
    /// ENI is egress there, one arriving is ingress there; both may be
    /// mirror sources.
    fn route(&mut self, flow: usize) -> FlowRoute {
        let topo = &self.topo;
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
                    &self.active,
                    (flow * 2 + k) as u32,
                )
            })
        };
        let mut observations = [
            at(f.from_eni, Direction::Egress, None, false, 0),
            at(f.to_eni, Direction::Ingress, f.from_eni, f.reply, 1),
        ];
        for obs in observations.iter_mut().flatten() {
            self.pipeline.choose(topo, obs, &f.key);
            if let Decision::Mirror { mirror, .. } = obs.decision {
                let key = (obs.eni.0, mirror.session.0, outer_key(&f.key));
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

    fn schedule(&mut self, at: u64, handle: u32) {
        self.queue.push(Reverse((at, self.sequence, handle)));
        self.sequence += 1;
    }

    /// Puts a copy in flight: a slab slot and an arrival event.
    fn send(&mut self, copy: InFlight) {
        let slot = match self.free.pop() {
            Some(s) => {
                self.in_flight[s as usize] = copy;
                s
            }
            None => {
                self.in_flight.push(copy);
                (self.in_flight.len() - 1) as u32
            }
        };
        self.arrivals.push(Reverse((
            copy.arrive_at,
            self.sequence,
            self.copies_base + slot,
        )));
        self.sequence += 1;
    }

    /// Decides again the flows observed at an ENI.
    fn reroute_at(&mut self, eni: EniIdx) {
        for i in self.flows_at[eni.index()].clone() {
            self.routes[i as usize] = self.route(i as usize);
        }
    }

    /// Decides again every flow (load balancer changes).
    fn reroute_all(&mut self) {
        for i in 0..self.routes.len() {
            self.routes[i] = self.route(i);
        }
    }

    /// Deletes a session at `now`.
    fn delete_session(&mut self, s: SessionIdx, now: u64) {
        if !self.active[s.index()] {
            return;
        }
        self.active[s.index()] = false;
        self.pipeline.deactivate(s, &self.topo, now);
        self.reroute_at(self.topo.session(s).source);
    }

    /// Applies a timeline event at `now`.
    fn apply(&mut self, event: &TimelineEvent, now: u64) {
        match &event.action {
            Action::DeleteSession(s) => self.delete_session(*s, now),
            // Checked when loading: no session uses the filter any more.
            Action::DeleteFilter(_) => {}
            // TGT-13: only other accounts' sessions can still use it (the
            // owner's are checked when loading): they become inactive.
            Action::DeleteTarget(t) => {
                for s in 0..self.topo.sessions.len() {
                    if self.topo.sessions[s].target == *t && self.active[s] {
                        self.pipeline.make_inactive(SessionIdx(s as u32));
                    }
                }
            }
            Action::DeleteEni(eni) => {
                // SES-09: a source ENI's sessions are deleted, and its
                // traffic stops.
                for s in self.topo.sessions_of(*eni).to_vec() {
                    self.delete_session(s, now);
                }
                for (i, f) in self.scenario.flows.iter().enumerate() {
                    if f.from_eni == Some(*eni) || f.to_eni == Some(*eni) {
                        self.sources[i].stop(now);
                    }
                }
                // SES-10: a target's ENI is gone; behind a load balancer,
                // the appliance is gone.
                for t in 0..self.topo.targets.len() {
                    if self.topo.target_eni(TargetIdx(t as u32)) == Some(*eni) {
                        self.pipeline.delete_target_resource(TargetIdx(t as u32));
                    }
                }
                for (n, nlb) in self.topo.network_load_balancers.iter().enumerate() {
                    for (k, &e) in nlb.targets.iter().enumerate() {
                        if e == *eni {
                            self.pipeline.nlb_healthy[n][k] = false;
                        }
                    }
                }
                for (g, gw) in self.topo.gateway_load_balancers.iter().enumerate() {
                    for (k, &e) in gw.targets.iter().enumerate() {
                        if e == *eni {
                            self.pipeline.gwlb_healthy[g][k] = false;
                        }
                    }
                }
                self.reroute_all();
            }
            Action::ModifySession {
                session,
                target,
                filter,
                packet_length,
                virtual_network_id,
            } => {
                let s = &mut self.topo.sessions[session.index()];
                if let Some(t) = target {
                    s.target = *t;
                }
                if let Some(f) = filter {
                    s.filter = *f;
                }
                if let Some(n) = packet_length {
                    s.packet_length = Some(*n);
                }
                if let Some(v) = virtual_network_id {
                    s.virtual_network_id = *v;
                }
                let source = s.source;
                self.pipeline.replan(&self.topo, *session);
                self.reroute_at(source);
            }
            Action::ReplaceRules {
                filter,
                ingress,
                egress,
            } => {
                // FLT-09: from this instant, for every session using it.
                let f = &mut self.topo.filters[filter.index()];
                f.ingress_filter_rules = ingress.clone();
                f.egress_filter_rules = egress.clone();
                let users: Vec<SessionIdx> = (0..self.topo.sessions.len())
                    .map(|s| SessionIdx(s as u32))
                    .filter(|s| self.topo.session(*s).filter == *filter)
                    .collect();
                for s in users {
                    self.pipeline.fit_rule_hits(&self.topo, s);
                    self.reroute_at(self.topo.session(s).source);
                }
            }
            Action::SetHealth {
                lb,
                target,
                healthy,
            } => {
                match lb {
                    LbRef::Nlb(n) => self.pipeline.nlb_healthy[n.index()][*target] = *healthy,
                    LbRef::Gwlb(g) => self.pipeline.gwlb_healthy[g.index()][*target] = *healthy,
                }
                self.reroute_all();
            }
            Action::CrossZone { lb, on } => {
                self.pipeline.lb_state(*lb).cross_zone = *on;
                self.reroute_all();
            }
            Action::SetZones { lb, zones } => {
                self.pipeline.lb_state(*lb).zones = zones.clone();
                self.reroute_all();
            }
            Action::DeleteListener(n) => {
                self.pipeline.nlb[n.index()].listener = false;
                self.reroute_all();
            }
            Action::NodeOutOfDns { nlb, zone } => {
                // TGT-08: mirroring keeps sending to the node.
                self.pipeline.nlb[nlb.index()].out_of_dns.push(zone.clone());
            }
            Action::SetFlowRate { flows, rate } => {
                for &i in flows {
                    self.sources[i as usize].set_rate(*rate);
                }
            }
        }
    }

    /// One packet of a flow.
    #[inline]
    fn packet(&mut self, i: usize, now: u64) {
        let packet = self.sources[i].emit();
        self.pipeline.results.generated.add(u64::from(packet.size));
        for k in 0..2 {
            let Some(obs) = self.routes[i].observations[k] else {
                continue;
            };
            match self.pipeline.offer(&obs, packet, now) {
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
            .map(|_| Capturer::new(self.scenario.seed, &self.topo));
        let step = (self.end_ns / 100).max(1);
        let mut reached = step;
        while reached < self.end_ns {
            self.advance(reached, &mut sink, &mut capturer);
            progress(reached, self.pipeline.results.generated.packets);
            reached += step;
        }
        self.advance(u64::MAX, &mut sink, &mut capturer);
        self.pipeline.finish(&self.active, self.end_ns);
        let mut results = self.pipeline.results;
        results.simulated_ns = self.end_ns;
        results
    }

    /// Runs every event due at or before `until` (packets, copies
    /// arriving, timeline changes), and stops: the state is then the
    /// state at that instant (`sim explain` looks at it).
    pub fn run_until(&mut self, until: u64) {
        self.advance(until, &mut None, &mut None);
    }

    /// The topology, the sessions that exist and the pipeline, as the run
    /// has left them.
    pub fn state(&self) -> (&Topology, &[bool], &Pipeline) {
        (&self.topo, &self.active, &self.pipeline)
    }

    fn advance(
        &mut self,
        until: u64,
        sink: &mut Option<&mut dyn CaptureSink>,
        capturer: &mut Option<Capturer>,
    ) {
        let flows = self.sources.len() as u32;
        loop {
            let next_flow = self.queue.peek().map(|e| e.0);
            let next_copy = self.arrivals.peek().map(|e| e.0);
            let (now, handle) = match (next_flow, next_copy) {
                (None, None) => break,
                (Some(f), Some(c)) if c < f => (c.0, c.2),
                (None, Some(c)) => (c.0, c.2),
                (Some(f), _) => (f.0, f.2),
            };
            if now > until {
                break;
            }
            if handle >= self.copies_base {
                self.arrivals.pop();
                let slot = handle - self.copies_base;
                let copy = self.in_flight[slot as usize];
                self.free.push(slot);
                let delivered = self.pipeline.arrive(&copy, &self.topo, now);
                if delivered
                    && let (Some(sink), Some(capturer)) = (sink.as_deref_mut(), capturer.as_mut())
                {
                    let via = self.pipeline.plan(copy.session as usize).via;
                    let frame = capturer.frame(self.scenario, &self.topo, &copy, via);
                    sink.capture(&self.topo.eni(EniIdx(copy.appliance)).id, now, frame);
                }
                continue;
            }
            if handle >= flows {
                self.queue.pop();
                let event = &self.scenario.timeline[(handle - flows) as usize];
                self.apply(event, now);
                continue;
            }
            let i = handle as usize;
            if now >= self.sources[i].end_at {
                // Stopped by the timeline after this packet was scheduled.
                self.queue.pop();
                continue;
            }
            self.packet(i, now);
            let source = &self.sources[i];
            let next = source.next_at;
            let alive = next < source.end_at.min(self.end_ns);
            // The flow's entry is still on top of its heap (copies go to the
            // other). Reuse it: one sift instead of a pop and a push.
            let Some(mut top) = self.queue.peek_mut() else {
                break;
            };
            debug_assert_eq!(top.0.2, handle);
            if alive {
                *top = Reverse((next, self.sequence, handle));
                self.sequence += 1;
            } else {
                PeekMut::pop(top);
            }
        }
    }
}

/// Runs a scenario to its end.
pub fn run(scenario: &Scenario) -> RunResults {
    Simulation::new(scenario).run()
}

/// Runs a scenario to its end, capturing every delivered copy's bytes.
pub fn run_with_capture(scenario: &Scenario, sink: &mut dyn CaptureSink) -> RunResults {
    Simulation::new(scenario).run_with_capture(sink)
}
