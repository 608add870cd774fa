//! The header summary of a packet, as the mirroring decisions see it.

use std::net::IpAddr;

/// The network layer of a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum L3 {
    /// An IPv4 or IPv6 packet (the family is that of the addresses).
    Ip,
    /// An ARP frame: the addresses are the sender's and target's protocol
    /// addresses; it has no IP protocol or ports.
    Arp,
}

/// Which way a packet crosses the ENI where it is observed.
///
/// FLT-03: a filter's ingress rules apply to packets arriving at the source
/// ENI, its egress rules to packets leaving it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    /// Arriving at the ENI (AWS `ingress`).
    Ingress,
    /// Leaving the ENI (AWS `egress`).
    Egress,
}

impl Direction {
    /// The AWS API's name (`TrafficDirection`).
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }
}

/// The fields of a packet that filters, sessions and the never-mirrored
/// rules look at. A flow is a stream of packets with one `FlowKey`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FlowKey {
    pub l3: L3,
    pub src: IpAddr,
    pub dst: IpAddr,
    /// IANA protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6); 0 for ARP.
    pub protocol: u8,
    /// Zero unless the protocol is TCP or UDP.
    pub src_port: u16,
    /// Zero unless the protocol is TCP or UDP.
    pub dst_port: u16,
}

/// PKT-05: bytes the guide adds to a packet when it decides truncation,
/// for an outer IPv4 and an outer IPv6 header.
pub const GUIDE_OVERHEAD_V4: u32 = 54;
pub const GUIDE_OVERHEAD_V6: u32 = 74;

/// IANA protocol numbers used by name in the code.
pub mod proto {
    pub const ICMP: u8 = 1;
    pub const TCP: u8 = 6;
    pub const UDP: u8 = 17;
    pub const ICMPV6: u8 = 58;
}

impl FlowKey {
    /// The same flow seen from the other end (addresses and ports swapped).
    pub fn reversed(self) -> FlowKey {
        FlowKey {
            src: self.dst,
            dst: self.src,
            src_port: self.dst_port,
            dst_port: self.src_port,
            ..self
        }
    }

    /// True for an IPv6 packet.
    pub fn is_ipv6(&self) -> bool {
        self.l3 == L3::Ip && self.src.is_ipv6()
    }

    /// True for ICMP and ICMPv6.
    pub fn is_icmp(&self) -> bool {
        self.l3 == L3::Ip && (self.protocol == proto::ICMP || self.protocol == proto::ICMPV6)
    }

    /// True when the protocol carries ports (TCP or UDP).
    pub fn has_ports(&self) -> bool {
        self.l3 == L3::Ip && (self.protocol == proto::TCP || self.protocol == proto::UDP)
    }
}

/// PKT-04 (model): the outer UDP source port of a copy: 0xFF80 plus a
/// 7-bit FNV-1a hash of the inner 5-tuple for TCP, UDP and ICMP (PKT-08:
/// ICMP's port fields are zero), of the 3-tuple for other protocols, taken
/// with its two ends in a fixed order so both directions of a connection
/// share one port, as a real capture shows.
pub fn outer_source_port(k: &FlowKey) -> u16 {
    let a = (k.src, k.src_port);
    let b = (k.dst, k.dst_port);
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    let mut h: u32 = 0x811c_9dc5;
    let mut eat = |bytes: &[u8]| {
        for &x in bytes {
            h ^= u32::from(x);
            h = h.wrapping_mul(0x0100_0193);
        }
    };
    eat(&[k.protocol]);
    for (ip, port) in [lo, hi] {
        match ip {
            std::net::IpAddr::V4(v) => eat(&v.octets()),
            std::net::IpAddr::V6(v) => eat(&v.octets()),
        }
        if k.has_ports() || k.is_icmp() {
            eat(&port.to_be_bytes());
        }
    }
    0xFF80 | ((h ^ (h >> 7) ^ (h >> 14) ^ (h >> 21)) & 0x7F) as u16
}
