//! Copies in flight, and what happens when one reaches its appliance: the
//! delivery side of the run, shared by the engine (one thread) and the
//! split run's delivery stage (`split`).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::capture::{CaptureSink, Capturer};
use crate::pipeline::{InFlight, Pipeline, Reorder};
use crate::prefetch::prefetch;
use crate::resolved::Scenario;
use crate::world::World;

/// An entry of the copies' queue: due time, sequence number, slab slot,
/// and the copy's reordering slot (`InFlight::slot`, to fetch its state
/// ahead without reading the slab). The first two order it: they are
/// unique.
type Event = Reverse<(u64, u64, u32, u32)>;

/// Copies in flight, in (arrival time, sequence) order. A heap of their
/// own: it stays small (copies live for a path's latency), so each costs
/// a few comparisons rather than a trip through every flow's entry. The
/// copies wait in a slab; the heap holds small plain entries. Tried here
/// and not kept: the feed's four-way `FlowQueue` (more instructions and
/// more mispredicted branches on a heap this small), and a timing wheel of
/// microsecond slots over the next millisecond (copies sent at one instant
/// on one path arrive together, thousands to a slot, so a slot must be
/// sorted: 5 % more instructions, and slower by the clock).
#[derive(Default)]
pub(crate) struct Arrivals {
    queue: BinaryHeap<Event>,
    in_flight: Vec<InFlight>,
    free: Vec<u32>,
}

impl Arrivals {
    /// Puts a copy in flight, numbered `sequence` among the run's events.
    #[inline]
    pub fn push(&mut self, copy: InFlight, sequence: u64) {
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
        self.queue.push(Reverse((
            copy.arrive_at.as_nanos(),
            sequence,
            slot,
            copy.slot,
        )));
    }

    /// The next arrival's (time, sequence), if any.
    #[inline]
    pub fn peek(&self) -> Option<(u64, u64)> {
        self.queue.peek().map(|e| (e.0.0, e.0.1))
    }

    /// Takes the next arrival.
    #[inline]
    pub fn pop(&mut self) -> Option<InFlight> {
        let Reverse((_, _, slot, _)) = self.queue.pop()?;
        self.free.push(slot);
        // The next copy to arrive: its slot is read when it does.
        if let Some(Reverse((_, _, next, _))) = self.queue.peek() {
            prefetch(&self.in_flight[*next as usize]);
        }
        Some(self.in_flight[slot as usize])
    }

    /// The reordering slot of the next copy to arrive (its flow's state is
    /// fetched ahead of it).
    #[inline]
    pub fn next_reorder_slot(&self) -> Option<u32> {
        self.queue.peek().map(|e| e.0.3)
    }
}

/// A copy reaches its appliance at `now` ([`Pipeline::arrive`]); when it
/// is delivered and a capture is asked for, its bytes go to `sink`.
#[allow(clippy::too_many_arguments)]
#[inline]
pub(crate) fn deliver(
    scenario: &Scenario,
    world: &World,
    pipeline: &mut Pipeline,
    copy: &InFlight,
    reorder: &mut Reorder,
    now: u64,
    sink: &mut Option<&mut dyn CaptureSink>,
    capturer: &mut Option<Capturer>,
) {
    let delivered = pipeline.arrive(copy, world, now, reorder);
    if delivered && let (Some(sink), Some(capturer)) = (sink.as_deref_mut(), capturer.as_mut()) {
        let plan = pipeline.plan_of(copy.session, copy.config);
        let frame = capturer.frame(scenario, copy, plan);
        sink.capture(&scenario.topology.eni(copy.appliance).id, now, frame);
    }
}
