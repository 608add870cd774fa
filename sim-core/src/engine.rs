//! The discrete-event engine.
//!
//! Simulated time is an integer count of nanoseconds. Events are ordered by
//! `(time, sequence)`: the sequence number is taken when an event is
//! scheduled, so events due at the same instant run first-scheduled first.
//! The queue holds small plain entries (time, sequence, flow handle); each
//! flow's state lives in a vector. Packets are made when their time comes:
//! memory grows with the number of flows, never with simulated time.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::collections::binary_heap::PeekMut;

use topology::{Direction, Topology};

use crate::pipeline::{Observation, Pipeline};
use crate::results::RunResults;
use crate::scenario::Scenario;
use crate::timeline::{Action, TimelineEvent};
use crate::traffic::FlowSource;

/// An entry of the event queue: due time, sequence number, handle. Handles
/// below the number of flows are flows (their next packet); the others are
/// timeline events.
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
    end_ns: u64,
    sources: Vec<FlowSource>,
    routes: Vec<FlowRoute>,
    /// For each ENI, the flows observed there (to decide them again when
    /// its sessions change).
    flows_at: Vec<Vec<u32>>,
    /// Which sessions exist (deleted ones do not).
    active: Vec<bool>,
    queue: BinaryHeap<Event>,
    sequence: u64,
    pipeline: Pipeline,
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
        let mut sim = Simulation {
            scenario,
            end_ns,
            queue: BinaryHeap::with_capacity(sources.len() + scenario.timeline.len()),
            routes: Vec::with_capacity(sources.len()),
            sources,
            flows_at,
            active,
            sequence: 0,
            pipeline: Pipeline::new(topo),
        };
        for i in 0..scenario.flows.len() {
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
                sim.schedule(e.at_ns, (scenario.flows.len() + k) as u32);
            }
        }
        sim
    }

    /// Decides a flow at each source ENI it crosses. A packet leaving an
    /// ENI is egress there, one arriving is ingress there; both may be
    /// mirror sources.
    fn route(&self, flow: usize) -> FlowRoute {
        let topo = &self.scenario.topology;
        let f = &self.scenario.flows[flow];
        let at = |eni: Option<_>, dir, sender, reply| {
            eni.filter(|&e| topo.is_source(e))
                .map(|e| Observation::new(topo, e, dir, &f.key, sender, reply, &self.active))
        };
        FlowRoute {
            observations: [
                at(f.from_eni, Direction::Egress, None, false),
                at(f.to_eni, Direction::Ingress, f.from_eni, f.reply),
            ],
        }
    }

    fn schedule(&mut self, at: u64, handle: u32) {
        self.queue.push(Reverse((at, self.sequence, handle)));
        self.sequence += 1;
    }

    /// Applies a timeline event.
    fn apply(&mut self, event: &TimelineEvent) {
        let topo = &self.scenario.topology;
        match event.action {
            Action::DeleteSession(s) => {
                self.active[s.index()] = false;
                self.pipeline.deactivate(s, topo);
                let eni = topo.session(s).source;
                for i in self.flows_at[eni.index()].clone() {
                    self.routes[i as usize] = self.route(i as usize);
                }
            }
            // Checked when loading: no session uses them any more.
            Action::DeleteFilter(_) | Action::DeleteTarget(_) => {}
        }
    }

    /// Runs to the end of the scenario and returns what was counted.
    pub fn run(mut self) -> RunResults {
        let flows = self.sources.len() as u32;
        while let Some(&Reverse((_, _, handle))) = self.queue.peek() {
            if handle >= flows {
                self.queue.pop();
                let event = self.scenario.timeline[(handle - flows) as usize];
                self.apply(&event);
                continue;
            }
            let Some(mut top) = self.queue.peek_mut() else {
                break;
            };
            let i = handle as usize;
            let source = &mut self.sources[i];
            let size = source.emit();
            self.pipeline.results.generated.add(u64::from(size));
            for obs in self.routes[i].observations.iter().flatten() {
                self.pipeline.offer(obs, size);
            }
            let next = source.next_at;
            if next < source.end_at.min(self.end_ns) {
                // Reuse the top entry: one sift instead of a pop and a push.
                *top = Reverse((next, self.sequence, handle));
                self.sequence += 1;
            } else {
                PeekMut::pop(top);
            }
        }
        let mut results = self.pipeline.results;
        results.simulated_ns = self.end_ns;
        results
    }
}

/// Runs a scenario to its end.
pub fn run(scenario: &Scenario) -> RunResults {
    Simulation::new(scenario).run()
}
