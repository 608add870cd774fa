//! MTU: truncation at a standalone appliance.

use crate::common::*;

#[test]
fn mtu_01_a_copy_over_the_targets_mtu_is_truncated_to_it() {
    // Target MTU 1500: a packet of S bytes is cut when S + 54 > 1500, so
    // 1446 bytes pass whole and 1447 are cut to 1500 - 54 = 1446.
    let traffic = [
        flow("fits", "eni-peer", "eni-src", "Udp", "9000", 100, 1446),
        flow("over", "eni-peer", "eni-src", "Udp", "9001", 100, 1447),
    ]
    .concat();
    let r = run_text(&scenario(
        "10s",
        1500,
        ACCEPT_ALL_V4,
        &session("tms-1", "tmf-all", 1, ""),
        &traffic,
    ))
    .report;
    assert_eq!(at_source(&r, "eni-src", "ingress", "whole"), 1000);
    assert_eq!(at_source(&r, "eni-src", "ingress", "truncated_mtu"), 1000);
    let t = &r.targets[0];
    assert_eq!(t.categories.truncated.packets, 1000);
    // Both copies carry 1446 bytes of IP packet: 1446 + 14 + 36 = 1496 bytes.
    assert_eq!(t.delivered_copy_bytes, 2000 * 1496);
}

#[test]
fn mtu_02_largest_packet_delivered_whole_to_a_9001_mtu_target_is_8947() {
    // 8947 + 54 = 9001: not over the MTU. 8996 + 54 = 9050: cut to 8947.
    let traffic = [
        flow("8947", "eni-peer", "eni-src", "Tcp", "9000", 100, 8947),
        flow("8948", "eni-peer", "eni-src", "Tcp", "9001", 100, 8948),
        flow("8996", "eni-peer", "eni-src", "Tcp", "9002", 100, 8996),
    ]
    .concat();
    let r = run_text(&scenario(
        "10s",
        9001,
        ACCEPT_ALL_V4,
        &session("tms-1", "tmf-all", 1, ""),
        &traffic,
    ))
    .report;
    assert_eq!(at_source(&r, "eni-src", "ingress", "whole"), 1000);
    assert_eq!(at_source(&r, "eni-src", "ingress", "truncated_mtu"), 2000);
    // Every copy holds 8947 bytes of IP packet: 8947 + 50 = 8997 bytes.
    assert_eq!(r.targets[0].delivered_copy_bytes, 3000 * 8997);
}

#[test]
fn mtu_04_check_warns_when_the_source_mtu_plus_54_exceeds_the_targets() {
    let warnings = |app_mtu: u16| {
        let text = scenario(
            "1s",
            app_mtu,
            ACCEPT_ALL_V4,
            &session("tms-1", "tmf-all", 1, ""),
            "",
        );
        sim_core::load("t.ron", &text, &Default::default())
            .unwrap()
            .warnings
            .into_iter()
            .filter(|w| w.code == "MtuMismatch")
            .collect::<Vec<_>>()
    };
    // Source MTU 9001 (the default) and target 9001: 9001 + 54 > 9001.
    let w = warnings(9001);
    assert_eq!(w.len(), 1);
    assert!(w[0].help.as_deref().unwrap().contains("8947"));
    // A source at 1500 against a target at 1554 = 1500 + 54: no warning.
    let text = scenario(
        "1s",
        1554,
        ACCEPT_ALL_V4,
        &session("tms-1", "tmf-all", 1, ""),
        "",
    )
    .replace(
        r#"ipv6_address: "2600:1f18::10")"#,
        r#"ipv6_address: "2600:1f18::10", mtu: 1500)"#,
    );
    let loaded = sim_core::load("t.ron", &text, &Default::default()).unwrap();
    assert!(loaded.warnings.iter().all(|w| w.code != "MtuMismatch"));
    // At 1553 it warns.
    let text = text.replace("mtu: 1554", "mtu: 1553");
    let loaded = sim_core::load("t.ron", &text, &Default::default()).unwrap();
    assert!(loaded.warnings.iter().any(|w| w.code == "MtuMismatch"));
}

#[test]
fn mtu_04_the_warning_waits_for_traffic_that_can_be_cut() {
    // Target MTU 1500: packets over 1500 - 54 = 1446 bytes are cut. A
    // source carrying nothing larger than 1446 gets no warning; one byte
    // more and it does.
    let warns = |size: u32| {
        let text = scenario(
            "1s",
            1500,
            ACCEPT_ALL_V4,
            &session("tms-1", "tmf-all", 1, ""),
            &flow("x", "198.51.100.1", "eni-src", "Udp", "514", 10, size),
        );
        sim_core::load("t.ron", &text, &Default::default())
            .unwrap()
            .warnings
            .iter()
            .any(|w| w.code == "MtuMismatch")
    };
    assert!(!warns(1446));
    assert!(warns(1447));
}
