//! Random streams: one ChaCha stream per component, derived from the
//! scenario seed and the component's name.
//!
//! A component (a flow, the VNI allocator) draws only from its own stream,
//! so adding or removing one component leaves the draws of the others
//! unchanged. Per-flow generators are small PCG-32 states seeded from the
//! flow's stream: they sit in the per-packet path, where a ChaCha state
//! (hundreds of bytes) would cost cache.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// FNV-1a, 64 bits: a stable hash of a component's name (std's hashers are
/// not stable across releases, and this value reaches the results).
pub fn component_id(name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The stream of one component.
pub fn stream(seed: u64, component: Stream<'_>) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(component_id(&component.name()));
    rng
}

/// Every random stream the scenario seed feeds, by component. Adding one
/// here is the only way to draw from the seed.
#[derive(Clone, Copy, Debug)]
pub enum Stream<'a> {
    /// A flow's arrivals and sizes (its PCG generator is seeded from it),
    /// by the flow's name.
    Traffic(&'a str),
    /// The VNIs the loader assigns to sessions that set none (SES-04).
    SessionVni,
    /// A session's per-copy jitter, by session id.
    Jitter(&'a str),
}

impl Stream<'_> {
    /// The component's name, whose FNV-1a hash is the ChaCha stream id.
    pub fn name(self) -> String {
        match self {
            Stream::Traffic(flow) => format!("traffic/{flow}"),
            Stream::SessionVni => "session-vni".to_string(),
            Stream::Jitter(session) => format!("jitter/{session}"),
        }
    }
}
