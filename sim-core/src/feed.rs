//! The packet feed: every flow's packets in the order the engine takes
//! them, made on the engine's thread or on a thread of their own.
//!
//! Mirroring is feed-forward: a flow's packets (times, sizes) depend only
//! on its own source and on the timeline's changes to it (an ENI deleted,
//! a rate changed), never on what the pipeline does with them. So the
//! [`Generator`] (the flows' sources and their event queue) can run ahead
//! of the pipeline on another core, handing packets over in batches
//! through a bounded channel: memory stays flat, and the pipeline sees
//! exactly the stream it would have made itself, so the results are the
//! same bytes with one thread or two.
//!
//! Order: the generator takes the flows' events by (time, sequence), the
//! sequence taken when an event is scheduled, as the single-threaded engine
//! always did. The pipeline interleaves those packets with copies arriving
//! by the same rule: each packet carries whether its flow was scheduled
//! again, and the pipeline numbers that event in its own sequence, after
//! the copies the packet sent (see `engine`).

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use crate::budget::Bucket;
use crate::prefetch::prefetch;
use crate::queue::FlowQueue;
use crate::resolved::Scenario;
use crate::sampling::Schedule;
use crate::time::Instant;
use crate::traffic::Sources;
use crate::traffic::source::Emitted;
use crate::world::World;

/// Packets per batch handed between threads: large enough that the
/// channel's cost per packet vanishes, small enough to stay in cache.
const BATCH: usize = 4096;
/// Batches in flight between the threads (memory: BATCH × this × 32 B).
pub(crate) const BATCHES_IN_FLIGHT: usize = 8;

/// One packet of a flow, due now.
#[derive(Clone, Copy, Debug)]
pub struct Due {
    pub at: u64,
    pub flow: u32,
    pub packet: Emitted,
    /// Whether the flow has a packet after this one (its event was
    /// scheduled again).
    pub again: bool,
    /// BW-03: the packet is beyond the flow's own per-flow limit.
    pub over_limit: bool,
}

/// A flow with no per-flow limit of its own (BW-03).
const NO_LIMIT: u32 = u32::MAX;

/// BW-03: a production flow's own per-flow limit, when the flow can come
/// near it at `rate` (a flow under a quarter of the limit cannot fill the
/// bucket's millisecond, so it gets none: nothing to check per packet).
fn flow_limit(
    topo: &topology::Topology,
    f: &crate::traffic::FlowPlan,
    rate: crate::units::Rate,
) -> Option<Bucket> {
    let limit = crate::copy_plan::per_flow_limit(topo, f.from_eni, f.to_eni);
    (f.peak_bps(rate).saturating_mul(4) >= limit).then(|| Bucket::with_window(limit, 9001 * 8))
}

/// The flows' sources and their event queue.
pub struct Generator<'a> {
    scenario: &'a Scenario,
    /// The timeline's effects on sources come from the world, as the
    /// engine's do: a world of the generator's own.
    world: World,
    sources: Sources,
    /// BW-03: each flow's own limit, for the flows that could reach it: an
    /// index into `limits` (`NO_LIMIT` for flows under a quarter of it:
    /// most flows, so 4 bytes each rather than a bucket). A flow's limit
    /// depends only on its own packets: it is decided here.
    flow_limits: Vec<u32>,
    limits: Vec<Bucket>,
    queue: FlowQueue,
    next_change: usize,
    end_ns: u64,
    /// Sampled runs: the schedule, and the next steady period with the
    /// end of its window (when the flows skip the rest of the period).
    sampling: Option<Schedule>,
    next_window: Option<(usize, u64)>,
}

impl<'a> Generator<'a> {
    pub fn new(scenario: &'a Scenario, sampling: Option<Schedule>) -> Generator<'a> {
        let end_ns = scenario.duration.as_nanos();
        let mut sources = Sources::new(&scenario.flows);
        let mut queue = FlowQueue::with_capacity(sources.len());
        for (i, s) in sources.iter().enumerate() {
            if s.next_at < s.end_at.min(end_ns) {
                queue.push(s.next_at, i as u32);
            }
        }
        let mut flow_limits = vec![NO_LIMIT; sources.len()];
        let mut limits = Vec::new();
        for (i, f) in scenario.flows.iter().enumerate() {
            if let Some(b) = flow_limit(&scenario.topology, f, f.rate) {
                flow_limits[i] = limits.len() as u32;
                limits.push(b);
                sources.get_mut(i).set_limited();
            }
        }
        Generator {
            scenario,
            world: World::new(&scenario.topology),
            sources,
            flow_limits,
            limits,
            queue,
            next_change: 0,
            end_ns,
            next_window: sampling.as_ref().and_then(|s| s.next_window(0)),
            sampling,
        }
    }

    /// Sampled runs: the window of steady period `k` ends at `at`; the
    /// flows under way skip the rest of the period, each keeping its phase
    /// (their next packets move on by the span), and so do their per-flow
    /// buckets. Flows that start later keep their start.
    fn skip(&mut self, k: usize, at: u64) {
        let Some(schedule) = &self.sampling else {
            return;
        };
        let span = schedule.skipped(k);
        let from = k as u64 * schedule.period_ns;
        let (flows, sources, end_ns) = (&self.scenario.flows, &mut self.sources, self.end_ns);
        self.queue.retime(|mut t, handle| {
            let i = handle as usize;
            if flows[i].start_ns <= from {
                t = t.saturating_add(span);
                sources.get_mut(i).next_at = t;
            }
            (t < sources.get(i).end_at.min(end_ns)).then_some(t)
        });
        for b in &mut self.limits {
            b.freeze(at, span);
        }
        self.next_window = schedule.next_window(k + 1);
    }

    /// When the timeline's `k`th change is due, if before the end.
    fn change_due(&self, k: usize) -> Option<u64> {
        self.scenario.change_due(k)
    }

    /// The next packet, after the timeline's changes due at or before its
    /// time (they apply before anything else at their instant).
    #[inline]
    pub fn next(&mut self) -> Option<Due> {
        loop {
            let (now, handle) = self.queue.peek()?;
            if let Some((k, at)) = self.next_window
                && now >= at
            {
                self.skip(k, at);
                continue;
            }
            if let Some(at) = self.change_due(self.next_change)
                && at <= now
            {
                self.apply(self.next_change, at);
                self.next_change += 1;
                continue;
            }
            let i = handle as usize;
            let source = self.sources.get(i);
            if now >= source.end_at {
                // Stopped by the timeline after this packet was scheduled.
                self.queue.pop();
                continue;
            }
            let limited = source.limited();
            let packet = self.sources.emit(i);
            // BW-03: a single flow cannot exceed the per-flow limit; what it
            // asks beyond is production traffic lost where it leaves.
            let over_limit = limited && {
                let b = &mut self.limits[self.flow_limits[i] as usize];
                let bits = u64::from(packet.size) * 8;
                let fits = b.has(now, bits, 0);
                if fits {
                    b.take(bits);
                }
                !fits
            };
            let source = self.sources.get(i);
            let next = source.next_at;
            let again = next < source.end_at.min(self.end_ns);
            // One sift instead of a pop and a push.
            if again {
                self.queue.replace_top(next, handle);
            } else {
                self.queue.pop();
            }
            // The flows that may send after the next: their sources
            // fetched into cache while the next is made (`prefetch`).
            for flow in self.queue.runners_up() {
                prefetch(self.sources.get(flow as usize));
            }
            return Some(Due {
                at: now,
                flow: handle,
                packet,
                again,
                over_limit,
            });
        }
    }

    /// A timeline change's effects on the sources: traffic that stops with
    /// its ENI (SES-09), rates that change.
    fn apply(&mut self, k: usize, now: u64) {
        let applied = self
            .world
            .apply(&self.scenario.timeline[k].action, Instant(now));
        if let Some(eni) = applied.traffic_stops_at {
            for (i, f) in self.scenario.flows.iter().enumerate() {
                if f.from_eni == Some(eni) || f.to_eni == Some(eni) {
                    self.sources.get_mut(i).stop(now);
                }
            }
        }
        if let Some((flows, rate)) = &applied.flow_rate {
            for &i in flows {
                let source = self.sources.get_mut(i as usize);
                source.set_rate(*rate);
                if self.flow_limits[i as usize] == NO_LIMIT {
                    let f = &self.scenario.flows[i as usize];
                    if let Some(b) = flow_limit(self.world.topology(), f, *rate) {
                        self.flow_limits[i as usize] = self.limits.len() as u32;
                        self.limits.push(b);
                        source.set_limited();
                    }
                }
            }
        }
    }

    /// Fills `batch` (emptied first) with the next [`BATCH`] packets;
    /// true when these are the last (fewer than a batch).
    pub fn fill(&mut self, batch: &mut Vec<Due>) -> bool {
        batch.clear();
        batch.reserve(BATCH);
        while batch.len() < BATCH {
            match self.next() {
                Some(d) => batch.push(d),
                None => return true,
            }
        }
        false
    }

    /// Runs on a thread of its own: every packet, in batches, into `to`;
    /// emptied batches come back through `back` to be filled again.
    pub fn feed(mut self, to: SyncSender<Vec<Due>>, back: Receiver<Vec<Due>>) {
        loop {
            let mut batch = back.try_recv().unwrap_or_default();
            let last = self.fill(&mut batch);
            if to.send(batch).is_err() || last {
                return;
            }
        }
    }
}

/// Packets made ahead on the engine's thread: few enough to stay in
/// cache, enough for the engine to look ahead ([`Feed::ahead`]).
const INLINE_BATCH: usize = 64;

/// Where the engine takes its packets from.
pub enum Feed<'a> {
    /// Made on the engine's thread, a few at a time (the generator depends
    /// on nothing the pipeline does, so making them ahead changes nothing).
    Inline {
        generator: Box<Generator<'a>>,
        batch: Vec<Due>,
        at: usize,
        done: bool,
    },
    /// Made on another thread, received in batches.
    Threaded {
        from: Receiver<Vec<Due>>,
        back: SyncSender<Vec<Due>>,
        batch: Vec<Due>,
        at: usize,
        done: bool,
    },
}

impl<'a> Feed<'a> {
    pub fn inline(scenario: &'a Scenario, sampling: Option<Schedule>) -> Feed<'a> {
        Feed::Inline {
            generator: Box::new(Generator::new(scenario, sampling)),
            batch: Vec::with_capacity(INLINE_BATCH),
            at: 0,
            done: false,
        }
    }

    /// Feeds from batches made elsewhere (`from`), sending the emptied
    /// ones back (`back`).
    pub fn from_channel(from: Receiver<Vec<Due>>, back: SyncSender<Vec<Due>>) -> Feed<'a> {
        Feed::Threaded {
            from,
            back,
            batch: Vec::new(),
            at: 0,
            done: false,
        }
    }

    /// Starts the generator on a thread of `scope`, and feeds from it.
    pub fn threaded<'scope>(
        scope: &'scope std::thread::Scope<'scope, '_>,
        scenario: &'scope Scenario,
        sampling: Option<Schedule>,
    ) -> Feed<'scope> {
        let (to, from) = sync_channel(BATCHES_IN_FLIGHT);
        let (back, returned) = sync_channel(BATCHES_IN_FLIGHT + 2);
        let generator = Generator::new(scenario, sampling);
        scope.spawn(move || generator.feed(to, returned));
        Feed::from_channel(from, back)
    }

    /// The next packet, without taking it.
    #[inline]
    pub fn peek(&mut self) -> Option<&Due> {
        match self {
            Feed::Inline {
                generator,
                batch,
                at,
                done,
            } => {
                if *at == batch.len() && !*done {
                    batch.clear();
                    *at = 0;
                    while batch.len() < INLINE_BATCH {
                        match generator.next() {
                            Some(d) => batch.push(d),
                            None => {
                                *done = true;
                                break;
                            }
                        }
                    }
                }
                batch.get(*at)
            }
            Feed::Threaded {
                from,
                back,
                batch,
                at,
                done,
            } => {
                if *at == batch.len() && !*done {
                    match from.recv() {
                        Ok(next) => {
                            let spent = std::mem::replace(batch, next);
                            // The generator may be gone: then the batch is
                            // simply dropped.
                            let _ = back.try_send(spent);
                            *at = 0;
                            *done = batch.len() < BATCH;
                        }
                        Err(_) => *done = true,
                    }
                }
                batch.get(*at)
            }
        }
    }

    /// The packet `k` places after the next, if it is made already (to
    /// fetch its flow's state into cache before it is needed).
    #[inline]
    pub fn ahead(&self, k: usize) -> Option<&Due> {
        match self {
            Feed::Inline { batch, at, .. } | Feed::Threaded { batch, at, .. } => batch.get(at + k),
        }
    }

    /// Whether every packet made so far has been taken (the next
    /// [`Feed::peek`] makes or receives a batch).
    #[inline]
    pub fn exhausted(&self) -> bool {
        match self {
            Feed::Inline { batch, at, .. } | Feed::Threaded { batch, at, .. } => *at == batch.len(),
        }
    }

    /// Takes the packet [`Feed::peek`] showed.
    #[inline]
    pub fn take(&mut self) {
        match self {
            Feed::Inline { at, .. } | Feed::Threaded { at, .. } => *at += 1,
        }
    }
}
