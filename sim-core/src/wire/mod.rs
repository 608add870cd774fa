//! Packet bytes, built only when a capture is asked for: the copies an
//! appliance receives, byte for byte as AWS sends them
//! (`docs/wire-format.md`).
//!
//! - [`frame`]: the synthetic original frame of a flow's packet.
//! - [`copy`]: the VXLAN copy around it (and GENEVE through a Gateway Load
//!   Balancer), with AWS's header fields and truncation.
//! - [`pcap`]: classic pcap output with nanosecond timestamps, over any
//!   writer.

pub mod copy;
pub mod frame;
pub mod pcap;

use topology::MacAddr;

/// The MAC the twin gives a subnet's VPC router: locally administered and
/// derived from the subnet's id, so it is stable. (AWS's router MAC is not
/// documented; captures show one per subnet.)
pub fn router_mac(subnet_id: &str) -> MacAddr {
    let h = crate::rng::component_id(&format!("router/{subnet_id}")).to_be_bytes();
    MacAddr([0x02, h[0], h[1], h[2], h[3], h[4]])
}

/// The RFC 1071 ones'-complement checksum of `bytes`.
pub fn checksum(bytes: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    for pair in bytes.chunks(2) {
        let word = u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]);
        sum += u32::from(word);
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}
