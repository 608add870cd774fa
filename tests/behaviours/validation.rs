//! The API rules a scenario file can break, refused as the EC2 API would.

use crate::common::*;

/// Loads `text`, expects it refused, and returns (code, field, line) of the
/// first error.
fn refused(text: &str) -> (&'static str, String, usize) {
    let err = sim_core::load("t.ron", text, &Default::default()).unwrap_err();
    let p = err.errors().next().expect("an error");
    (p.code, p.field.clone().unwrap_or_default(), p.position.line)
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .expect("needle")
        + 1
}

#[test]
fn flt_04_a_port_range_needs_tcp_or_udp() {
    let f = r#"Filter(id: "tmf-icmp", ingress_filter_rules: [
        Rule(rule_number: 1, rule_action: Accept, protocol: 1,
             destination_port_range: (from_port: 0, to_port: 8),
             source_cidr_block: "0.0.0.0/0", destination_cidr_block: "0.0.0.0/0")]),"#;
    let text = scenario("1s", 9001, f, &session("tms-1", "tmf-icmp", 1, ""), "");
    let (code, field, line) = refused(&text);
    assert_eq!(
        (code, field.as_str()),
        ("InvalidParameterCombination", "destination_port_range")
    );
    assert_eq!(line, line_of(&text, "destination_port_range"));
}

#[test]
fn flt_04_rule_numbers_are_unique_per_direction() {
    let f = r#"Filter(id: "tmf-dup",
        ingress_filter_rules: [
            Rule(rule_number: 5, rule_action: Accept, source_cidr_block: "0.0.0.0/0", destination_cidr_block: "0.0.0.0/0"),
            Rule(rule_number: 5, rule_action: Reject, source_cidr_block: "0.0.0.0/0", destination_cidr_block: "0.0.0.0/0")],
        egress_filter_rules: [
            Rule(rule_number: 5, rule_action: Accept, source_cidr_block: "0.0.0.0/0", destination_cidr_block: "0.0.0.0/0")]),"#;
    let text = scenario("1s", 9001, f, &session("tms-1", "tmf-dup", 1, ""), "");
    let err = sim_core::load("t.ron", &text, &Default::default()).unwrap_err();
    // Only the second ingress rule 5 clashes; egress has its own numbers.
    let errors: Vec<_> = err.errors().collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].code, "TrafficMirrorFilterRuleAlreadyExists");
    assert_eq!(
        errors[0].position.line,
        line_of(&text, "rule_action: Reject")
    );
}

#[test]
fn flt_07_a_filter_holds_at_most_10_rules() {
    let rule = |n: u32| {
        format!(
            r#"Rule(rule_number: {n}, rule_action: Accept, source_cidr_block: "0.0.0.0/0", destination_cidr_block: "0.0.0.0/0"),"#
        )
    };
    let ten: String = (1..=10).map(rule).collect();
    let ok = format!(r#"Filter(id: "tmf-10", ingress_filter_rules: [{ten}]),"#);
    assert!(
        sim_core::load(
            "t.ron",
            &scenario("1s", 9001, &ok, "", ""),
            &Default::default()
        )
        .is_ok()
    );
    // 10 + 1 = 11 rules: over the quota, whichever direction holds them.
    let over = format!(
        r#"Filter(id: "tmf-11", ingress_filter_rules: [{ten}], egress_filter_rules: [{}]),"#,
        rule(1)
    );
    let (code, _, _) = refused(&scenario("1s", 9001, &over, "", ""));
    assert_eq!(code, "TrafficMirrorFilterRuleLimitExceeded");
}

#[test]
fn ses_01_session_numbers_run_from_1_to_32766() {
    for n in [0, 32767] {
        let text = scenario(
            "1s",
            9001,
            ACCEPT_ALL_V4,
            &session("tms-1", "tmf-all", n, ""),
            "",
        );
        let (code, field, line) = refused(&text);
        assert_eq!(
            (code, field.as_str()),
            ("InvalidParameterValue", "session_number")
        );
        assert_eq!(line, line_of(&text, "session_number"));
    }
    for n in [1, 32766] {
        let text = scenario(
            "1s",
            9001,
            ACCEPT_ALL_V4,
            &session("tms-1", "tmf-all", n, ""),
            "",
        );
        assert!(sim_core::load("t.ron", &text, &Default::default()).is_ok());
    }
}

#[test]
fn ses_01_a_session_refers_to_an_existing_source_target_and_filter() {
    let s = r#"Session(id: "tms-x", network_interface_id: "eni-nope", traffic_mirror_target_id: "tmt-nope",
        traffic_mirror_filter_id: "tmf-nope", session_number: 1),"#;
    let text = scenario("1s", 9001, ACCEPT_ALL_V4, s, "");
    let err = sim_core::load("t.ron", &text, &Default::default()).unwrap_err();
    let codes: Vec<&str> = err.errors().map(|p| p.code).collect();
    assert_eq!(
        codes,
        vec![
            "InvalidNetworkInterfaceID.NotFound",
            "InvalidTrafficMirrorTargetId.NotFound",
            "InvalidTrafficMirrorFilterId.NotFound"
        ]
    );
}

#[test]
fn ses_03_at_most_3_sessions_per_source() {
    let sessions: String = (1..=4)
        .map(|n| session(&format!("tms-{n}"), "tmf-all", n, ""))
        .collect();
    let text = scenario("1s", 9001, ACCEPT_ALL_V4, &sessions, "");
    let err = sim_core::load("t.ron", &text, &Default::default()).unwrap_err();
    let p = err.errors().next().unwrap();
    assert_eq!(p.code, "TrafficMirrorSessionsPerInterfaceLimitExceeded");
    assert_eq!(p.resource.as_deref(), Some("tms-4"));
}

#[test]
fn ses_08_an_eni_used_as_a_target_cannot_be_a_source() {
    let s = r#"Session(id: "tms-x", network_interface_id: "eni-app", traffic_mirror_target_id: "tmt-app2",
        traffic_mirror_filter_id: "tmf-all", session_number: 1),"#;
    let (code, field, _) = refused(&scenario("1s", 9001, ACCEPT_ALL_V4, s, ""));
    assert_eq!(
        (code, field.as_str()),
        ("InvalidParameterValue", "network_interface_id")
    );
}
