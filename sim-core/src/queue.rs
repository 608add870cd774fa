//! The flows' event queue: which flow sends next, in (time, sequence)
//! order, the sequence taken when an event is scheduled (events due at
//! one instant run first-scheduled first).
//!
//! Every packet of a run passes through here, so an entry is one `u128`
//! key, `time << 64 | sequence << 32 | flow`, compared in one step: 16
//! bytes where a tuple of (time, u64 sequence, flow) took 24 and three
//! comparisons. The sequence has 32 bits; when they run out, the waiting
//! events are numbered again in their order (`renumber`), which keeps
//! every comparison the same. A flow's next event replaces the one just
//! taken with a bottom-up sift, down a four-way heap laid out a cache line
//! per family (see [`FlowQueue`]).

use crate::prefetch::prefetch;

/// A min-heap of flows' next events: four children a node, each node's
/// children in one 64-byte group (`Line`), so each level down touches one
/// cache line, and a fleet's 100,000 flows are eight levels deep instead of
/// seventeen.
#[derive(Clone, Debug)]
pub struct FlowQueue {
    /// Entry `j` of the heap is at `j + PAD` counted across the lines: the
    /// children of `j`, `4j + 1 ..= 4j + 4`, are then line `j + 1`.
    lines: Vec<Line>,
    len: usize,
    sequence: u32,
    /// The first sequence number not handed out (`u32::MAX`; smaller in
    /// tests, to exercise renumbering).
    limit: u32,
}

/// Four entries, one cache line.
#[derive(Clone, Copy, Debug, Default)]
#[repr(align(64))]
struct Line([u128; 4]);

/// Slots before the root, so that siblings share a line.
const PAD: usize = 3;

#[inline]
fn key(time: u64, sequence: u32, flow: u32) -> u128 {
    (u128::from(time) << 64) | (u128::from(sequence) << 32) | u128::from(flow)
}

/// The time and flow of a key.
#[inline]
fn parts(key: u128) -> (u64, u32) {
    ((key >> 64) as u64, key as u32)
}

impl FlowQueue {
    pub fn with_capacity(flows: usize) -> FlowQueue {
        FlowQueue {
            lines: Vec::with_capacity((flows + PAD).div_ceil(4)),
            len: 0,
            sequence: 0,
            limit: u32::MAX,
        }
    }

    #[inline]
    fn at(&self, j: usize) -> u128 {
        let p = j + PAD;
        self.lines[p / 4].0[p % 4]
    }

    #[inline]
    fn set(&mut self, j: usize, k: u128) {
        let p = j + PAD;
        self.lines[p / 4].0[p % 4] = k;
    }

    /// The next sequence number, numbering the waiting events again when
    /// the numbers run out.
    #[inline]
    fn next_sequence(&mut self) -> u32 {
        if self.sequence == self.limit {
            self.renumber();
        }
        let s = self.sequence;
        self.sequence += 1;
        s
    }

    /// The waiting events, in no order.
    fn entries(&self) -> Vec<u128> {
        (0..self.len).map(|j| self.at(j)).collect()
    }

    /// Makes a heap of `keys`.
    fn rebuild(&mut self, keys: &[u128]) {
        self.len = keys.len();
        self.lines.clear();
        self.lines
            .resize((keys.len() + PAD).div_ceil(4), Line::default());
        for (j, &k) in keys.iter().enumerate() {
            self.set(j, k);
        }
        for j in (0..self.len / 4 + 1).rev() {
            if j < self.len {
                self.sift_down(j);
            }
        }
    }

    /// Numbers the waiting events 0, 1, ... in their (time, sequence)
    /// order: every comparison between them is unchanged, and later
    /// events get larger numbers.
    #[cold]
    fn renumber(&mut self) {
        let mut keys = self.entries();
        keys.sort_unstable();
        for (i, k) in keys.iter_mut().enumerate() {
            let (time, flow) = parts(*k);
            *k = key(time, i as u32, flow);
        }
        self.rebuild(&keys);
        self.sequence = self.len as u32;
    }

    /// Schedules `flow`'s next event at `time`, after those scheduled
    /// before it.
    pub fn push(&mut self, time: u64, flow: u32) {
        let k = key(time, self.next_sequence(), flow);
        if (self.len + PAD) / 4 == self.lines.len() {
            self.lines.push(Line::default());
        }
        self.len += 1;
        self.sift_up(self.len - 1, k);
    }

    /// The earliest event: its time and flow.
    #[inline]
    pub fn peek(&self) -> Option<(u64, u32)> {
        (self.len > 0).then(|| parts(self.at(0)))
    }

    /// Removes the earliest event.
    #[inline]
    pub fn pop(&mut self) {
        if self.len == 0 {
            return;
        }
        self.len -= 1;
        if self.len > 0 {
            let last = self.at(self.len);
            self.sink(last);
        }
    }

    /// Replaces the earliest event by `flow`'s next at `time` (one sift
    /// instead of a pop and a push).
    #[inline]
    pub fn replace_top(&mut self, time: u64, flow: u32) {
        let k = key(time, self.next_sequence(), flow);
        if self.len == 0 {
            self.lines.resize(1, Line::default());
            self.len = 1;
            self.set(0, k);
        } else {
            self.sink(k);
        }
    }

    /// The flows of the earliest event's children: one of them, or the
    /// event that replaces the earliest, comes after it.
    #[inline]
    pub fn runners_up(&self) -> impl Iterator<Item = u32> + '_ {
        let n = self.len.saturating_sub(1).min(4);
        self.lines
            .get(1)
            .into_iter()
            .flat_map(move |line| line.0[..n].iter().map(|&k| parts(k).1))
    }

    /// Moves every waiting event with `f` (its time, its flow), dropping
    /// those for which it returns `None`; their order among themselves at
    /// one instant stays as it was.
    pub fn retime(&mut self, mut f: impl FnMut(u64, u32) -> Option<u64>) {
        let keys: Vec<u128> = self
            .entries()
            .into_iter()
            .filter_map(|k| {
                let (time, flow) = parts(k);
                f(time, flow).map(|t| key(t, (k >> 32) as u32, flow))
            })
            .collect();
        self.rebuild(&keys);
    }

    /// The smallest child of `j`, if it has any.
    #[inline]
    fn min_child(&self, j: usize) -> Option<usize> {
        let first = 4 * j + 1;
        if first + 3 < self.len {
            // Four children, one line: a tournament.
            let group = &self.lines[j + 1].0;
            let a = usize::from(group[1] < group[0]);
            let b = 2 + usize::from(group[3] < group[2]);
            let best = if group[b] < group[a] { b } else { a };
            return Some(first + best);
        }
        (first < self.len).then(|| {
            (first..self.len)
                .min_by_key(|&c| self.at(c))
                .unwrap_or(first)
        })
    }

    /// Bottom-up: `k` takes the root's place: the hole goes down along the
    /// smaller children to a leaf, then `k` climbs back to its place
    /// (a later time sinks towards the leaves: one tournament a level,
    /// then a short climb).
    #[inline]
    fn sink(&mut self, k: u128) {
        let len = self.len;
        let lines = &mut self.lines[..];
        let mut hole = 0;
        // Families of four: a tournament in one line.
        while 4 * hole + 4 < len {
            // The next level down is one of four lines, side by side:
            // ask for all of them while this one's tournament runs.
            if let Some(next) = lines.get(4 * hole + 2..4 * hole + 6) {
                for line in next {
                    prefetch(line);
                }
            }
            let g = &lines[hole + 1].0;
            let (a, va) = if g[1] < g[0] { (1, g[1]) } else { (0, g[0]) };
            let (b, vb) = if g[3] < g[2] { (3, g[3]) } else { (2, g[2]) };
            let (best, v) = if vb < va { (b, vb) } else { (a, va) };
            let p = hole + PAD;
            lines[p / 4].0[p % 4] = v;
            hole = 4 * hole + 1 + best;
        }
        // The last family may have fewer.
        if let Some(c) = self.min_child(hole) {
            let v = self.at(c);
            self.set(hole, v);
            hole = c;
        }
        self.sift_up(hole, k);
    }

    /// Classic sift-down of the entry at `j`, for heapifying.
    fn sift_down(&mut self, mut j: usize) {
        let k = self.at(j);
        while let Some(c) = self.min_child(j) {
            let v = self.at(c);
            if v >= k {
                break;
            }
            self.set(j, v);
            j = c;
        }
        self.set(j, k);
    }

    /// `k` climbs from the hole at `j` while it is earlier than the
    /// parent.
    #[inline]
    fn sift_up(&mut self, mut j: usize, k: u128) {
        while j > 0 {
            let parent = (j - 1) / 4;
            let v = self.at(parent);
            if v <= k {
                break;
            }
            self.set(j, v);
            j = parent;
        }
        self.set(j, k);
    }

    #[cfg(test)]
    fn with_limit(limit: u32) -> FlowQueue {
        FlowQueue {
            limit,
            ..FlowQueue::with_capacity(0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    /// The order of a (time, u64 sequence, flow) binary heap, the queue's
    /// reference: the same events, taken in the same order, with the
    /// sequence numbers running out many times over.
    fn same_order_as_a_tuple_heap(flows: u32, limit: u32) {
        let mut q = FlowQueue::with_limit(limit);
        let mut reference = BinaryHeap::new();
        let mut seq = 0u64;
        // Flows at a few periods, many ties.
        for flow in 0..flows {
            q.push(u64::from(flow % 3), flow);
            reference.push(Reverse((u64::from(flow % 3), seq, flow)));
            seq += 1;
        }
        for step in 0..20_000u64 {
            let (t, flow) = q.peek().unwrap();
            let Reverse((rt, _, rflow)) = *reference.peek().unwrap();
            assert_eq!((t, flow), (rt, rflow), "step {step}");
            reference.pop();
            if step % 7 == 3 {
                q.pop();
            } else {
                let next = t + u64::from(flow % 4) + (step % 2) + (step * 7919 % 13);
                q.replace_top(next, flow);
                reference.push(Reverse((next, seq, flow)));
                seq += 1;
            }
            if q.peek().is_none() {
                for flow in 0..flows {
                    q.push(t + 1, flow);
                    reference.push(Reverse((t + 1, seq, flow)));
                    seq += 1;
                }
            }
        }
    }

    #[test]
    fn takes_events_in_time_then_scheduling_order() {
        for flows in [1, 2, 5, 10, 17, 1000] {
            same_order_as_a_tuple_heap(flows, u32::MAX);
        }
    }

    #[test]
    fn renumbering_keeps_the_order() {
        same_order_as_a_tuple_heap(10, 16);
        same_order_as_a_tuple_heap(1000, 1500);
    }

    #[test]
    fn retiming_moves_events_and_keeps_ties_in_order() {
        let mut q = FlowQueue::with_capacity(4);
        for (t, f) in [(5, 0), (5, 1), (9, 2), (1, 3)] {
            q.push(t, f);
        }
        // Flow 3 moves to 5, after flows 0 and 1 (scheduled before it);
        // flow 2 stops.
        q.retime(|t, f| match f {
            2 => None,
            3 => Some(t + 4),
            _ => Some(t),
        });
        let mut order = Vec::new();
        while let Some((t, f)) = q.peek() {
            order.push((t, f));
            q.pop();
        }
        assert_eq!(order, [(5, 0), (5, 1), (5, 3)]);
    }
}
