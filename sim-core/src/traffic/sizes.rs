//! Packet size models. Sizes are IP packet lengths, header included.

use rand::RngExt;
use rand_pcg::Pcg32;

/// How a flow's packet sizes are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PacketSizes {
    Fixed(u16),
    /// Uniform over `lo..=hi`.
    Uniform {
        lo: u16,
        hi: u16,
    },
    /// Simple IMIX: `small`, 576 and 1500 bytes in the ratio 7:4:1. `small`
    /// is 40 over IPv4 and 60 over IPv6 (the smallest TCP packet).
    Imix {
        small: u16,
    },
}

impl PacketSizes {
    /// The smallest and largest size the model can produce.
    pub fn bounds(&self) -> (u16, u16) {
        match *self {
            PacketSizes::Fixed(s) => (s, s),
            PacketSizes::Uniform { lo, hi } => (lo, hi),
            PacketSizes::Imix { small } => (small, 1500),
        }
    }

    #[inline]
    pub fn sample(&self, rng: &mut Pcg32) -> u16 {
        match *self {
            PacketSizes::Fixed(s) => s,
            PacketSizes::Uniform { lo, hi } => rng.random_range(lo..=hi),
            PacketSizes::Imix { small } => match rng.random_range(0u32..12) {
                0..7 => small,
                7..11 => 576,
                _ => 1500,
            },
        }
    }
}
