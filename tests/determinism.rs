//! Same scenario and seed, same bytes.

use crate::common::*;
use sim_core::Overrides;

#[test]
fn same_seed_gives_byte_identical_reports() {
    for path in scenario_files() {
        let a = reports::to_json(&run_file(&path).report);
        let b = reports::to_json(&run_file(&path).report);
        assert_eq!(a, b, "{}", path.display());
    }
}

#[test]
fn another_seed_gives_other_vnis_and_other_draws() {
    let text = std::fs::read_to_string(root().join("scenarios/tcp-udp-split.ron")).unwrap();
    let load = |seed| {
        sim_core::load(
            "t.ron",
            &text,
            &Overrides {
                seed,
                ..Default::default()
            },
        )
        .unwrap()
        .scenario
    };
    let (a, b) = (load(None), load(Some(99)));
    let vnis = |s: &sim_core::Scenario| -> Vec<u32> {
        s.topology
            .sessions
            .iter()
            .map(|s| s.virtual_network_id)
            .collect()
    };
    assert_ne!(vnis(&a), vnis(&b));
    let ra = reports::to_json(&reports::report(&a, &sim_core::run(&a)));
    let rb = reports::to_json(&reports::report(&b, &sim_core::run(&b)));
    assert_ne!(ra, rb);
}

#[test]
fn adding_a_flow_leaves_the_others_draws_alone() {
    // Each flow draws from its own stream, named after it: a new flow
    // changes nothing for the existing ones.
    let base = scenario(
        "2s",
        9001,
        ACCEPT_ALL_V4,
        &session("tms-1", "tmf-all", 1, ""),
        r#"Flow(name: "a", from: "198.51.100.0/24", to: "eni-src", protocol: Udp, destination_port: 1,
                rate: "1kpps", size: Uniform("100B", "1400B"), arrivals: Poisson),"#,
    );
    let more = base.replace(
        "traffic: [",
        r#"traffic: [Flow(name: "b", from: "198.51.100.9", to: "eni-src", protocol: Icmp, rate: "3kpps", size: Imix),"#,
    );
    let a1 = load(&base);
    let a2 = load(&more);
    let find = |s: &sim_core::Scenario| s.flows.iter().find(|f| f.name == "a").unwrap().clone();
    assert_eq!(find(&a1), find(&a2));
    let delivered = |s: &sim_core::Scenario| {
        let r = reports::report(s, &sim_core::run(s));
        at_source(&r, "eni-src", "ingress", "whole")
    };
    // Flow b is ICMP and accepted too; only flow a's count is compared.
    let b_only = load(&more.replace(r#"Flow(name: "a""#, r#"Flow(name: "a", duration: "0s""#));
    assert_eq!(delivered(&a1) + delivered(&b_only), delivered(&a2));
}
