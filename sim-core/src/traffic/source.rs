//! The per-flow packet generator that the engine steps.

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg32;

use super::{Arrivals, FlowPlan, PacketSizes};
use crate::units::Rate;

/// The hot state of one flow: when its next packet is due and how to draw
/// the one after. Small on purpose; it is touched on every packet.
#[derive(Clone, Debug)]
pub struct FlowSource {
    /// Simulated time of the next packet, in nanoseconds.
    pub next_at: u64,
    /// The flow sends no packet at or after this time.
    pub end_at: u64,
    /// Remainder of the exact gap, so constant arrivals never drift.
    carry: u64,
    /// The gap after a packet of `s` bytes is
    /// `(per_byte * s + per_packet) / per_den` nanoseconds.
    per_byte: u64,
    per_packet: u64,
    per_den: u64,
    sizes: PacketSizes,
    poisson: bool,
    rng: Pcg32,
    /// Packets sent so far (a packet's number in its flow).
    sent: u32,
    /// TCP sequence number of the next packet's first byte.
    tcp_seq: u32,
    /// Bytes of headers before a packet's payload (for `tcp_seq`).
    headers: u16,
    /// A replayed capture's packets (times and sizes), when replaying.
    replay: Option<Box<Replayer>>,
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
    pub fn new(plan: &FlowPlan) -> FlowSource {
        let (per_byte, per_packet, per_den) = match plan.rate {
            // s bytes at b bits/s take 8 s / b seconds.
            Rate::BitsPerSecond(b) => (8_000_000_000, 0, b),
            // one packet at m/1000 packets/s every 10^12 / m nanoseconds.
            Rate::MilliPacketsPerSecond(m) => (0, 1_000_000_000_000, m),
        };
        let mut source = FlowSource {
            next_at: plan.start_ns,
            end_at: plan.end_ns,
            carry: 0,
            per_byte,
            per_packet,
            per_den,
            sizes: plan.sizes,
            poisson: plan.arrivals == Arrivals::Poisson,
            rng: Pcg32::seed_from_u64(plan.rng_seed),
            sent: 0,
            tcp_seq: (plan.rng_seed >> 32) as u32,
            headers: crate::wire::frame::header_len(&plan.key) as u16,
            replay: plan.replay.as_ref().map(|r| {
                Box::new(Replayer {
                    packets: r.packets.iter().map(|p| (p.at_ns, p.size)).collect(),
                    start_ns: plan.start_ns,
                    period_ns: r.period_ns,
                    loops: r.loops,
                    next: 0,
                    play: 0,
                })
            }),
        };
        if let Some(r) = &source.replay {
            source.next_at = r.due().unwrap_or(u64::MAX);
            return source;
        }
        let (k, n) = plan.stagger;
        if !source.poisson && k > 0 && n > 1 {
            // Spread over one gap of a packet of the model's middle size;
            // the carry starts at zero, so the stream stays exact.
            let (small, large) = plan.sizes.bounds();
            let mid = ((u32::from(small) + u32::from(large)) / 2) as u16;
            let gap = source.gap(mid);
            source.carry = 0;
            let offset = (u128::from(gap) * u128::from(k) / u128::from(n)) as u64;
            source.next_at = source.next_at.saturating_add(offset);
        }
        if source.poisson {
            // A Poisson process has no packet pinned at its start: the first
            // arrives one exponential gap in, at the mean gap of a packet of
            // the model's smallest size.
            let (small, _) = plan.sizes.bounds();
            let gap = source.gap(small);
            source.next_at = source.next_at.saturating_add(gap);
        }
        source
    }

    /// Changes the rate from the next packet on.
    pub fn set_rate(&mut self, rate: Rate) {
        let (per_byte, per_packet, per_den) = match rate {
            Rate::BitsPerSecond(b) => (8_000_000_000, 0, b),
            Rate::MilliPacketsPerSecond(m) => (0, 1_000_000_000_000, m),
        };
        self.per_byte = per_byte;
        self.per_packet = per_packet;
        self.per_den = per_den;
        self.carry = 0;
    }

    /// Stops the flow: it sends nothing at or after `now`.
    pub fn stop(&mut self, now: u64) {
        self.end_at = self.end_at.min(now);
    }

    /// Draws the size of the packet due at `next_at` and moves `next_at` on
    /// to the packet after it.
    #[inline]
    pub fn emit(&mut self) -> Emitted {
        let size = match &mut self.replay {
            None => {
                let size = self.sizes.sample(&mut self.rng);
                let gap = self.gap(size);
                self.next_at = self.next_at.saturating_add(gap);
                size
            }
            Some(r) => {
                let size = r.packets.get(r.next).map_or(0, |p| p.1);
                r.next += 1;
                if r.next == r.packets.len() {
                    r.next = 0;
                    r.play += 1;
                }
                self.next_at = r.due().unwrap_or(u64::MAX);
                size
            }
        };
        let e = Emitted {
            size,
            index: self.sent,
            tcp_seq: self.tcp_seq,
        };
        self.sent = self.sent.wrapping_add(1);
        self.tcp_seq = self
            .tcp_seq
            .wrapping_add(u32::from(size.saturating_sub(self.headers)));
        e
    }

    /// The gap after a packet of `size` bytes.
    #[inline]
    fn gap(&mut self, size: u16) -> u64 {
        let num = self.per_byte as u128 * size as u128 + self.per_packet as u128;
        let den = self.per_den as u128;
        if self.poisson {
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
