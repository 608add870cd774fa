//! A run split across threads: the source side and the delivery side of
//! the pipeline each on a core of their own.
//!
//! Mirroring is feed-forward, and so is the pipeline itself: what happens
//! at a source (its production budget, the session decision, the copy,
//! the source's budgets and per-flow limits, the endpoint's capacity)
//! depends only on the source's packets and the timeline; what happens on
//! arrival (the appliance up or down, its receive budget, the reordering
//! seen there) depends only on the copies that arrive and the timeline.
//! Nothing flows back. So a run splits in three stages:
//!
//! 1. the generator (`feed`): every flow's packets in (time, sequence)
//!    order;
//! 2. the source stage: the engine ([`Simulation`]) offering each packet
//!    and keeping the copies in flight, exactly as on one thread; a copy
//!    that arrives leaves for the delivery stage instead of being
//!    received there, so the copies leave in (arrival time, sequence)
//!    order, in small batches;
//! 3. the delivery stage ([`Delivery`]): each copy received at its
//!    appliance in that order, the timeline's changes due at or before
//!    its instant applied first, as on one thread.
//!
//! Each stage applies the timeline to a world of its own (`World::apply`,
//! the one function), and each side counts into counters of its own; they
//! are added up at the end ([`RunResults::absorb`]) and the run finished
//! once. Every result is the same bytes as on one thread.
//!
//! With two threads the generator and the delivery stage share this one
//! (together they weigh about what the source stage does); with three or
//! more each stage has its own. (Copies in flight were kept by the
//! delivery stage, sent to it as they left with the instant up to which
//! every packet had been offered: that stage then weighed two thirds of
//! the run, its queue holding each batch besides the copies in flight.)

use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};

use crate::arrivals::deliver;
use crate::capture::{CaptureSink, Capturer};
use crate::engine::Simulation;
use crate::feed::{BATCHES_IN_FLIGHT, Due, Feed, Generator};
use crate::pipeline::{InFlight, Pipeline, Reorder};
use crate::prefetch::prefetch;
use crate::resolved::Scenario;
use crate::results::RunResults;
use crate::time::Instant;
use crate::world::World;

/// Copies that arrived, in (arrival time, sequence) order.
pub(crate) type CopyBatch = Vec<InFlight>;

/// Copies per batch: small enough to stay in cache between the cores.
pub(crate) const FLUSH_COPIES: usize = 512;
/// Batches of copies in flight between the stages (memory: about 2 MB).
const COPY_BATCHES_IN_FLIGHT: usize = 64;

/// What the source stage hands the delivery stage.
pub(crate) struct Copies {
    pub copies: CopyBatch,
    /// The simulated time the source stage has reached, and the packets
    /// it offered so far (for progress).
    pub now: u64,
    pub packets: u64,
    /// The source stage is done: no copy follows.
    pub last: bool,
}

/// The source stage's side of the copies' channel (kept by the engine).
pub(crate) struct Export {
    pub copies: CopyBatch,
    pub to: SyncSender<Copies>,
    pub back: Receiver<CopyBatch>,
}

/// The delivery stage: copies received at their appliances, and the
/// timeline's changes as the arrivals see them.
struct Delivery<'a> {
    scenario: &'a Scenario,
    world: World,
    pipeline: Pipeline,
    /// Each flow-and-observation's next expected copy (RFC 4737), by slot.
    reorder: Vec<Reorder>,
    next_change: usize,
}

impl<'a> Delivery<'a> {
    fn new(scenario: &'a Scenario) -> Delivery<'a> {
        let end_ns = scenario.duration.as_nanos();
        let world = World::new(&scenario.topology);
        let pipeline = Pipeline::new(&world, &scenario.settings, scenario.seed, end_ns);
        Delivery {
            scenario,
            world,
            pipeline,
            reorder: vec![Reorder::default(); scenario.flows.len() * 2],
            next_change: 0,
        }
    }

    /// Applies the timeline's changes due at or before `until` (none at
    /// or after the end).
    fn changes_to(&mut self, until: u64) {
        while let Some(at) = self.scenario.change_due(self.next_change) {
            if at > until {
                return;
            }
            let event = &self.scenario.timeline[self.next_change];
            let applied = self.world.apply(&event.action, Instant(at));
            self.pipeline.follow(&self.world, &applied, Instant(at));
            self.next_change += 1;
        }
    }

    /// Receives copies, in (arrival time, sequence) order: the changes due
    /// at a copy's instant apply before it.
    fn receive(
        &mut self,
        copies: &[InFlight],
        sink: &mut Option<&mut dyn CaptureSink>,
        capturer: &mut Option<Capturer>,
    ) {
        for (k, copy) in copies.iter().enumerate() {
            // What a copy a few places on will count into, fetched while
            // this one is received (`prefetch`): at fleet scale its flow's
            // reordering numbers and its source's counters are out of cache.
            if let Some(ahead) = copies.get(k + ARRIVAL_PREFETCH_DISTANCE) {
                prefetch(&self.reorder[ahead.slot as usize]);
                self.pipeline.prefetch_arrival(ahead);
            }
            let at = copy.arrive_at.as_nanos();
            self.changes_to(at);
            let reorder = &mut self.reorder[copy.slot as usize];
            deliver(
                self.scenario,
                &self.world,
                &mut self.pipeline,
                copy,
                reorder,
                at,
                sink,
                capturer,
            );
        }
    }
}

/// How many copies ahead the delivery stage fetches a copy's state.
const ARRIVAL_PREFETCH_DISTANCE: usize = 4;

/// The generator, when it shares the delivery stage's thread: it makes
/// batches while the source stage's channel has room, never waiting on it
/// (the delivery stage waits on the source stage instead, which always
/// has packets or is done).
struct Maker<'a> {
    generator: Generator<'a>,
    to: SyncSender<Vec<Due>>,
    spent: Receiver<Vec<Due>>,
    /// A batch made that the channel had no room for yet.
    held: Option<Vec<Due>>,
    done: bool,
}

impl Maker<'_> {
    /// Makes and hands over batches until the channel is full or every
    /// packet is made.
    fn make(&mut self) {
        loop {
            let batch = match self.held.take() {
                Some(b) => b,
                None if self.done => return,
                None => {
                    let mut b = self.spent.try_recv().unwrap_or_default();
                    self.done = self.generator.fill(&mut b);
                    b
                }
            };
            match self.to.try_send(batch) {
                Ok(()) => {}
                Err(TrySendError::Full(b)) => {
                    self.held = Some(b);
                    return;
                }
                // The source stage is gone (it failed): nothing to make.
                Err(TrySendError::Disconnected(_)) => {
                    self.done = true;
                    return;
                }
            }
        }
    }
}

/// Runs a scenario in full (every packet) on `threads` threads (two or
/// more; see the module's notes), handing delivered copies' bytes to
/// `sink` and calling `progress` with the simulated time reached and the
/// packets offered, a hundred times along the way.
pub(crate) fn run(
    scenario: &Scenario,
    threads: usize,
    mut sink: Option<&mut dyn CaptureSink>,
    progress: &mut dyn FnMut(u64, u64),
) -> RunResults {
    let end_ns = scenario.duration.as_nanos();
    let (packets_to, packets_from) = sync_channel::<Vec<Due>>(BATCHES_IN_FLIGHT);
    let (spent_to, spent) = sync_channel::<Vec<Due>>(BATCHES_IN_FLIGHT + 2);
    let (copies_to, copies_from) = sync_channel::<Copies>(COPY_BATCHES_IN_FLIGHT);
    let (copies_back, copies_returned) = sync_channel::<CopyBatch>(COPY_BATCHES_IN_FLIGHT + 2);
    std::thread::scope(|scope| {
        // This thread's ends of the channels belong to this closure: should
        // it fail, they close as it unwinds, so that the other stages stop
        // waiting on them and the scope can join them.
        let (copies_from, copies_back) = (copies_from, copies_back);
        let source = scope.spawn(move || {
            let feed = Feed::from_channel(packets_from, spent_to);
            let mut sim = Simulation::with_feed(scenario, feed, None);
            sim.export_to(copies_to, copies_returned);
            sim.run_source_stage()
        });
        let generator = Generator::new(scenario, None);
        let mut maker = if threads >= 3 {
            scope.spawn(move || generator.feed(packets_to, spent));
            None
        } else {
            Some(Maker {
                generator,
                to: packets_to,
                spent,
                held: None,
                done: false,
            })
        };
        let mut delivery = Delivery::new(scenario);
        let mut capturer = sink
            .as_ref()
            .map(|_| Capturer::new(scenario.seed, &scenario.topology));
        let step = (end_ns / 100).max(1);
        let mut reached = step;
        loop {
            if let Some(m) = maker.as_mut() {
                m.make();
            }
            // The source stage is gone only when it failed: its panic is
            // raised below.
            let Ok(batch) = copies_from.recv() else {
                break;
            };
            delivery.receive(&batch.copies, &mut sink, &mut capturer);
            let _ = copies_back.try_send(batch.copies);
            while reached < end_ns && reached <= batch.now {
                progress(reached, batch.packets);
                reached += step;
            }
            if batch.last {
                break;
            }
        }
        // The changes after the last copy apply too (the sessions they
        // delete end then).
        delivery.changes_to(u64::MAX);
        drop(maker);
        let (mut pipeline, world) = source
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        pipeline.results.absorb(delivery.pipeline.results);
        pipeline.finish(&world, end_ns);
        let mut results = pipeline.results;
        results.simulated_ns = end_ns;
        results
    })
}
