//! `sim explain`: one packet's fate, step by step, for packets that meet
//! each kind of outcome; expectations worked out from the scenarios' texts.

use std::process::Command;

use sim_core::explain::{Explanation, Mark, explain, parse_packet};
use sim_core::units::Duration;

use crate::common::*;

fn why(scenario: &str, packet: &str, at: &str) -> Explanation {
    let run = load_file(&root().join("scenarios").join(scenario), scenario).unwrap();
    let q = parse_packet(packet).unwrap();
    explain(&run.scenario, &q, at.parse::<Duration>().unwrap()).unwrap()
}

fn stops(x: &Explanation) -> Vec<&str> {
    x.steps
        .iter()
        .filter(|s| s.mark == Mark::Stop)
        .map(|s| s.what.as_str())
        .collect()
}

#[test]
fn a_packet_to_instance_metadata_is_never_mirrored() {
    let x = why(
        "tcp-udp-split.ron",
        "tcp 10.0.1.10:40000 -> 169.254.169.254:80 egress at eni-0web000000000001",
        "0s",
    );
    assert_eq!(
        (x.outcome, x.reason),
        ("not_mirrored", "never_mirrored_instance_metadata")
    );
    assert_eq!(stops(&x), ["never mirrored"]);
}

#[test]
fn the_first_session_with_a_matching_rule_decides() {
    // SCN-02: UDP matches no rule of session 1 (TCP only), so session 2's
    // UDP rule mirrors it to appliance B, whose MTU is 1500: an 8000-byte
    // packet keeps 1500 - 54 = 1446 IP bytes, 1460 with the inner
    // Ethernet header, 1460 + 36 = 1496 as an outer IP packet (MTU-01).
    let x = why(
        "tcp-udp-split.ron",
        "udp 203.0.113.9:4000 -> 10.0.1.10:514 ingress at eni-0web000000000001 size 8000B",
        "1s",
    );
    assert_eq!((x.outcome, x.reason), ("delivered", "truncated_mtu"));
    let copy = x.steps.iter().find(|s| s.what == "copy").unwrap();
    assert!(
        copy.detail.starts_with("keeps 1460 of the 8014-byte frame"),
        "{}",
        copy.detail
    );
    assert!(
        copy.detail.contains("1496 bytes as an outer IP packet"),
        "{}",
        copy.detail
    );
    let t = x.steps.iter().find(|s| s.what == "target").unwrap();
    assert!(
        t.detail.starts_with("appliance eni-0applianceb00001"),
        "{}",
        t.detail
    );
    // ICMP matches neither filter.
    let x = why(
        "tcp-udp-split.ron",
        "icmp 192.0.2.44 -> 10.0.1.10 ingress at eni-0web000000000001",
        "1s",
    );
    assert_eq!((x.outcome, x.reason), ("not_mirrored", "no_rule_matched"));
}

#[test]
fn a_reject_rule_stops_the_packet() {
    // Filter (a): rule 10 rejects SSH from 203.0.113.0/24 to 10.20.0.0/16.
    let x = why(
        "filter-examples.ron",
        "tcp 203.0.113.25:50000 -> 10.20.1.10:22 ingress at eni-0a00000000000001",
        "0s",
    );
    assert_eq!((x.outcome, x.reason), ("not_mirrored", "filter_reject"));
    assert_eq!(stops(&x), ["  rule 10"]);
    // The same from elsewhere passes rule 10 and meets rule 20.
    let x = why(
        "filter-examples.ron",
        "tcp 198.51.100.25:50000 -> 10.20.1.10:22 ingress at eni-0a00000000000001",
        "0s",
    );
    assert_eq!((x.outcome, x.reason), ("delivered", "whole"));
}

#[test]
fn the_source_security_group_drops_what_is_never_mirrored() {
    // peering-cross-vpc: the web server admits HTTPS and UDP 514 only.
    let x = why(
        "peering-cross-vpc.ron",
        "tcp 192.0.2.66:50000 -> 10.0.1.10:22 ingress at eni-0web000000000001",
        "0s",
    );
    assert_eq!(
        (x.outcome, x.reason),
        ("not_mirrored", "dropped_by_source_sg")
    );
}

#[test]
fn copies_over_a_peering_never_accepted_stop_there() {
    // Session 2 (UDP) sends to the lab VPC over a peering never accepted.
    let x = why(
        "peering-cross-vpc.ron",
        "udp 203.0.113.9:4000 -> 10.0.1.10:514 ingress at eni-0web000000000001 size 500B",
        "0s",
    );
    assert_eq!((x.outcome, x.reason), ("dropped", "peering_not_active"));
    assert_eq!(stops(&x), ["path"]);
}

#[test]
fn the_load_balancers_choice_follows_the_timeline() {
    // nlb-fleet: web-a (us-east-1a) sends to the us-east-1a node; cross-zone
    // is off. The us-east-1a appliances fail at 20 s, cross-zone comes on at
    // 40 s.
    let p = "tcp 198.51.100.3:40000 -> 10.0.1.10:443 ingress at eni-0weba00000001";
    let appliance = |x: &Explanation| {
        x.steps
            .iter()
            .find(|s| s.what == "load balancer" && s.mark == Mark::Pass)
            .map(|s| s.detail.clone())
            .unwrap()
    };
    let x = why("nlb-fleet.ron", p, "5s");
    assert_eq!(x.outcome, "delivered");
    assert!(
        appliance(&x).ends_with("in us-east-1a"),
        "{}",
        appliance(&x)
    );
    // At 25 s the us-east-1a appliances are down, and the NLB has not
    // noticed: its checks at 20 s and 30 s must fail first (LB-01).
    let x = why("nlb-fleet.ron", p, "25s");
    assert_eq!((x.outcome, x.reason), ("dropped", "appliance_down"));
    let fleet = |x: &Explanation| {
        x.steps
            .iter()
            .find(|s| s.what == "load balancer" && s.mark == Mark::Note)
            .unwrap()
            .detail
            .clone()
    };
    assert!(
        fleet(&x).starts_with(
            "node in us-east-1a (the source's zone); cross-zone off; 2 of the 2 appliances it may send to are healthy"
        ),
        "{}",
        fleet(&x)
    );
    // At 35 s it knows: none of its zone is healthy, and it fails open
    // (LB-02) to the two that are down.
    let x = why("nlb-fleet.ron", p, "35s");
    assert_eq!((x.outcome, x.reason), ("dropped", "appliance_down"));
    assert!(fleet(&x).contains("0 of the 2 appliances"), "{}", fleet(&x));
    assert!(fleet(&x).contains("fails open"), "{}", fleet(&x));
    let x = why("nlb-fleet.ron", p, "45s");
    assert_eq!(x.outcome, "delivered");
    assert!(
        appliance(&x).ends_with("in us-east-1b"),
        "{}",
        appliance(&x)
    );
}

#[test]
fn a_source_over_its_budget_says_how_many_copies_it_skips() {
    // over-budget's busy instance: 1 - 6 / 8.267 = 27.4 % of copies skipped.
    let x = why(
        "over-budget.ron",
        "tcp 198.51.100.3:40000 -> 10.0.1.10:443 ingress at eni-0busy0000000001",
        "1s",
    );
    assert_eq!(x.outcome, "delivered");
    let c = x.caveat.as_deref().unwrap();
    assert!(
        c.starts_with("or skipped: 27.3") || c.starts_with("or skipped: 27.4"),
        "{c}"
    );
}

#[test]
fn sim_explain_prints_the_steps_and_refuses_bad_packets_with_exit_2() {
    let sim = |packet: &str| {
        Command::new(env!("CARGO_BIN_EXE_sim"))
            .args([
                "explain",
                "scenarios/tcp-udp-split.ron",
                "--at",
                "2s",
                "--packet",
                packet,
            ])
            .current_dir(root())
            .output()
            .unwrap()
    };
    let o = sim("tcp 198.51.100.7:51000 -> 10.0.1.10:443 ingress at eni-0web000000000001");
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.starts_with("Packet tcp 198.51.100.7:51000 -> 10.0.1.10:443 ingress at eni-0web000000000001 size 1500B\nAt 2s\n"), "{out}");
    assert!(out.contains("Outcome: delivered (whole)"), "{out}");
    for (bad, says) in [
        (
            "tcp 198.51.100.7 -> 10.0.1.10:443 ingress at eni-0web000000000001",
            "TCP and UDP need a port",
        ),
        (
            "tcp 198.51.100.7:1 -> 10.0.1.10:443 sideways at eni-0web000000000001",
            "not a direction",
        ),
        (
            "tcp 198.51.100.7:1 -> 10.0.1.10:443 ingress at eni-0nope",
            "no network interface `eni-0nope`",
        ),
        (
            "tcp 198.51.100.7:1 -> 10.0.1.10:443 ingress at eni-0db0000000000001",
            "the source of no traffic mirror session",
        ),
        (
            "gre 1.2.3.4 -> 10.0.1.10 ingress at eni-0web000000000001",
            "not a protocol",
        ),
        (
            "tcp 1.2.3.4:1 -> 10.0.1.10:443 ingress at eni-0web000000000001 size 2B",
            "20 to 9001 bytes",
        ),
    ] {
        let o = sim(bad);
        assert_eq!(o.status.code(), Some(2), "{bad}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(says), "{bad}: {err}");
        assert!(o.stdout.is_empty());
    }
}

#[test]
fn a_packet_spec_reads_ipv6_and_round_trips() {
    let q = parse_packet(
        "tcp [2001:db8::7]:443 -> [2600:1f14::20]:51000 egress at eni-1 size 9001B reply",
    )
    .unwrap();
    assert_eq!(q.size, 9001);
    assert!(q.reply);
    assert_eq!(parse_packet(&q.to_string()).unwrap(), q);
}

#[test]
fn sim_explain_speaks_json_for_scripts() {
    let o = Command::new(env!("CARGO_BIN_EXE_sim"))
        .args([
            "explain",
            "scenarios/nlb-fleet.ron",
            "--at",
            "25s",
            "--format",
            "json",
            "--packet",
            "tcp 198.51.100.3:40000 -> 10.0.1.10:443 ingress at eni-0weba00000001",
        ])
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["at_ns"], 25_000_000_000u64);
    assert_eq!(
        (j["outcome"].as_str(), j["reason"].as_str()),
        (Some("dropped"), Some("appliance_down"))
    );
    let last = j["steps"].as_array().unwrap().last().unwrap();
    assert_eq!(
        (last["mark"].as_str(), last["what"].as_str()),
        (Some("stop"), Some("appliance"))
    );
}
