//! Replaying a capture taken at an ENI (issue: real packets in).

use crate::behaviours::wire::Frames;
use crate::common::*;

fn replay_text() -> String {
    std::fs::read_to_string(root().join("scenarios/replay-web.ron")).unwrap()
}

/// Loads the replay scenario with `capture` standing for its pcap.
fn load_with_capture(
    text: &str,
    capture: Vec<u8>,
) -> Result<sim_core::Loaded, sim_core::ScenarioError> {
    let read = move |_: &str| Ok(capture.clone().into());
    sim_core::load_with("replay.ron", text, &Default::default(), &read)
}

fn capture_bytes() -> Vec<u8> {
    std::fs::read(root().join("scenarios/captures/web-server.pcap")).unwrap()
}

#[test]
fn replay_classifies_frames_by_the_enis_mac_and_address() {
    let r = run_scenario("replay-web.ron").report;
    let rp = &r.replays[0];
    // 15 frames: LLDP is not IP (unreadable), one frame is between two
    // other hosts, one was cut by the snap length (still replayed).
    assert_eq!(
        (rp.frames, rp.replayed, rp.unparsed, rp.not_at_eni),
        (15, 13, 1, 1)
    );
    assert_eq!(rp.cut_by_snaplen, 1);
    assert!(!rp.truncated_end);
    // Three plays of 13 frames.
    assert_eq!(r.totals.generated.packets, 39);
    // Per play: 7 TCP and UDP frames in (SYN, ACK, request, ACK, syslog, the
    // cut segment, FIN) and 3 TCP out (SYN-ACK, response, FIN) mirrored; DNS
    // both ways (no amazon-dns service) and ARP not.
    assert_eq!(
        at_source(&r, "eni-0web000000000001", "ingress", "whole"),
        21
    );
    assert_eq!(at_source(&r, "eni-0web000000000001", "egress", "whole"), 9);
    assert_eq!(
        at_source(
            &r,
            "eni-0web000000000001",
            "ingress",
            "amazon_dns_not_enabled"
        ),
        3
    );
    assert_eq!(
        at_source(&r, "eni-0web000000000001", "ingress", "never_mirrored_arp"),
        3
    );
}

#[test]
fn decapsulated_copies_give_back_the_captured_frames_byte_for_byte() {
    let loaded = load_file(&root().join("scenarios/replay-web.ron"), "replay.ron").unwrap();
    let s = loaded.scenario;
    let mut frames = Frames::default();
    sim_core::run_with_capture(&s, &mut frames);
    let capture = &s.captures[0];
    let input: Vec<&[u8]> = (0..capture.frames.len() as u32)
        .map(|f| capture.frame_bytes(f))
        .collect();
    let copies = &frames.0["eni-0sensor00000001"];
    assert_eq!(copies.len(), 30);
    for (_, f) in copies {
        // Outer Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8.
        let inner = &f[50..];
        assert_eq!(
            &f[14 + 20 + 8 + 4..14 + 20 + 8 + 7],
            &[0x00, 0x10, 0x92],
            "VNI 4242"
        );
        assert!(
            input.iter().any(|i| i == &inner),
            "every inner frame is a captured frame, whole ({} bytes)",
            inner.len()
        );
    }
    // Copies arrive in capture order, 2x fast, one play after another.
    let times: Vec<u64> = copies.iter().map(|(t, _)| *t).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn a_replayed_frame_over_the_packet_length_arrives_cut() {
    let text = replay_text().replace(
        "virtual_network_id: 4242)",
        "virtual_network_id: 4242, packet_length: 100)",
    );
    let loaded = load_with_capture(&text, capture_bytes()).unwrap();
    let s = loaded.scenario;
    let mut frames = Frames::default();
    sim_core::run_with_capture(&s, &mut frames);
    let input: Vec<&[u8]> = (0..s.captures[0].frames.len() as u32)
        .map(|f| s.captures[0].frame_bytes(f))
        .collect();
    for (_, f) in &frames.0["eni-0sensor00000001"] {
        let inner = &f[50..];
        assert!(inner.len() <= 100);
        // The first bytes of a captured frame (checksums of cut copies
        // aside, MTU-03).
        assert!(
            input
                .iter()
                .any(|i| i.len() >= inner.len() && i[..12] == inner[..12])
        );
    }
}

#[test]
fn a_capture_cut_short_replays_what_it_holds_and_says_so() {
    let mut bytes = capture_bytes();
    bytes.truncate(bytes.len() - 30);
    let loaded = load_with_capture(&replay_text(), bytes).unwrap();
    let r = reports::report(&loaded.scenario, &sim_core::run(&loaded.scenario));
    let rp = &r.replays[0];
    assert!(rp.truncated_end);
    // The last frame (54 bytes) lost its end: 14 frames remain.
    assert_eq!(rp.frames, 14);
}

#[test]
fn bad_captures_are_refused_clearly() {
    let refused = |bytes: Vec<u8>| {
        let err = load_with_capture(&replay_text(), bytes).unwrap_err();
        err.errors().next().unwrap().message.clone()
    };
    assert!(refused(b"this is not a capture at all".to_vec()).contains("not a pcap file"));
    let mut pcapng = vec![0x0a, 0x0d, 0x0d, 0x0a]; // a damaged pcapng
    pcapng.extend_from_slice(&[0; 40]);
    assert!(refused(pcapng).contains("pcapng"));
    // Link type 101 (raw IP).
    let mut raw = capture_bytes();
    raw[20..24].copy_from_slice(&101u32.to_le_bytes());
    assert!(refused(raw).contains("not supported"));
    // An absurd record length: refused, never allocated.
    let mut absurd = capture_bytes();
    absurd[24 + 8..24 + 12].copy_from_slice(&u32::MAX.to_le_bytes());
    let m = refused(absurd);
    assert!(m.contains("damaged") || m.contains("not a pcap"), "{m}");
    // A missing file.
    let err = sim_core::load_with("r.ron", &replay_text(), &Default::default(), &|_| {
        Err("no such file".into())
    })
    .unwrap_err();
    assert!(
        err.errors()
            .next()
            .unwrap()
            .message
            .contains("cannot read captures/web-server.pcap")
    );
}

/// Where each record of a classic little-endian pcap starts.
fn record_offsets(pcap: &[u8]) -> Vec<usize> {
    let mut at = 24;
    let mut v = Vec::new();
    while at + 16 <= pcap.len() {
        v.push(at);
        let incl = u32::from_le_bytes(pcap[at + 8..at + 12].try_into().unwrap());
        at += 16 + incl as usize;
    }
    v
}

#[test]
fn timestamps_that_wrap_or_jump_are_skipped_and_counted() {
    // The last frame's seconds wrap to 0 and the tenth jumps two days on:
    // both are before the first frame or far after the one before, so
    // they are skipped and counted, and the other 13 keep their times.
    let mut bytes = capture_bytes();
    let records = record_offsets(&bytes);
    assert_eq!(records.len(), 15);
    let last = records[14];
    bytes[last..last + 4].copy_from_slice(&0u32.to_le_bytes());
    let tenth = records[9];
    let secs = u32::from_le_bytes(bytes[tenth..tenth + 4].try_into().unwrap());
    bytes[tenth..tenth + 4].copy_from_slice(&(secs + 2 * 86_400).to_le_bytes());
    let loaded = load_with_capture(&replay_text(), bytes).unwrap();
    let r = reports::report(&loaded.scenario, &sim_core::run(&loaded.scenario));
    let rp = &r.replays[0];
    assert_eq!(
        (rp.frames, rp.bad_timestamp, rp.reordered_in_time),
        (15, 2, 0)
    );
    assert_eq!(
        rp.replayed + rp.unparsed + rp.not_at_eni + rp.bad_timestamp,
        15
    );
    // A frame slightly before the one ahead of it plays at that frame's
    // time: counted, not skipped.
    let mut bytes = capture_bytes();
    let records = record_offsets(&bytes);
    let (prev, this) = (records[5], records[6]);
    // The capture counts nanoseconds (magic a1b23c4d): seconds, then ns.
    const NS: u64 = 1_000_000_000;
    let stamp = |b: &[u8], at: usize| {
        u64::from(u32::from_le_bytes(b[at..at + 4].try_into().unwrap())) * NS
            + u64::from(u32::from_le_bytes(b[at + 4..at + 8].try_into().unwrap()))
    };
    // Frames are 2 ms apart from 2 ms: the seventh (14 ms) moves to 5 ms
    // before the sixth (12 ms), still after the first.
    let early = stamp(&bytes, prev) - 5_000_000;
    bytes[this..this + 4].copy_from_slice(&((early / NS) as u32).to_le_bytes());
    bytes[this + 4..this + 8].copy_from_slice(&((early % NS) as u32).to_le_bytes());
    let loaded = load_with_capture(&replay_text(), bytes).unwrap();
    let r = reports::report(&loaded.scenario, &sim_core::run(&loaded.scenario));
    let rp = &r.replays[0];
    assert_eq!((rp.bad_timestamp, rp.reordered_in_time), (0, 1));
    assert_eq!(rp.replayed, 13);
}

#[test]
fn a_pcapng_whose_timestamps_wrap_skips_those_frames() {
    // Blocks: section header, interface description, then 15 Enhanced
    // Packet Blocks. The last one's timestamp (high and low words, 12..20
    // into the block) is set to 0: before the first frame, so skipped, and
    // the period stays that of the 14 others.
    let mut ng = as_pcapng(6);
    let mut at = 0;
    let mut blocks = Vec::new();
    while at + 8 <= ng.len() {
        blocks.push(at);
        at += u32::from_le_bytes(ng[at + 4..at + 8].try_into().unwrap()) as usize;
    }
    assert_eq!(blocks.len(), 17);
    let last = blocks[16];
    ng[last + 12..last + 20].copy_from_slice(&[0; 8]);
    let loaded = load_with_capture(&replay_text(), ng).unwrap();
    let r = reports::report(&loaded.scenario, &sim_core::run(&loaded.scenario));
    let rp = &r.replays[0];
    assert_eq!((rp.frames, rp.bad_timestamp), (15, 1));
    assert_eq!(
        rp.replayed + rp.unparsed + rp.not_at_eni + rp.bad_timestamp,
        15
    );
}

#[test]
fn a_pcapng_block_that_claims_4_gib_is_refused() {
    let mut ng = as_pcapng(6);
    // The Section Header Block's length is at 4..8; the next block (the
    // interface description) starts after it, its length 4 bytes in.
    let shb = u32::from_le_bytes(ng[4..8].try_into().unwrap()) as usize;
    let idb = u32::from_le_bytes(ng[shb + 4..shb + 8].try_into().unwrap()) as usize;
    let epb = shb + idb;
    ng[epb + 4..epb + 8].copy_from_slice(&0xFFFF_FFFCu32.to_le_bytes());
    let err = load_with_capture(&replay_text(), ng).unwrap_err();
    let m = &err.errors().next().unwrap().message;
    assert!(
        m.contains("block 3 is damaged: it claims 4294967292 bytes"),
        "{m}"
    );
}

#[test]
fn mutated_captures_never_panic() {
    let base = capture_bytes();
    let mut state = 17u64;
    for _ in 0..500 {
        let mut b = base.clone();
        for _ in 0..3 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let at = (state >> 33) as usize % b.len();
            b[at] = (state >> 17) as u8;
        }
        if let Ok(l) = load_with_capture(&replay_text(), b) {
            let _ = sim_core::run(&l.scenario);
        }
    }
}

/// The committed capture rewritten as a pcapng whose interface counts time
/// in 10^-`resolution` seconds.
pub fn as_pcapng(resolution: u8) -> Vec<u8> {
    use pcap_file::pcapng::PcapNgWriter;
    use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
    use pcap_file::pcapng::blocks::interface_description::{
        InterfaceDescriptionBlock, InterfaceDescriptionOption,
    };
    let bytes = capture_bytes();
    let mut reader = pcap_file::pcap::PcapReader::new(&bytes[..]).unwrap();
    let snaplen = reader.header().snaplen;
    let mut w = PcapNgWriter::new(Vec::new()).unwrap();
    w.write_pcapng_block(InterfaceDescriptionBlock {
        linktype: pcap_file::DataLink::ETHERNET,
        snaplen,
        options: vec![InterfaceDescriptionOption::IfTsResol(resolution)],
    })
    .unwrap();
    while let Some(p) = reader.next_packet() {
        let p = p.unwrap();
        // pcap-file writes the raw count it is given as "nanoseconds".
        let units = p.timestamp.as_nanos() / 10u128.pow(9 - u32::from(resolution));
        w.write_pcapng_block(EnhancedPacketBlock {
            interface_id: 0,
            timestamp: std::time::Duration::from_nanos(units as u64),
            original_len: p.orig_len,
            data: p.data,
            options: vec![],
        })
        .unwrap();
    }
    w.into_inner()
}

#[test]
fn a_pcapng_capture_replays_as_its_classic_pcap_does() {
    let classic = run_scenario("replay-web.ron").report;
    for resolution in [6, 9] {
        let loaded = load_with_capture(&replay_text(), as_pcapng(resolution)).unwrap();
        let r = reports::report(&loaded.scenario, &sim_core::run(&loaded.scenario));
        // The same 15 frames, classified alike, with the same outcomes (the
        // capture's times are whole microseconds, so both resolutions keep
        // them exactly).
        assert_eq!(r.replays[0].frames, 15);
        assert_eq!(
            (
                r.replays[0].replayed,
                r.replays[0].unparsed,
                r.replays[0].cut_by_snaplen
            ),
            (13, 1, 1)
        );
        assert_eq!(r.totals, classic.totals, "resolution 10^-{resolution}");
        assert_eq!(r.sources, classic.sources, "resolution 10^-{resolution}");
    }
    // Cut short: what it holds replays, and it says so.
    let mut cut = as_pcapng(6);
    cut.truncate(cut.len() - 10);
    let loaded = load_with_capture(&replay_text(), cut).unwrap();
    let r = reports::report(&loaded.scenario, &sim_core::run(&loaded.scenario));
    assert!(r.replays[0].truncated_end);
    assert_eq!(r.replays[0].frames, 14);
}
