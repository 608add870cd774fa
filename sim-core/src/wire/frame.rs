//! The original frame of a synthetic packet: Ethernet, IP, and TCP, UDP or
//! ICMP with valid checksums, and payload bytes drawn from the seed.

use std::net::IpAddr;

use etherparse::{IpNumber, PacketBuilder};
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg32;
use topology::packet::proto;
use topology::{FlowKey, MacAddr};

/// One packet of a flow, as its frame is built.
#[derive(Clone, Copy, Debug)]
pub struct FramePacket<'a> {
    pub key: &'a FlowKey,
    pub src_mac: MacAddr,
    pub dst_mac: MacAddr,
    /// IP packet length.
    pub size: u16,
    /// TCP sequence number.
    pub tcp_seq: u32,
    /// The packet's number in its flow (IP identification, ICMP sequence,
    /// payload seed).
    pub index: u32,
    /// The flow's payload seed.
    pub seed: u64,
}

/// Bytes of IP and transport headers before the payload.
pub fn header_len(key: &FlowKey) -> usize {
    let ip = if key.is_ipv6() { 40 } else { 20 };
    ip + match key.protocol {
        proto::TCP => 20,
        proto::UDP | proto::ICMP | proto::ICMPV6 => 8,
        _ => 0,
    }
}

/// Writes the whole frame into `out` (cleared first); `payload` is scratch
/// space, reused so that building frames allocates nothing once warm.
pub fn build(p: &FramePacket<'_>, out: &mut Vec<u8>, payload: &mut Vec<u8>) {
    out.clear();
    let k = p.key;
    let len = usize::from(p.size).saturating_sub(header_len(k));
    payload.clear();
    payload.resize(len, 0);
    let mut rng = Pcg32::seed_from_u64(p.seed ^ (u64::from(p.index) << 20));
    rng.fill_bytes(payload);
    let eth = PacketBuilder::ethernet2(p.src_mac.0, p.dst_mac.0);
    let ip = match (k.src, k.dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => eth.ipv4(s.octets(), d.octets(), 64),
        (IpAddr::V6(s), IpAddr::V6(d)) => eth.ipv6(s.octets(), d.octets(), 64),
        _ => return,
    };
    let ok = match k.protocol {
        proto::TCP => ip
            .tcp(k.src_port, k.dst_port, p.tcp_seq, 65_535)
            .ack(p.tcp_seq.rotate_left(16))
            .psh()
            .write(out, payload)
            .is_ok(),
        proto::UDP => ip.udp(k.src_port, k.dst_port).write(out, payload).is_ok(),
        proto::ICMP => ip
            .icmpv4_echo_request(p.seed as u16, p.index as u16)
            .write(out, payload)
            .is_ok(),
        proto::ICMPV6 => ip
            .icmpv6_echo_request(p.seed as u16, p.index as u16)
            .write(out, payload)
            .is_ok(),
        n => ip.write(out, IpNumber(n), payload).is_ok(),
    };
    if !ok {
        out.clear();
    }
    // IPv4 identification: the packet's number, for readable captures.
    if k.src.is_ipv4() && out.len() >= 14 + 20 {
        out[18..20].copy_from_slice(&(p.index as u16).to_be_bytes());
        out[24..26].copy_from_slice(&[0, 0]);
        let sum = super::checksum(&out[14..34]);
        out[24..26].copy_from_slice(&sum.to_be_bytes());
    }
}
