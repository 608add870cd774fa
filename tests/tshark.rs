//! Interoperation with a real decoder: tshark reads the pcaps `sim run
//! --pcap` writes. CI installs tshark (`.ci/run`), so there these tests
//! always run; on a machine without it they say so and do nothing.

use std::path::Path;
use std::process::Command;

use crate::common::*;

/// tshark's path, or `None` (and a note) when it is missing outside CI.
fn tshark() -> Option<&'static str> {
    let found = Command::new("tshark")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return Some("tshark");
    }
    if std::env::var_os("CI").is_some() {
        panic!("tshark is not installed, and CI must run the interoperation tests");
    }
    eprintln!("tshark not installed: interoperation test skipped (CI installs it and runs it)");
    None
}

/// Runs `sim run` with `--pcap` on a scenario for `duration`; returns the
/// output directory.
fn pcaps(scenario: &str, duration: &str) -> tempfile::TempDir {
    sim_run_out(scenario, duration, &["--pcap"])
}

/// tshark's fields, one line per frame; application dissectors are off:
/// the payloads are synthetic, the encapsulation is what is checked.
fn fields(pcap: &Path, names: &[&str], filter: Option<&str>) -> Vec<Vec<String>> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r")
        .arg(pcap)
        .args(["-T", "fields", "-E", "separator=|"]);
    cmd.args([
        "--disable-protocol",
        "dns,syslog,snmp,http,tls,isakmp,pgsql",
    ]);
    if let Some(f) = filter {
        cmd.args(["-Y", f]);
    }
    for n in names {
        cmd.args(["-e", n]);
    }
    let o = cmd.output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| l.split('|').map(str::to_string).collect())
        .collect()
}

#[test]
fn tshark_decodes_vxlan_copies_as_aws_sends_them() {
    let Some(_) = tshark() else { return };
    let out = pcaps("scenarios/tcp-udp-split.ron", "200ms");
    let s = load(&std::fs::read_to_string(root().join("scenarios/tcp-udp-split.ron")).unwrap());
    let vni = |i: usize| s.topology.sessions[i].virtual_network_id.to_string();
    for (file, session) in [
        ("eni-0appliancea00001.pcap", 0),
        ("eni-0applianceb00001.pcap", 1),
    ] {
        let pcap = out.path().join("pcap").join(file);
        let rows = fields(
            &pcap,
            &[
                "udp.dstport",
                "vxlan.flag_i",
                "vxlan.vni",
                "ip.src",
                "ip.dst",
                "ip.ttl",
                "ip.proto",
                "udp.checksum",
            ],
            None,
        );
        assert!(rows.len() > 100, "{file}: {} frames", rows.len());
        for r in &rows {
            // Nested fields come outer first: the outer UDP to 4789.
            assert!(r[0].starts_with("4789"), "{r:?}");
            assert_eq!(r[1], "1");
            assert_eq!(r[2], vni(session));
            assert!(
                r[3].starts_with("10.0.1.10,"),
                "outer source: the web ENI: {r:?}"
            );
            assert!(
                r[4].ends_with(",10.0.1.10"),
                "inner destination: the web ENI: {r:?}"
            );
            assert!(r[5].starts_with("255,"), "outer TTL 255: {r:?}");
            // Inner protocols: appliance A gets TCP, B gets UDP.
            let inner = r[6].split(',').nth(1).unwrap();
            assert_eq!(inner, if session == 0 { "6" } else { "17" });
            assert!(r[7].starts_with("0x0000"), "outer UDP checksum zero: {r:?}");
        }
        // Malformed only where the copy was cut (appliance B's MTU).
        let malformed = fields(&pcap, &["frame.len"], Some("_ws.malformed"));
        for m in &malformed {
            assert_eq!(
                m[0], "1510",
                "only copies cut to 1446 bytes of packet: {m:?}"
            );
        }
    }
}

#[test]
fn tshark_decodes_geneve_around_vxlan_from_a_gateway_load_balancer() {
    let Some(_) = tshark() else { return };
    let out = pcaps("scenarios/gwlb-spokes.ron", "100ms");
    let pcap = out.path().join("pcap").join("eni-0appliancea0001.pcap");
    let rows = fields(
        &pcap,
        &[
            "udp.dstport",
            "geneve.version",
            "geneve.vni",
            "geneve.option.class",
            "vxlan.flag_i",
            "ip.src",
        ],
        None,
    );
    assert!(rows.len() > 100, "{} frames", rows.len());
    for r in &rows {
        assert!(
            r[0].starts_with("6081,4789"),
            "GENEVE outside, VXLAN inside: {r:?}"
        );
        assert_eq!(r[1], "0");
        assert!(r[2] == "0" || r[2] == "0x000000", "VNI 0: {r:?}");
        assert_eq!(r[3], "0x0108,0x0108,0x0108", "three AWS options: {r:?}");
        assert_eq!(r[4], "1");
        // GWLB node, then the spoke source, then the inner client.
        let ips: Vec<&str> = r[5].split(',').collect();
        assert_eq!(ips[1], "10.1.1.10", "{r:?}");
    }
}

#[test]
fn tshark_reads_back_a_replayed_capture() {
    let Some(_) = tshark() else { return };
    let out = pcaps("scenarios/replay-web.ron", "1s");
    let pcap = out.path().join("pcap").join("eni-0sensor00000001.pcap");
    let o = Command::new("tshark")
        .arg("-r")
        .arg(&pcap)
        .args([
            "-T",
            "fields",
            "-E",
            "separator=|",
            "-e",
            "vxlan.vni",
            "-e",
            "ip.src",
            "-e",
            "http.request.uri",
        ])
        .output()
        .unwrap();
    assert!(o.status.success());
    let text = String::from_utf8(o.stdout).unwrap();
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split('|').collect()).collect();
    // 30 copies: 10 mirrored frames a play, three plays.
    assert_eq!(rows.len(), 30);
    assert!(
        rows.iter()
            .all(|r| r[0] == "4242" && r[1].starts_with("10.0.1.10,"))
    );
    // The captured HTTP request, inside VXLAN: tshark dissects the first
    // (the next plays repeat its sequence numbers: retransmissions to
    // Wireshark), and its bytes are there once a play.
    assert_eq!(rows.iter().filter(|r| r[2] == "/index.html").count(), 1);
    let o = Command::new("tshark")
        .arg("-r")
        .arg(&pcap)
        .args([
            "-Y",
            "frame contains \"GET /index.html\"",
            "-T",
            "fields",
            "-e",
            "frame.number",
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(o.stdout).unwrap().lines().count(), 3);
}

#[test]
fn tshark_shows_appliances_behind_an_nlb_addressed_by_their_own_ip() {
    let Some(_) = tshark() else { return };
    // PKT-03 (corrected): the NLB rewrites the outer destination to the
    // appliance; the outer source stays the web server's ENI.
    let out = pcaps("scenarios/nlb-fleet.ron", "200ms");
    let mut files = 0;
    for (file, own) in [
        ("eni-0idsa100000001.pcap", "10.0.11.21"),
        ("eni-0idsa200000001.pcap", "10.0.11.22"),
        ("eni-0idsb100000001.pcap", "10.0.12.21"),
        ("eni-0idsb200000001.pcap", "10.0.12.22"),
    ] {
        let pcap = out.path().join("pcap").join(file);
        if !pcap.exists() {
            continue;
        }
        files += 1;
        for r in fields(&pcap, &["ip.src", "ip.dst", "udp.dstport"], None) {
            assert!(r[1].starts_with(&format!("{own},")), "{file}: {r:?}");
            assert!(
                r[0].starts_with("10.0.1.10,") || r[0].starts_with("10.0.2.10,"),
                "{file}: {r:?}"
            );
            assert!(r[2].starts_with("4789"), "{r:?}");
        }
    }
    assert!(files >= 2, "{files} appliance captures");
}
