//! Throughput of the mirroring pipeline: offered packets per second of wall
//! time, on one core.
//!
//! The scenario: 100 source ENIs, each with three sessions (session numbers
//! 1, 2, 3) whose filters hold ten rules each, and 10,000 flows (100 per
//! source, a mix of TCP, UDP and ICMP, inbound and outbound, IMIX and fixed
//! sizes, constant and Poisson arrivals). Run with `cargo bench -p sim-core`.

use std::fmt::Write;

use divan::Bencher;
use divan::counter::ItemsCount;
use sim_core::{Overrides, Scenario};

fn main() {
    divan::main();
}

/// Ten rules (the quota): eight inbound, two outbound, each list ending in
/// the rule that decides after rejects of ports nobody uses.
fn filter(id: &str, last: &str) -> String {
    let rejects = |n: usize| {
        let mut rules = String::new();
        for i in 0..n {
            let _ = write!(
                rules,
                r#"Rule(rule_number: {n}, rule_action: Reject, protocol: 6, destination_port_range: (from_port: {p}, to_port: {p}),
                    source_cidr_block: "0.0.0.0/0", destination_cidr_block: "0.0.0.0/0"),"#,
                n = 10 + i,
                p = 1000 + i
            );
        }
        rules
    };
    format!(
        r#"Filter(id: "{id}", ingress_filter_rules: [{}{last}], egress_filter_rules: [{}{last}]),"#,
        rejects(7),
        rejects(1)
    )
}

/// The scenario; with `nlb`, the three targets are one Network Load Balancer
/// over ten appliances in two zones (flow-hash placement, per-packet jitter).
fn scenario_text(sources: usize, flows_per_source: usize, duration: &str, nlb: bool) -> String {
    let mut instances = String::new();
    let mut sessions = String::new();
    let mut traffic = String::new();
    let appliances = if nlb { 10 } else { 3 };
    for a in 0..appliances {
        let subnet = if a % 2 == 0 { "subnet-b" } else { "subnet-c" };
        let net = if a % 2 == 0 { 2 } else { 3 };
        let _ = write!(
            instances,
            r#"Instance(id: "i-app{a}", instance_type: "c5n.18xlarge", subnet: "{subnet}",
                network_interfaces: [Eni(id: "eni-app{a}", private_ip: "10.1.{net}.{}")]),"#,
            10 + a
        );
    }
    let targets = if nlb {
        let all: Vec<String> = (0..appliances).map(|a| format!("\"i-app{a}\"")).collect();
        format!(
            r#"network_load_balancers: [NetworkLoadBalancer(id: "nlb-bench", vpc_id: "vpc-b",
                subnets: ["subnet-b", "subnet-c"], cross_zone: true,
                listeners: [Listener(protocol: Udp, port: 4789)], targets: [{}])],
            traffic_mirror_targets: [
                Target(id: "tmt-app0", network_load_balancer_arn: "nlb-bench"),
                Target(id: "tmt-app1", network_load_balancer_arn: "nlb-bench"),
                Target(id: "tmt-app2", network_load_balancer_arn: "nlb-bench")],"#,
            all.join(", ")
        )
    } else {
        r#"traffic_mirror_targets: [
                Target(id: "tmt-app0", network_interface_id: "eni-app0"),
                Target(id: "tmt-app1", network_interface_id: "eni-app1"),
                Target(id: "tmt-app2", network_interface_id: "eni-app2")],"#
            .to_string()
    };
    for s in 0..sources {
        let (hi, lo) = (s / 200, s % 200 + 10);
        let _ = write!(
            instances,
            r#"Instance(id: "i-src{s}", instance_type: "m5.8xlarge", subnet: "subnet-a",
                network_interfaces: [Eni(id: "eni-src{s}", private_ip: "10.1.{hi}.{lo}")]),"#
        );
        for (n, f) in ["tmf-https", "tmf-udp", "tmf-all"].iter().enumerate() {
            let _ = write!(
                sessions,
                r#"Session(id: "tms-{s}-{n}", network_interface_id: "eni-src{s}", traffic_mirror_target_id: "tmt-app{n}",
                    traffic_mirror_filter_id: "{f}", session_number: {}),"#,
                n + 1
            );
        }
        for k in 0..flows_per_source {
            let (proto, port, size, arrivals) = match k % 4 {
                0 => ("Tcp", ", server_port: 443", "Imix", "Poisson"),
                1 => (
                    "Udp",
                    ", server_port: 514",
                    "Uniform(\"100B\", \"1400B\")",
                    "Constant",
                ),
                2 => ("Tcp", ", server_port: 22", "Fixed(\"200B\")", "Constant"),
                _ => ("Icmp", "", "Fixed(\"84B\")", "Poisson"),
            };
            let _ = write!(
                traffic,
                r#"Connection(name: "c{s}-{k}", client: "198.51.{}.0/24", server: "eni-src{s}", protocol: {proto}{port},
                    request: (rate: "60pps", size: {size}), response: (rate: "40pps", size: {size}), arrivals: {arrivals}),"#,
                k % 250
            );
        }
    }
    format!(
        r#"Scenario(name: "bench", seed: 1, duration: "{duration}",
            vpcs: [Vpc(id: "vpc-b", cidr_blocks: ["10.1.0.0/16"], subnets: [
                Subnet(id: "subnet-a", availability_zone: "us-east-1a", cidr_block: "10.1.0.0/23"),
                Subnet(id: "subnet-b", availability_zone: "us-east-1a", cidr_block: "10.1.2.0/24"),
                Subnet(id: "subnet-c", availability_zone: "us-east-1b", cidr_block: "10.1.3.0/24")])],
            instances: [{instances}],
            {targets}
            traffic_mirror_filters: [{}{}{}],
            traffic_mirror_sessions: [{sessions}],
            traffic: [{traffic}])"#,
        filter(
            "tmf-https",
            r#"Rule(rule_number: 100, rule_action: Accept, protocol: 6, destination_port_range: (from_port: 443, to_port: 443), source_cidr_block: "0.0.0.0/0", destination_cidr_block: "0.0.0.0/0")"#
        ),
        filter(
            "tmf-udp",
            r#"Rule(rule_number: 100, rule_action: Accept, protocol: 17, source_cidr_block: "0.0.0.0/0", destination_cidr_block: "0.0.0.0/0")"#
        ),
        filter(
            "tmf-all",
            r#"Rule(rule_number: 100, rule_action: Accept, source_cidr_block: "0.0.0.0/0", destination_cidr_block: "0.0.0.0/0")"#
        ),
    )
}

fn load(text: &str) -> Scenario {
    sim_core::load("bench.ron", text, &Overrides::default())
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario
}

/// 100 sources x 100 two-way connections = 20,000 one-way flows at 50 pps
/// on average: 1,000,000 packets a simulated second, each offered at one
/// source; copies to three ENI targets.
#[divan::bench(sample_count = 10)]
fn offered_packets_10k_connections(bencher: Bencher) {
    let scenario = load(&scenario_text(100, 100, "2s", false));
    let packets = sim_core::run(&scenario).offered().packets;
    bencher
        .counter(ItemsCount::new(packets))
        .bench(|| sim_core::run(&scenario));
}

/// The same traffic with every session's target a Network Load Balancer
/// over ten appliances in two zones: flow-hash placement, per-packet
/// jitter, appliance budgets.
#[divan::bench(sample_count = 10)]
fn offered_packets_10k_connections_nlb(bencher: Bencher) {
    let scenario = load(&scenario_text(100, 100, "2s", true));
    let packets = sim_core::run(&scenario).offered().packets;
    bencher
        .counter(ItemsCount::new(packets))
        .bench(|| sim_core::run(&scenario));
}

/// Pcap files for every appliance, written to nowhere: what building and
/// writing the bytes of every delivered copy costs (compare with
/// `offered_packets_10k_connections`).
#[divan::bench(sample_count = 10)]
fn offered_packets_10k_connections_pcap(bencher: Bencher) {
    use sim_core::wire::pcap::PcapOut;
    struct Sinks(std::collections::BTreeMap<String, PcapOut<std::io::Sink>>);
    impl sim_core::CaptureSink for Sinks {
        fn capture(&mut self, appliance: &str, at_ns: u64, frame: &[u8]) {
            if !self.0.contains_key(appliance) {
                let out = PcapOut::new(std::io::sink(), 0).expect("a sink takes a header");
                self.0.insert(appliance.to_string(), out);
            }
            if let Some(out) = self.0.get_mut(appliance) {
                let _ = out.record(at_ns, frame);
            }
        }
    }
    let scenario = load(&scenario_text(100, 100, "2s", false));
    let packets = sim_core::run(&scenario).offered().packets;
    bencher.counter(ItemsCount::new(packets)).bench(|| {
        let mut sinks = Sinks(Default::default());
        sim_core::run_with_capture(&scenario, &mut sinks)
    });
}

/// Loading and checking the same scenario (20,000 flows).
#[divan::bench(sample_count = 5)]
fn load_10k_connections(bencher: Bencher) {
    let text = scenario_text(100, 100, "2s", false);
    bencher.bench(|| load(&text));
}
