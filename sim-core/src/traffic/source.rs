//! The per-flow packet generator that the engine steps.

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg32;

use super::{Arrivals, FlowPlan, PacketSizes};
use crate::units::Rate;

/// The hot state of one flow: when its next packet is due and how to draw
/// the one after. One cache line: it is touched on every packet, and a
/// fleet's flows do not fit in cache (a replayed capture's packets live in
/// [`Sources`], the per-flow limit in the feed).
#[derive(Clone, Debug)]
#[repr(C, align(64))]
pub struct FlowSource {
    /// Simulated time of the next packet, in nanoseconds.
    pub next_at: u64,
    /// The flow sends no packet at or after this time.
    pub end_at: u64,
    /// Remainder of the exact gap, so constant arrivals never drift; a
    /// replayed flow's index among [`Sources`]' replays.
    carry: u64,
    /// The gap after a packet of `s` bytes is `8 * 10^9 * s / per_den`
    /// nanoseconds at `per_den` bits/s ([`BY_BITS`]), else `10^12 /
    /// per_den` at `per_den` milli-packets/s.
    per_den: u64,
    rng: Pcg32,
    /// Packets sent so far (a packet's number in its flow).
    sent: u32,
    /// TCP sequence number of the next packet's first byte.
    tcp_seq: u32,
    sizes: PacketSizes,
    /// Bytes of headers before a packet's payload (for `tcp_seq`; at most
    /// 60).
    headers: u8,
    /// [`POISSON`], [`BY_BITS`], [`REPLAY`], [`LIMITED`].
    kind: u8,
}

/// Poisson arrivals (else constant).
const POISSON: u8 = 1;
/// The rate is in bits per second (else milli-packets per second).
const BY_BITS: u8 = 2;
/// The flow replays a capture.
const REPLAY: u8 = 4;
/// BW-03: the flow has a per-flow limit of its own to check (the feed's).
const LIMITED: u8 = 8;

/// Every flow's source, and the replayed captures' packets.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    flows: Vec<FlowSource>,
    replays: Vec<Replayer>,
}

impl Sources {
    pub fn new(plans: &[FlowPlan]) -> Sources {
        let mut sources = Sources::default();
        sources.flows.reserve_exact(plans.len());
        for plan in plans {
            let flow = FlowSource::new(plan, &mut sources.replays);
            sources.flows.push(flow);
        }
        sources
    }

    #[inline]
    pub fn get(&self, flow: usize) -> &FlowSource {
        &self.flows[flow]
    }

    #[inline]
    pub fn get_mut(&mut self, flow: usize) -> &mut FlowSource {
        &mut self.flows[flow]
    }

    pub fn len(&self) -> usize {
        self.flows.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &FlowSource> {
        self.flows.iter()
    }

    /// Draws the size of flow `flow`'s packet due at its `next_at` and
    /// moves `next_at` on to the packet after it.
    #[inline]
    pub fn emit(&mut self, flow: usize) -> Emitted {
        let source = &mut self.flows[flow];
        if source.kind & REPLAY == 0 {
            return source.emit();
        }
        let r = &mut self.replays[source.carry as usize];
        let size = r.packets.get(r.next).map_or(0, |p| p.1);
        r.next += 1;
        if r.next == r.packets.len() {
            r.next = 0;
            r.play += 1;
        }
        source.next_at = r.due().unwrap_or(u64::MAX);
        source.sent(size)
    }
}

/// Where a replay is: its packets, the next one, the play it is in.
#[derive(Clone, Debug)]
struct Replayer {
    packets: Vec<(u64, u16)>,
    start_ns: u64,
    period_ns: u64,
    loops: u32,
    next: usize,
    play: u32,
}

impl Replayer {
    /// The time of the packet `next` in play `play`, if there is one.
    fn due(&self) -> Option<u64> {
        (self.play < self.loops && self.next < self.packets.len()).then(|| {
            self.start_ns + u64::from(self.play) * self.period_ns + self.packets[self.next].0
        })
    }
}

/// A packet as its flow emits it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Emitted {
    /// IP packet length.
    pub size: u16,
    /// Its number in the flow, from 0.
    pub index: u32,
    /// TCP sequence number of its first payload byte.
    pub tcp_seq: u32,
}

impl FlowSource {
    /// A flow's source; a replayed capture's packets go to `replays`.
    fn new(plan: &FlowPlan, replays: &mut Vec<Replayer>) -> FlowSource {
        let (per_den, by_bits) = rate_parts(plan.rate);
        let poisson = plan.arrivals == Arrivals::Poisson;
        let mut source = FlowSource {
            next_at: plan.start_ns,
            end_at: plan.end_ns,
            carry: 0,
            per_den,
            rng: Pcg32::seed_from_u64(plan.rng_seed),
            sent: 0,
            tcp_seq: (plan.rng_seed >> 32) as u32,
            sizes: plan.sizes,
            headers: crate::wire::frame::header_len(&plan.key) as u8,
            kind: if poisson { POISSON } else { 0 } | if by_bits { BY_BITS } else { 0 },
        };
        if let Some(r) = &plan.replay {
            let replayer = Replayer {
                packets: r.packets.iter().map(|p| (p.at_ns, p.size)).collect(),
                start_ns: plan.start_ns,
                period_ns: r.period_ns,
                loops: r.loops,
                next: 0,
                play: 0,
            };
            source.next_at = replayer.due().unwrap_or(u64::MAX);
            source.kind |= REPLAY;
            source.carry = replays.len() as u64;
            replays.push(replayer);
            return source;
        }
        let (k, n) = plan.stagger;
        if !poisson && k > 0 && n > 1 {
            // Spread over one gap of a packet of the model's middle size;
            // the carry starts at zero, so the stream stays exact.
            let (small, large) = plan.sizes.bounds();
            let mid = ((u32::from(small) + u32::from(large)) / 2) as u16;
            let gap = source.gap(mid);
            source.carry = 0;
            let offset = (u128::from(gap) * u128::from(k) / u128::from(n)) as u64;
            source.next_at = source.next_at.saturating_add(offset);
        }
        if poisson {
            // A Poisson process has no packet pinned at its start: the first
            // arrives one exponential gap in, at the mean gap of a packet of
            // the model's smallest size.
            let (small, _) = plan.sizes.bounds();
            let gap = source.gap(small);
            source.next_at = source.next_at.saturating_add(gap);
        }
        source
    }

    /// Whether the flow has a per-flow limit of its own to check (BW-03).
    #[inline]
    pub fn limited(&self) -> bool {
        self.kind & LIMITED != 0
    }

    pub fn set_limited(&mut self) {
        self.kind |= LIMITED;
    }

    /// Changes the rate from the next packet on.
    pub fn set_rate(&mut self, rate: Rate) {
        if self.kind & REPLAY != 0 {
            return;
        }
        let (per_den, by_bits) = rate_parts(rate);
        self.per_den = per_den;
        self.kind = (self.kind & !BY_BITS) | if by_bits { BY_BITS } else { 0 };
        self.carry = 0;
    }

    /// Stops the flow: it sends nothing at or after `now`.
    pub fn stop(&mut self, now: u64) {
        self.end_at = self.end_at.min(now);
    }

    /// Draws the size of the packet due at `next_at` and moves `next_at` on
    /// to the packet after it (not for replayed flows: [`Sources::emit`]).
    #[inline]
    fn emit(&mut self) -> Emitted {
        let size = self.sizes.sample(&mut self.rng);
        let gap = self.gap(size);
        self.next_at = self.next_at.saturating_add(gap);
        self.sent(size)
    }

    /// The packet of `size` bytes just sent, numbered.
    #[inline]
    fn sent(&mut self, size: u16) -> Emitted {
        let e = Emitted {
            size,
            index: self.sent,
            tcp_seq: self.tcp_seq,
        };
        self.sent = self.sent.wrapping_add(1);
        self.tcp_seq = self
            .tcp_seq
            .wrapping_add(u32::from(size.saturating_sub(u16::from(self.headers))));
        e
    }

    /// The gap after a packet of `size` bytes.
    #[inline]
    fn gap(&mut self, size: u16) -> u64 {
        // s bytes at b bits/s take 8 s / b seconds; one packet at m/1000
        // packets/s, 10^12 / m nanoseconds.
        let num = if self.kind & BY_BITS != 0 {
            8_000_000_000 * size as u128
        } else {
            1_000_000_000_000
        };
        let den = self.per_den as u128;
        if self.kind & POISSON != 0 {
            let mean = num as f64 / den as f64;
            let u: f64 = self.rng.random();
            // Inverse transform of the exponential distribution.
            (-(1.0 - u).ln() * mean).round() as u64
        } else {
            let total = num + self.carry as u128;
            self.carry = (total % den) as u64;
            u64::try_from(total / den).unwrap_or(u64::MAX)
        }
    }
}

/// A rate's divisor and whether it is in bits per second.
fn rate_parts(rate: Rate) -> (u64, bool) {
    match rate {
        Rate::BitsPerSecond(b) => (b, true),
        Rate::MilliPacketsPerSecond(m) => (m, false),
    }
}

// One cache line per flow (see `FlowSource`).
const _: () = assert!(std::mem::size_of::<FlowSource>() == 64);
