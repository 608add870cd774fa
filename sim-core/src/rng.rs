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
pub fn stream(seed: u64, component: &str) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(component_id(component));
    rng
}
