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

use topology::{Direction, Topology};

use crate::pipeline::{Observation, Pipeline};
use crate::results::RunResults;
use crate::scenario::Scenario;
use crate::traffic::FlowSource;

/// An entry of the event queue: due time, sequence number, flow handle.
type Event = Reverse<(u64, u64, u32)>;

/// Where a flow's packets are observed by mirroring: at most two source
/// ENIs (the sender's, egress; the receiver's, ingress).
#[derive(Clone, Copy, Debug)]
struct FlowRoute {
    observations: [Option<Observation>; 2],
}

/// A run in progress.
pub struct Simulation {
    end_ns: u64,
    sources: Vec<FlowSource>,
    routes: Vec<FlowRoute>,
    queue: BinaryHeap<Event>,
    sequence: u64,
    pipeline: Pipeline,
}

impl Simulation {
    pub fn new(scenario: &Scenario) -> Simulation {
        let topo: &Topology = &scenario.topology;
        let end_ns = scenario.duration.as_nanos();
        let sources: Vec<FlowSource> = scenario.flows.iter().map(FlowSource::new).collect();
        let routes = scenario
            .flows
            .iter()
            .map(|f| {
                // A packet leaving an ENI is egress there, one arriving is
                // ingress there; both may be mirror sources.
                let at = |eni: Option<_>, dir, sender, reply| {
                    eni.filter(|&e| topo.is_source(e))
                        .map(|e| Observation::new(topo, e, dir, &f.key, sender, reply))
                };
                FlowRoute {
                    observations: [
                        at(f.from_eni, Direction::Egress, None, false),
                        at(f.to_eni, Direction::Ingress, f.from_eni, f.reply),
                    ],
                }
            })
            .collect();
        let mut sim = Simulation {
            end_ns,
            queue: BinaryHeap::with_capacity(sources.len()),
            sources,
            routes,
            sequence: 0,
            pipeline: Pipeline::new(topo),
        };
        for i in 0..sim.sources.len() {
            let s = &sim.sources[i];
            if s.next_at < s.end_at.min(end_ns) {
                let at = s.next_at;
                sim.schedule(at, i as u32);
            }
        }
        sim
    }

    fn schedule(&mut self, at: u64, flow: u32) {
        self.queue.push(Reverse((at, self.sequence, flow)));
        self.sequence += 1;
    }

    /// Runs to the end of the scenario and returns what was counted.
    pub fn run(mut self) -> RunResults {
        while let Some(mut top) = self.queue.peek_mut() {
            let Reverse((_, _, flow)) = *top;
            let i = flow as usize;
            let source = &mut self.sources[i];
            let size = source.emit();
            self.pipeline.results.generated.add(u64::from(size));
            for obs in self.routes[i].observations.iter().flatten() {
                self.pipeline.offer(obs, size);
            }
            let next = source.next_at;
            if next < source.end_at.min(self.end_ns) {
                // Reuse the top entry: one sift instead of a pop and a push.
                *top = Reverse((next, self.sequence, flow));
                self.sequence += 1;
            } else {
                std::collections::binary_heap::PeekMut::pop(top);
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
