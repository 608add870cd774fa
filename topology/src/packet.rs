//! The header summary of a packet, as the mirroring decisions see it.

use std::net::IpAddr;

/// The network layer of a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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

    /// True when the protocol carries ports (TCP or UDP).
    pub fn has_ports(&self) -> bool {
        self.l3 == L3::Ip && (self.protocol == proto::TCP || self.protocol == proto::UDP)
    }
}
