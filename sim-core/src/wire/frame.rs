//! The original frame of a synthetic packet: Ethernet, IP, and TCP, UDP or
//! ICMP with valid checksums, and payload bytes from the seed.
//!
//! Built straight into the copy's buffer, only as far as the copy keeps
//! it: payloads are slices of one random buffer drawn from the scenario's
//! seed, whose 16-bit prefix sums make every transport checksum a
//! subtraction. Capturing every copy costs little more than writing it.

use std::net::IpAddr;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
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
    /// where its payload starts).
    pub index: u32,
    /// The flow's seed.
    pub seed: u64,
    /// The packet answers a connection the receiver opened (an ICMP echo
    /// reply rather than a request).
    pub reply: bool,
}

/// The ICMP echo identifier of a connection: the same both ways, so a
/// reply carries its request's identifier.
fn icmp_identifier(k: &FlowKey) -> u16 {
    let (lo, hi) = if k.src <= k.dst {
        (k.src, k.dst)
    } else {
        (k.dst, k.src)
    };
    let mut h: u32 = 0x811c_9dc5;
    let mut eat = |bytes: &[u8]| {
        for &x in bytes {
            h ^= u32::from(x);
            h = h.wrapping_mul(0x0100_0193);
        }
    };
    for ip in [lo, hi] {
        match ip {
            IpAddr::V4(v) => eat(&v.octets()),
            IpAddr::V6(v) => eat(&v.octets()),
        }
    }
    (h ^ (h >> 16)) as u16
}

/// Bytes of IP and transport headers before the payload.
pub fn header_len(key: &FlowKey) -> usize {
    let ip = if key.is_ipv6() { 40 } else { 20 };
    ip + l4_len(key.protocol)
}

fn l4_len(protocol: u8) -> usize {
    match protocol {
        proto::TCP => 20,
        proto::UDP | proto::ICMP | proto::ICMPV6 => 8,
        _ => 0,
    }
}

/// Random payload bytes and their prefix sums.
pub struct Payloads {
    bytes: Vec<u8>,
    /// `sums[i]`: the sum of the first `i` big-endian 16-bit words.
    sums: Vec<u64>,
}

/// Distinct payload start positions (even, so word sums line up).
const STARTS: u64 = 32_768;

impl Payloads {
    pub fn new(seed: u64) -> Payloads {
        let len = (STARTS as usize) * 2 + 9_216;
        let mut bytes = vec![0u8; len];
        ChaCha8Rng::seed_from_u64(seed ^ 0x7061_796c_6f61_6473).fill_bytes(&mut bytes);
        let mut sums = Vec::with_capacity(len / 2 + 1);
        let mut acc = 0u64;
        sums.push(0);
        for w in bytes.chunks_exact(2) {
            acc += u64::from(u16::from_be_bytes([w[0], w[1]]));
            sums.push(acc);
        }
        Payloads { bytes, sums }
    }

    /// A packet's payload: where it starts, and its bytes.
    fn slice(&self, seed: u64, index: u32, len: usize) -> (usize, &[u8]) {
        let start =
            ((seed.wrapping_add(u64::from(index).wrapping_mul(7_919))) % STARTS) as usize * 2;
        let len = len.min(self.bytes.len() - start);
        (start, &self.bytes[start..start + len])
    }

    /// The ones'-complement sum of a slice that starts at an even offset.
    fn sum(&self, start: usize, len: usize) -> u64 {
        let words = len / 2;
        let mut s = self.sums[start / 2 + words] - self.sums[start / 2];
        if len % 2 == 1 {
            s += u64::from(self.bytes[start + len - 1]) << 8;
        }
        s
    }
}

fn fold(mut s: u64) -> u16 {
    while s > 0xffff {
        s = (s & 0xffff) + (s >> 16);
    }
    !(s as u16)
}

fn add_bytes(s: &mut u64, b: &[u8]) {
    for w in b.chunks(2) {
        *s += u64::from(u16::from_be_bytes([w[0], *w.get(1).unwrap_or(&0)]));
    }
}

/// Appends the frame to `out`, cut to `kept` bytes (the whole frame when
/// `kept` is larger). Checksums are those of the whole packet; the caller
/// clears what a truncated copy does not compute (MTU-03).
pub fn write(p: &FramePacket<'_>, payloads: &Payloads, kept: usize, out: &mut Vec<u8>) {
    let k = p.key;
    let start = out.len();
    let v6 = k.is_ipv6();
    let l4 = l4_len(k.protocol);
    let payload_len = usize::from(p.size).saturating_sub(header_len(k));
    let (pstart, payload) = payloads.slice(p.seed, p.index, payload_len);
    // Ethernet.
    out.extend_from_slice(&p.dst_mac.0);
    out.extend_from_slice(&p.src_mac.0);
    out.extend_from_slice(if v6 { &[0x86, 0xdd] } else { &[0x08, 0x00] });
    // IP, and the pseudo-header sum for the transport checksum.
    let l4_total = l4 + payload.len();
    let mut pseudo = 0u64;
    match (k.src, k.dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            let ip = out.len();
            let total = (20 + l4_total) as u16;
            out.extend_from_slice(&[0x45, 0]);
            out.extend_from_slice(&total.to_be_bytes());
            out.extend_from_slice(&(p.index as u16).to_be_bytes());
            out.extend_from_slice(&[0x40, 0, 64, k.protocol, 0, 0]);
            out.extend_from_slice(&s.octets());
            out.extend_from_slice(&d.octets());
            let sum = super::checksum(&out[ip..ip + 20]);
            out[ip + 10..ip + 12].copy_from_slice(&sum.to_be_bytes());
            add_bytes(&mut pseudo, &s.octets());
            add_bytes(&mut pseudo, &d.octets());
            pseudo += u64::from(k.protocol) + l4_total as u64;
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            out.extend_from_slice(&[0x60, 0, 0, 0]);
            out.extend_from_slice(&(l4_total as u16).to_be_bytes());
            out.extend_from_slice(&[k.protocol, 64]);
            out.extend_from_slice(&s.octets());
            out.extend_from_slice(&d.octets());
            add_bytes(&mut pseudo, &s.octets());
            add_bytes(&mut pseudo, &d.octets());
            pseudo += u64::from(k.protocol) + l4_total as u64;
        }
        _ => return,
    }
    // Transport header, checksum last.
    let t = out.len();
    let checksum_at = match k.protocol {
        proto::TCP => {
            out.extend_from_slice(&k.src_port.to_be_bytes());
            out.extend_from_slice(&k.dst_port.to_be_bytes());
            out.extend_from_slice(&p.tcp_seq.to_be_bytes());
            out.extend_from_slice(&p.tcp_seq.rotate_left(16).to_be_bytes());
            // Data offset 5 words; ACK and PSH; window 65535.
            out.extend_from_slice(&[0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0]);
            Some(t + 16)
        }
        proto::UDP => {
            out.extend_from_slice(&k.src_port.to_be_bytes());
            out.extend_from_slice(&k.dst_port.to_be_bytes());
            out.extend_from_slice(&(l4_total as u16).to_be_bytes());
            out.extend_from_slice(&[0, 0]);
            Some(t + 6)
        }
        proto::ICMP | proto::ICMPV6 => {
            // Echo request, or echo reply answering one (type 0; 129 for
            // ICMPv6), with the connection's identifier. ICMP (v4) has no
            // pseudo-header.
            let kind = match (k.protocol == proto::ICMP, p.reply) {
                (true, false) => 8,
                (true, true) => 0,
                (false, false) => 128,
                (false, true) => 129,
            };
            out.extend_from_slice(&[kind, 0, 0, 0]);
            out.extend_from_slice(&icmp_identifier(k).to_be_bytes());
            out.extend_from_slice(&(p.index as u16).to_be_bytes());
            if k.protocol == proto::ICMP {
                pseudo = 0;
            }
            Some(t + 2)
        }
        _ => None,
    };
    if let Some(at) = checksum_at {
        let mut s = pseudo + payloads.sum(pstart, payload.len());
        add_bytes(&mut s, &out[t..t + l4]);
        let mut sum = fold(s);
        if sum == 0 && k.protocol == proto::UDP {
            sum = 0xffff;
        }
        out[at..at + 2].copy_from_slice(&sum.to_be_bytes());
    }
    // Only as much payload as the copy keeps.
    let room = (start + kept).saturating_sub(out.len()).min(payload.len());
    out.extend_from_slice(&payload[..room]);
    out.truncate(start + kept);
}
