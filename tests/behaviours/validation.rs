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

#[test]
fn ses_07_only_the_owner_of_the_source_eni_can_mirror_it() {
    let text =
        std::fs::read_to_string(root().join("scenarios/invalid/39-session-by-other-account.ron"))
            .unwrap();
    let (code, field, _) = refused(&text);
    assert_eq!((code, field.as_str()), ("UnauthorizedOperation", "owner"));
    // The ENI's owner making the same session: accepted.
    let own = text
        .replace(
            r#"Session(id: "tms-1", owner: "222222222222","#,
            r#"Session(id: "tms-1", owner: "111111111111","#,
        )
        .replace(
            r#"Filter(id: "tmf-1", owner: "222222222222","#,
            r#"Filter(id: "tmf-1","#,
        );
    assert!(sim_core::load("t.ron", &own, &Default::default()).is_ok());
}

#[test]
fn ses_11_an_account_holds_at_most_10000_filters() {
    // 10,001 filters: one over the quota. (Targets and sessions count the
    // same way, by the same code path.)
    let filters: String = (0..=10_000)
        .map(|i| format!(r#"Filter(id: "tmf-{i}"),"#))
        .collect();
    let text = scenario("1s", 9001, &filters, "", "");
    let (code, _, _) = refused(&text);
    assert_eq!(code, "TrafficMirrorFilterLimitExceeded");
    let ten_thousand: String = (0..10_000)
        .map(|i| format!(r#"Filter(id: "tmf-{i}"),"#))
        .collect();
    assert!(
        sim_core::load(
            "t.ron",
            &scenario("1s", 9001, &ten_thousand, "", ""),
            &Default::default()
        )
        .is_ok()
    );
}

#[test]
fn ses_11_an_account_holds_at_most_10000_sessions() {
    // 3,334 sources with three sessions each: 10,002 sessions, spread over
    // targets on c5n.18xlarge appliances (100 sources each).
    let mut instances = String::new();
    let mut targets = String::new();
    let mut sessions = String::new();
    for t in 0..34 {
        instances.push_str(&format!(
            r#"Instance(id: "i-t{t}", instance_type: "c5n.18xlarge", subnet: "subnet-1", network_interfaces: [Eni(id: "eni-t{t}")]),"#
        ));
        targets.push_str(&format!(
            r#"Target(id: "tmt-{t}", network_interface_id: "eni-t{t}"),"#
        ));
    }
    for s in 0..3334 {
        instances.push_str(&format!(
            r#"Instance(id: "i-s{s}", instance_type: "m5.large", subnet: "subnet-1", network_interfaces: [Eni(id: "eni-s{s}")]),"#
        ));
        for n in 1..=3 {
            sessions.push_str(&format!(
                r#"Session(id: "tms-{s}-{n}", network_interface_id: "eni-s{s}", traffic_mirror_target_id: "tmt-{}", traffic_mirror_filter_id: "tmf-all", session_number: {n}),"#,
                s / 100
            ));
        }
    }
    let text = format!(
        r#"Scenario(name: "q", duration: "1s",
            vpcs: [Vpc(id: "vpc-1", cidr_blocks: ["10.0.0.0/16"], subnets: [
                Subnet(id: "subnet-1", availability_zone: "us-east-1a", cidr_block: "10.0.0.0/18")])],
            instances: [{instances}], traffic_mirror_targets: [{targets}],
            traffic_mirror_filters: [{ACCEPT_ALL_V4}], traffic_mirror_sessions: [{sessions}])"#
    );
    let err = sim_core::load("t.ron", &text, &Default::default()).unwrap_err();
    let p = err.errors().next().unwrap();
    assert_eq!(p.code, "TrafficMirrorSessionLimitExceeded");
    assert!(p.message.contains("10002"), "{}", p.message);
}

#[test]
fn flt_08_a_filter_in_use_cannot_be_deleted() {
    let text =
        std::fs::read_to_string(root().join("scenarios/invalid/44-delete-filter-in-use.ron"))
            .unwrap();
    let (code, field, _) = refused(&text);
    assert_eq!(
        (code, field.as_str()),
        ("TrafficMirrorFilterInUse", "action")
    );
    // After its session is deleted (earlier or at the same instant, listed
    // first), the filter can go.
    let ok = text.replace(
        r#"timeline: [At(time: "0.5s", action: DeleteTrafficMirrorFilter("tmf-1"))]"#,
        r#"timeline: [
            At(time: "0.2s", action: DeleteTrafficMirrorSession("tms-1")),
            At(time: "0.5s", action: DeleteTrafficMirrorFilter("tmf-1")),
        ]"#,
    );
    let r = run_text(&ok).report;
    // 100 pps until 0.2 s: 20 packets mirrored.
    assert_eq!(r.totals.categories.delivered.packets, 20);
}

#[test]
fn every_problem_is_reported_at_once_each_with_a_fix() {
    // Three faults in three phases: a flow of zero count (traffic), a
    // session number out of range (sessions), an unsupported source type
    // (cross-resource rules; each of the ENI's two sessions is refused, as
    // each CreateTrafficMirrorSession call would be).
    let text = scenario(
        "1s",
        9001,
        ACCEPT_ALL_V4,
        &[
            session("tms-1", "tmf-all", 1, ""),
            session_to("tms-2", "tmf-all", 0, "tmt-app2", ""),
        ]
        .concat(),
        r#"Flow(name: "z", from: "198.51.100.1", to: "eni-src", protocol: Udp, destination_port: 1, rate: "1pps", size: Fixed("100B"), count: 0),"#,
    )
    .replace(r#"Instance(id: "i-src", instance_type: "m5.large""#, r#"Instance(id: "i-src", instance_type: "t2.large""#);
    let err = sim_core::load("t.ron", &text, &Default::default()).unwrap_err();
    let mut codes: Vec<&str> = err.errors().map(|p| p.code).collect();
    codes.sort();
    assert_eq!(
        codes,
        vec![
            "InvalidParameterValue",
            "InvalidTraffic",
            "NetworkInterfaceNotSupported",
            "NetworkInterfaceNotSupported"
        ]
    );
    // Sorted by position in the file, and each says how to fix it.
    let lines: Vec<usize> = err.problems.iter().map(|p| p.position.line).collect();
    assert!(lines.windows(2).all(|w| w[0] <= w[1]), "{lines:?}");
    assert!(err.problems.iter().all(|p| p.help.is_some()));
}
