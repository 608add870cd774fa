//! The copy an appliance receives: outer Ethernet, IPv4 (or IPv6), UDP to
//! 4789, VXLAN, then the original frame, cut to the kept length; through a
//! Gateway Load Balancer, all of that again inside GENEVE.

use std::net::IpAddr;

use topology::MacAddr;

use super::checksum;

/// VXLAN's UDP port (PKT-01) and GENEVE's.
pub const VXLAN_PORT: u16 = 4789;
pub const GENEVE_PORT: u16 = 6081;
/// AWS's GENEVE option class.
pub const AWS_OPTION_CLASS: u16 = 0x0108;

/// The GENEVE wrapping a Gateway Load Balancer adds (TGT-10).
#[derive(Clone, Copy, Debug)]
pub struct Geneve {
    pub node_mac: MacAddr,
    pub node_ip: IpAddr,
    pub appliance_ip: IpAddr,
    pub source_port: u16,
    /// The endpoint's id (the `vpce-` id's hex digits).
    pub endpoint_id: u64,
    pub attachment_id: u64,
    pub flow_cookie: u32,
}

/// Everything a copy's bytes depend on.
#[derive(Clone, Copy)]
pub struct Copy<'a> {
    /// The appliance's MAC, and the sender's on the outer frame (the VPC
    /// router's).
    pub dst_mac: MacAddr,
    pub src_mac: MacAddr,
    /// PKT-03, PKT-07: the source ENI's primary IP; the appliance's, the
    /// load balancer node's or the endpoint's.
    pub src_ip: IpAddr,
    pub dst_ip: IpAddr,
    /// PKT-04: the symmetric flow hash.
    pub source_port: u16,
    /// PKT-02: the session's VNI.
    pub vni: u32,
    /// The original frame's length, whole.
    pub frame_len: usize,
    /// How much of it the copy keeps.
    pub kept: usize,
    pub geneve: Option<Geneve>,
    /// Appends the original frame, cut to `kept` bytes.
    pub write_frame: &'a dyn Fn(&mut Vec<u8>),
}

fn ipv4_header(out: &mut Vec<u8>, src: [u8; 4], dst: [u8; 4], payload: usize) {
    let start = out.len();
    let total = (20 + payload) as u16;
    // PKT-06: version 4, IHL 5, TOS 0, identification 0, DF clear, TTL 255,
    // UDP, a valid checksum.
    out.extend_from_slice(&[0x45, 0x00]);
    out.extend_from_slice(&total.to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0, 255, 17, 0, 0]);
    out.extend_from_slice(&src);
    out.extend_from_slice(&dst);
    let sum = checksum(&out[start..start + 20]);
    out[start + 10..start + 12].copy_from_slice(&sum.to_be_bytes());
}

fn ipv6_header(out: &mut Vec<u8>, src: [u8; 16], dst: [u8; 16], payload: usize) {
    out.extend_from_slice(&[0x60, 0, 0, 0]);
    out.extend_from_slice(&(payload as u16).to_be_bytes());
    out.extend_from_slice(&[17, 255]);
    out.extend_from_slice(&src);
    out.extend_from_slice(&dst);
}

/// Outer IP + UDP (checksum 0) around `payload` bytes.
fn ip_udp(out: &mut Vec<u8>, src: IpAddr, dst: IpAddr, sport: u16, dport: u16, payload: usize) {
    let udp_len = 8 + payload;
    match (src, dst) {
        (IpAddr::V6(s), IpAddr::V6(d)) => ipv6_header(out, s.octets(), d.octets(), udp_len),
        (s, d) => ipv4_header(out, v4(s), v4(d), udp_len),
    }
    out.extend_from_slice(&sport.to_be_bytes());
    out.extend_from_slice(&dport.to_be_bytes());
    out.extend_from_slice(&(udp_len as u16).to_be_bytes());
    out.extend_from_slice(&[0, 0]);
}

fn v4(ip: IpAddr) -> [u8; 4] {
    match ip {
        IpAddr::V4(v) => v.octets(),
        IpAddr::V6(v) => v.to_ipv4_mapped().map_or([0; 4], |v| v.octets()),
    }
}

fn ethernet(out: &mut Vec<u8>, dst: MacAddr, src: MacAddr, ipv6: bool) {
    out.extend_from_slice(&dst.0);
    out.extend_from_slice(&src.0);
    out.extend_from_slice(if ipv6 { &[0x86, 0xdd] } else { &[0x08, 0x00] });
}

/// MTU-03: a truncated copy carries no computed L4 checksum, and no L3
/// checksum when the IP header itself was cut: those fields are zero.
fn clear_checksums(frame: &mut [u8], whole: usize) {
    let kept = frame.len();
    if kept >= whole || kept < 14 {
        return;
    }
    let ether = u16::from_be_bytes([frame[12], frame[13]]);
    let (l4, proto) = match ether {
        0x0800 if kept > 14 => {
            let ihl = usize::from(frame[14] & 0x0f) * 4;
            if kept < 14 + ihl && kept >= 14 + 12 {
                frame[24..26].copy_from_slice(&[0, 0]);
            }
            (14 + ihl, frame.get(14 + 9).copied())
        }
        0x86dd => (14 + 40, frame.get(14 + 6).copied()),
        _ => return,
    };
    let field = match proto {
        Some(6) => l4 + 16,
        Some(17) => l4 + 6,
        Some(1) | Some(58) => l4 + 2,
        _ => return,
    };
    if field + 2 <= kept {
        frame[field..field + 2].copy_from_slice(&[0, 0]);
    }
}

/// Writes the copy's frame, as the appliance's capture shows it, into
/// `out` (cleared first).
pub fn build(c: &Copy<'_>, out: &mut Vec<u8>) {
    out.clear();
    let kept = c.kept.min(c.frame_len);
    let v6 = c.src_ip.is_ipv6() && c.dst_ip.is_ipv6();
    // The VXLAN packet: outer IP, UDP, VXLAN header, the kept frame.
    let vxlan_payload = 8 + kept;
    let vxlan = |out: &mut Vec<u8>| {
        ip_udp(
            out,
            c.src_ip,
            c.dst_ip,
            c.source_port,
            VXLAN_PORT,
            vxlan_payload,
        );
        // PKT-06: flags 0x08 (I), every reserved bit zero.
        out.extend_from_slice(&[0x08, 0, 0, 0]);
        let vni = c.vni & 0x00ff_ffff;
        out.extend_from_slice(&[(vni >> 16) as u8, (vni >> 8) as u8, vni as u8, 0]);
        let start = out.len();
        (c.write_frame)(out);
        clear_checksums(&mut out[start..], c.frame_len);
    };
    match c.geneve {
        None => {
            ethernet(out, c.dst_mac, c.src_mac, v6);
            vxlan(out);
        }
        Some(g) => {
            // TGT-10: the GWLB node sends the whole VXLAN packet (from its
            // outer IP header on) to the appliance inside GENEVE.
            ethernet(out, c.dst_mac, g.node_mac, false);
            let inner_ip = if v6 { 40 } else { 20 } + 8 + vxlan_payload;
            ip_udp(
                out,
                g.node_ip,
                g.appliance_ip,
                g.source_port,
                GENEVE_PORT,
                8 + 32 + inner_ip,
            );
            let protocol: [u8; 2] = if v6 { [0x86, 0xdd] } else { [0x08, 0x00] };
            out.extend_from_slice(&[0x08, 0x00, protocol[0], protocol[1], 0, 0, 0, 0]);
            let class = AWS_OPTION_CLASS.to_be_bytes();
            out.extend_from_slice(&[class[0], class[1], 0x01, 0x02]);
            out.extend_from_slice(&g.endpoint_id.to_be_bytes());
            out.extend_from_slice(&[class[0], class[1], 0x02, 0x02]);
            out.extend_from_slice(&g.attachment_id.to_be_bytes());
            out.extend_from_slice(&[class[0], class[1], 0x03, 0x01]);
            out.extend_from_slice(&g.flow_cookie.to_be_bytes());
            vxlan(out);
        }
    }
}

/// The 64-bit id in a `vpce-` id's hex digits (its last 16).
pub fn endpoint_id(vpce: &str) -> u64 {
    let hex: String = vpce
        .trim_start_matches("vpce-")
        .chars()
        .filter(|c| c.is_ascii_hexdigit())
        .collect();
    let tail = &hex[hex.len().saturating_sub(16)..];
    u64::from_str_radix(tail, 16).unwrap_or_else(|_| crate::rng::component_id(vpce))
}
