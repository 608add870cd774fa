//! Traffic sources: the flows of a scenario and how their packets are
//! timed and sized.
//!
//! - [`FlowPlan`]: one resolved one-way stream of packets (a scenario
//!   `Flow`, or one direction of a `Connection`).
//! - [`sizes`]: packet size models.
//! - [`source`]: the per-flow generator the engine steps, packet by packet.
//! - [`capture_file`]: reading a pcap or pcapng, streamed and checked.
//! - [`replay`]: a capture taken at an ENI, classified to replay it.

pub mod capture_file;
pub mod flow_logs;
pub mod replay;
pub mod sizes;
pub mod source;

use topology::{EniIdx, FlowKey};

pub use sizes::PacketSizes;
pub use source::{Emitted, Sources};

use crate::units::Rate;

/// How packets of a flow are spaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrivals {
    Constant,
    Poisson,
}

/// One one-way stream of packets, resolved against the topology.
#[derive(Clone, Debug, PartialEq)]
pub struct FlowPlan {
    /// Unique name, for reports and for the flow's random stream.
    pub name: String,
    pub key: FlowKey,
    /// The ENI the packets leave, when the sender is in the scenario.
    pub from_eni: Option<EniIdx>,
    /// The ENI the packets arrive at, when the receiver is in the scenario.
    pub to_eni: Option<EniIdx>,
    /// Whether these are a connection's responses (stateful security groups
    /// let them in, SRC-05).
    pub reply: bool,
    /// A flow log's REJECT record at the receiving ENI: its security group
    /// or network ACL dropped the packets, so they are never mirrored
    /// (SRC-05), whatever the scenario's rules say.
    pub rejected_at_source: bool,
    pub rate: Rate,
    pub sizes: PacketSizes,
    pub arrivals: Arrivals,
    /// Simulated nanoseconds of the first packet and of the end (exclusive).
    pub start_ns: u64,
    pub end_ns: u64,
    /// `(k, n)`: a constant-rate stream starts k/n of its packet gap late.
    /// Copy j of a flow declared with `count: c` has k = 2j of n = 2c, a
    /// connection's responses k = 2j + 1: c connections do not send in
    /// lockstep, nor a response at the instant of its request (which would
    /// make bursts no real traffic has).
    pub stagger: (u32, u32),
    /// Seed of the flow's own generator, drawn from its component stream.
    pub rng_seed: u64,
    /// A replayed capture's packets for this flow, instead of a model.
    pub replay: Option<ReplayedFlow>,
}

/// One packet of a capture, as a flow replays it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplayedPacket {
    /// Time from the replay's start, already sped up.
    pub at_ns: u64,
    /// IP packet length (from its header, even when the capture cut it).
    pub size: u16,
    /// The frame's number in the capture.
    pub frame: u32,
}

/// The packets of one flow of a replayed capture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplayedFlow {
    /// The capture (index into the scenario's captures).
    pub capture: u32,
    pub packets: Vec<ReplayedPacket>,
    /// How long one play of the capture lasts, and how many plays.
    pub period_ns: u64,
    pub loops: u32,
}

impl FlowPlan {
    /// The most bits per second the flow can ask at `rate`: its rate, or
    /// its packet rate at its largest packet size.
    pub fn peak_bps(&self, rate: Rate) -> u64 {
        match rate {
            Rate::BitsPerSecond(b) => b,
            Rate::MilliPacketsPerSecond(m) => {
                let (_, large) = self.sizes.bounds();
                (u128::from(m) * u128::from(large) * 8 / 1000).min(u128::from(u64::MAX)) as u64
            }
        }
    }
}
