//! PKT and MTU-03: the bytes of every copy, checked field by field.

use std::collections::BTreeMap;
use std::net::IpAddr;

use etherparse::{NetSlice, SlicedPacket, TransportSlice};
use sim_core::CaptureSink;

use crate::common::*;

/// Keeps every captured frame in memory, by appliance.
#[derive(Default)]
pub struct Frames(pub BTreeMap<String, Vec<(u64, Vec<u8>)>>);

impl CaptureSink for Frames {
    fn capture(&mut self, appliance: &str, at_ns: u64, frame: &[u8]) {
        self.0
            .entry(appliance.to_string())
            .or_default()
            .push((at_ns, frame.to_vec()));
    }
}

pub fn capture(text: &str) -> (sim_core::Scenario, Frames) {
    let scenario = load(text);
    let mut frames = Frames::default();
    sim_core::run_with_capture(&scenario, &mut frames);
    (scenario, frames)
}

/// A connection's 5-tuple with its ends in a fixed order.
type ConnectionKey = (u8, (IpAddr, u16), (IpAddr, u16));

/// The outer headers of a copy, as parsed.
struct Outer {
    src: IpAddr,
    dst: IpAddr,
    sport: u16,
    dport: u16,
    ttl: u8,
    ident: u16,
    dont_fragment: bool,
    header_ok: bool,
    udp_checksum: u16,
    vxlan: [u8; 8],
    inner: Vec<u8>,
}

fn outer(frame: &[u8]) -> Outer {
    let p = SlicedPacket::from_ethernet(frame).expect("outer frame parses");
    let Some(NetSlice::Ipv4(ip)) = p.net else {
        panic!("outer IPv4")
    };
    let h = ip.header();
    let Some(TransportSlice::Udp(udp)) = p.transport else {
        panic!("outer UDP")
    };
    let payload = udp.payload();
    let mut vxlan = [0u8; 8];
    vxlan.copy_from_slice(&payload[..8]);
    let header = h.to_header();
    Outer {
        src: IpAddr::V4(h.source_addr()),
        dst: IpAddr::V4(h.destination_addr()),
        sport: udp.source_port(),
        dport: udp.destination_port(),
        ttl: h.ttl(),
        ident: h.identification(),
        dont_fragment: h.dont_fragment(),
        header_ok: header.calc_header_checksum() == h.header_checksum(),
        udp_checksum: udp.checksum(),
        vxlan,
        inner: payload[8..].to_vec(),
    }
}

/// The inner frame's IPv4 addresses, protocol and ports, read from its
/// bytes (a truncated frame may not parse as a whole packet).
fn inner_v4(frame: &[u8]) -> Option<(IpAddr, IpAddr, u8, u16, u16)> {
    if frame.len() < 34 || frame[12..14] != [0x08, 0x00] {
        return None;
    }
    let ip = |at: usize| IpAddr::from([frame[at], frame[at + 1], frame[at + 2], frame[at + 3]]);
    let l4 = 14 + usize::from(frame[14] & 0x0f) * 4;
    let port = |at: usize| {
        frame
            .get(at..at + 2)
            .map_or(0, |b| u16::from_be_bytes([b[0], b[1]]))
    };
    let proto = frame[23];
    let (sp, dp) = if proto == 6 || proto == 17 {
        (port(l4), port(l4 + 2))
    } else {
        (0, 0)
    };
    Some((ip(26), ip(30), proto, sp, dp))
}

fn vni(vxlan: &[u8; 8]) -> u32 {
    u32::from_be_bytes([0, vxlan[4], vxlan[5], vxlan[6]])
}

/// tcp-udp-split for 200 ms, plus an outbound flow and DNS both ways.
fn split() -> String {
    std::fs::read_to_string(root().join("scenarios/tcp-udp-split.ron"))
        .unwrap()
        .replace(r#"duration: "10s","#, r#"duration: "200ms","#)
}

/// Every copy of tcp-udp-split (200 ms), with its session's VNI.
fn split_copies() -> Vec<(Outer, u32)> {
    let (s, frames) = capture(&split());
    let mut out = Vec::new();
    for (appliance, list) in &frames.0 {
        let session = s
            .topology
            .sessions
            .iter()
            .find(|x| {
                s.topology
                    .target_eni(x.target)
                    .map(|e| s.topology.eni(e).id.as_str())
                    == Some(appliance)
            })
            .unwrap();
        for (_, f) in list {
            out.push((outer(f), session.virtual_network_id));
        }
    }
    assert!(out.len() > 1000, "{} copies", out.len());
    out
}

#[test]
fn pkt_01_every_copy_is_vxlan_to_udp_4789() {
    for (o, _) in split_copies() {
        assert_eq!(o.dport, 4789);
        assert_eq!(o.vxlan[0] & 0x08, 0x08, "the I flag: a VNI follows");
    }
}

#[test]
fn pkt_02_the_vxlan_vni_is_the_sessions() {
    // Appliance A's copies carry session 1's VNI, B's session 2's.
    for (o, session_vni) in split_copies() {
        assert_eq!(vni(&o.vxlan), session_vni);
    }
}

#[test]
fn pkt_06_outer_headers_are_as_aws_sends_them() {
    for (o, _) in split_copies() {
        // TTL 255, identification 0, DF clear, a valid header checksum.
        assert_eq!(
            (o.ttl, o.ident, o.dont_fragment, o.header_ok),
            (255, 0, false, true)
        );
        // Outer UDP checksum zero.
        assert_eq!(o.udp_checksum, 0);
        // VXLAN flags 0x08, every reserved bit zero.
        assert_eq!(&o.vxlan[..4], &[0x08, 0, 0, 0]);
        assert_eq!(o.vxlan[7], 0);
        // The inner frame is the original Ethernet frame: no 802.1Q tag.
        assert_ne!(&o.inner[12..14], &[0x81, 0x00]);
    }
}

/// Outer addresses of filter-examples' copies to the monitor, and whether
/// each copies a packet leaving the source (its inner source is the
/// outer one).
fn monitor_copies() -> Vec<(Outer, bool)> {
    let text = std::fs::read_to_string(root().join("scenarios/filter-examples.ron"))
        .unwrap()
        .replace(r#"duration: "10s","#, r#"duration: "1s","#);
    let (_, frames) = capture(&text);
    frames.0["eni-0c00000000000001"]
        .iter()
        .filter_map(|(_, f)| {
            let o = outer(f);
            let (inner_src, ..) = inner_v4(&o.inner)?;
            let leaving = inner_src == o.src;
            Some((o, leaving))
        })
        .collect()
}

#[test]
fn pkt_03_outer_addresses_are_the_sources_primary_ip_and_the_appliances() {
    let monitor: IpAddr = "10.20.1.100".parse().unwrap();
    let sources: [IpAddr; 2] = ["10.20.1.10".parse().unwrap(), "10.20.1.20".parse().unwrap()];
    for (o, _) in monitor_copies() {
        assert_eq!(o.dst, monitor);
        assert!(sources.contains(&o.src));
    }
}

#[test]
fn pkt_07_copies_of_inbound_and_outbound_packets_carry_the_sources_primary_ip() {
    // eni-0a's DNS queries leave it, its answers and SSH arrive: both kinds
    // of copy carry 10.20.1.10 (or eni-0b's 10.20.1.20) as outer source.
    let copies = monitor_copies();
    let leaving = copies.iter().filter(|(_, l)| *l).count();
    let arriving = copies.len() - leaving;
    assert!(
        leaving > 0 && arriving > 0,
        "{leaving} leaving, {arriving} arriving"
    );
    let sources: [IpAddr; 2] = ["10.20.1.10".parse().unwrap(), "10.20.1.20".parse().unwrap()];
    assert!(copies.iter().all(|(o, _)| sources.contains(&o.src)));
}

#[test]
fn pkt_04_the_outer_source_port_is_a_symmetric_flow_hash_in_ff80_to_ffff() {
    // tcp-udp-split's https connections are mirrored in one direction only;
    // non-local-vpc mirrors both directions of its internet connections.
    let text = std::fs::read_to_string(root().join("scenarios/non-local-vpc.ron"))
        .unwrap()
        .replace(r#"duration: "10s","#, r#"duration: "300ms","#);
    let (_, frames) = capture(&text);
    // Per unordered inner 5-tuple, the outer source ports seen.
    let mut ports: BTreeMap<ConnectionKey, std::collections::BTreeSet<u16>> = BTreeMap::new();
    for (_, f) in frames.0.values().flatten() {
        let o = outer(f);
        assert!((0xFF80..=0xFFFF).contains(&o.sport), "{:#x}", o.sport);
        let Some((src, dst, proto, sp, dp)) = inner_v4(&o.inner) else {
            continue;
        };
        let (a, b) = ((src, sp), (dst, dp));
        let key = if a <= b { (proto, a, b) } else { (proto, b, a) };
        ports.entry(key).or_default().insert(o.sport);
    }
    // Both directions of each connection share one port...
    assert!(ports.values().all(|p| p.len() == 1), "{ports:?}");
    // ... and different connections spread over the 128 values.
    let distinct: std::collections::BTreeSet<u16> = ports.values().flatten().copied().collect();
    assert!(
        ports.len() >= 5 && distinct.len() >= ports.len() / 2,
        "{} flows, {} ports",
        ports.len(),
        distinct.len()
    );
}

#[test]
fn pkt_04_copies_of_amazon_dns_answers_carry_port_ff80() {
    let text = std::fs::read_to_string(root().join("scenarios/filter-examples.ron"))
        .unwrap()
        .replace(r#"duration: "10s","#, r#"duration: "1s","#);
    let (_, frames) = capture(&text);
    let resolver: IpAddr = "10.20.0.2".parse().unwrap();
    let mut answers = 0;
    for (_, f) in &frames.0["eni-0c00000000000001"] {
        let o = outer(f);
        if inner_v4(&o.inner).is_some_and(|(src, ..)| src == resolver) {
            assert_eq!(o.sport, 0xFF80);
            answers += 1;
        }
    }
    // 10 answers a second for 1 s.
    assert_eq!(answers, 10);
}

#[test]
fn pkt_05_copies_on_the_wire_are_50_bytes_longer_than_the_packet() {
    let (s, frames) = capture(&split());
    let total: usize = frames.0.values().flatten().map(|(_, f)| f.len() - 14).sum();
    // Outer IP bytes of every delivered copy, as the report counts them.
    let r = reports::report(&s, &sim_core::run(&s));
    let delivered: u64 = r.targets.iter().map(|t| t.delivered_copy_bytes).sum();
    assert_eq!(total as u64, delivered);
    // And a whole copy of an IP packet of S bytes is S + 50 (+ 14 of outer
    // Ethernet in the capture).
    for (_, f) in frames.0.values().flatten() {
        let o = outer(f);
        if inner_v4(&o.inner).is_none() {
            continue;
        }
        let inner_ip_len = u16::from_be_bytes([o.inner[16], o.inner[17]]) as usize;
        if o.inner.len() == inner_ip_len + 14 {
            assert_eq!(f.len(), 14 + inner_ip_len + 50);
        }
    }
}

#[test]
fn mtu_03_a_truncated_copy_carries_no_computed_checksums() {
    // Appliance B (MTU 1500) cuts syslog packets over 1446 bytes: their UDP
    // checksum is zero; whole copies have a valid one.
    let (_, frames) = capture(&split());
    let (mut cut, mut whole) = (0, 0);
    for (_, f) in &frames.0["eni-0applianceb00001"] {
        let o = outer(f);
        let udp_sum = u16::from_be_bytes([o.inner[14 + 20 + 6], o.inner[14 + 20 + 7]]);
        let ip_len = u16::from_be_bytes([o.inner[16], o.inner[17]]) as usize;
        if o.inner.len() < 14 + ip_len {
            // Cut to 1500 - 54 = 1446 bytes of IP packet.
            assert_eq!(o.inner.len(), 14 + 1446);
            assert_eq!(udp_sum, 0);
            cut += 1;
        } else {
            let p = SlicedPacket::from_ethernet(&o.inner).unwrap();
            let Some(TransportSlice::Udp(u)) = p.transport else {
                panic!()
            };
            let Some(NetSlice::Ipv4(ip)) = p.net else {
                panic!()
            };
            let expected = u
                .to_header()
                .calc_checksum_ipv4(&ip.header().to_header(), u.payload())
                .unwrap();
            assert_eq!(u.checksum(), expected);
            whole += 1;
        }
    }
    assert!(cut > 0 && whole > 0, "{cut} cut, {whole} whole");
    // The guide's floor of 35 bytes (a packet length of 20 keeps 35) always
    // keeps the 20-byte IPv4 header whole (14 + 20 = 34), so its checksum
    // stays computed; the UDP checksum (bytes 40..42) is cut off.
    let text = scenario(
        "1s",
        9001,
        ACCEPT_ALL_V4,
        &session("tms-1", "tmf-all", 1, ", packet_length: 20"),
        &flow("x", "198.51.100.1", "eni-src", "Udp", "9", 10, 500),
    );
    let (_, frames) = capture(&text);
    assert_eq!(frames.0["eni-app"].len(), 10);
    for (_, f) in &frames.0["eni-app"] {
        let o = outer(f);
        assert_eq!(o.inner.len(), 35);
        assert_eq!(
            sim_core::wire::checksum(&o.inner[14..34]),
            0,
            "a valid IPv4 header sums to zero"
        );
    }
}

#[test]
fn pkt_03_behind_a_network_load_balancer_the_appliance_is_the_outer_destination() {
    // nlb-fleet for 1 s: every copy an appliance receives is addressed to
    // its own IP (the NLB rewrites the destination) and comes from the web
    // server's primary IP (a UDP target group keeps the client IP).
    let text = std::fs::read_to_string(root().join("scenarios/nlb-fleet.ron"))
        .unwrap()
        .replace(r#"duration: "60s","#, r#"duration: "1s","#);
    let (s, frames) = capture(&text);
    let webs: [IpAddr; 2] = ["10.0.1.10".parse().unwrap(), "10.0.2.10".parse().unwrap()];
    let mut seen = 0;
    for (appliance, list) in &frames.0 {
        let own = s
            .topology
            .enis
            .iter()
            .find(|e| &e.id == appliance)
            .unwrap()
            .private_ip;
        for (_, f) in list {
            let o = outer(f);
            assert_eq!(o.dst, own, "{appliance}");
            assert!(webs.contains(&o.src), "{}", o.src);
            seen += 1;
        }
    }
    assert!(seen > 1000, "{seen} copies");
}

/// FNV-1a over the inner 5-tuple with its ends ordered, as PKT-04 says,
/// folded to 7 bits above 0xFF80: an oracle written from the rule.
fn five_tuple_port(proto: u8, a: ([u8; 4], u16), b: ([u8; 4], u16)) -> u16 {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    let mut h: u32 = 0x811c_9dc5;
    let mut eat = |x: u8| {
        h ^= u32::from(x);
        h = h.wrapping_mul(0x0100_0193);
    };
    eat(proto);
    for (ip, port) in [lo, hi] {
        ip.iter().for_each(|&x| eat(x));
        port.to_be_bytes().iter().for_each(|&x| eat(x));
    }
    0xFF80 | ((h ^ (h >> 7) ^ (h >> 14) ^ (h >> 21)) & 0x7F) as u16
}

#[test]
fn pkt_08_an_icmp_copys_outer_port_is_a_five_tuple_hash_and_replies_are_echo_replies() {
    // A ping connection to eni-src, mirrored both ways: requests arrive
    // (type 8), replies leave (type 0) with the request's identifier.
    let text = scenario(
        "1s",
        9001,
        ACCEPT_ALL_V4,
        &session("tms-1", "tmf-all", 1, ""),
        r#"Connection(name: "ping", client: "198.51.100.7", server: "eni-src", protocol: Icmp,
                      request: (rate: "10pps", size: Fixed("84B")), response: (rate: "10pps", size: Fixed("84B"))),"#,
    );
    let (_, frames) = capture(&text);
    let copies = &frames.0["eni-app"];
    // 10 pps each way for 1 s.
    assert_eq!(copies.len(), 20);
    // ICMP (1) with its zero "ports", 198.51.100.7 <-> 10.0.1.10.
    let port = five_tuple_port(1, ([198, 51, 100, 7], 0), ([10, 0, 1, 10], 0));
    let mut kinds = BTreeMap::new();
    let mut idents = std::collections::BTreeSet::new();
    for (_, f) in copies {
        let o = outer(f);
        assert_eq!(o.sport, port);
        let l4 = 14 + usize::from(o.inner[14] & 0x0f) * 4;
        *kinds.entry(o.inner[l4]).or_insert(0) += 1;
        idents.insert(u16::from_be_bytes([o.inner[l4 + 4], o.inner[l4 + 5]]));
    }
    assert_eq!(kinds, BTreeMap::from([(0u8, 10), (8u8, 10)]));
    assert_eq!(idents.len(), 1, "{idents:?}");
}
