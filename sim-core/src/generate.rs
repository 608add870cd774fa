//! Generated scenarios of any size, for benchmarks and for measuring `sim
//! run` at fleet scale (`sim generate`): the shape of the pipeline bench,
//! written as RON text so that they load, check and run as a user's file
//! does.

use std::fmt::Write;

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

/// The fleet scenario: `sources` m5.8xlarge source ENIs, each with three
/// sessions (session numbers 1, 2, 3) whose filters hold ten rules each,
/// and `flows_per_source` two-way connections per source (so twice as many
/// one-way flows: TCP, UDP and ICMP, IMIX, uniform and fixed sizes,
/// constant and Poisson arrivals, 60 requests and 40 responses a second),
/// mirrored to three c5n.18xlarge ENI targets per hundred sources; with `nlb`, the three
/// targets are one Network Load Balancer over ten appliances in two zones
/// (flow-hash placement, appliance budgets). At most [`MAX_SOURCES`].
/// Sources fit 200 to each /24 of the sources' /17.
pub const MAX_SOURCES: usize = 25_000;
/// Connections per source, at most.
pub const MAX_CONNECTIONS: usize = 1_000;

pub fn scenario_text(sources: usize, flows_per_source: usize, duration: &str, nlb: bool) -> String {
    scenario_text_at(sources, flows_per_source, duration, nlb, None, None)
}

/// [`scenario_text`], each source carrying `rate_bps` (three fifths
/// inbound in requests, two fifths outbound in responses, shared evenly by
/// its connections) instead of 60 and 40 packets a second per connection,
/// and every packet of `size` bytes when it is given.
pub fn scenario_text_at(
    sources: usize,
    flows_per_source: usize,
    duration: &str,
    nlb: bool,
    rate_bps: Option<u64>,
    size: Option<u16>,
) -> String {
    let (sources, flows_per_source) = (
        sources.min(MAX_SOURCES),
        flows_per_source.min(MAX_CONNECTIONS),
    );
    let mut instances = String::new();
    let mut sessions = String::new();
    let mut traffic = String::new();
    // ENI targets take at most 100 sources each (TGT-12): each hundred
    // sources has its own three appliances. An NLB takes any number.
    let groups = sources.div_ceil(100).max(1);
    let appliances = if nlb { 10 } else { 3 * groups };
    for a in 0..appliances {
        let (subnet, net) = if a % 2 == 0 {
            ("subnet-b", 128)
        } else {
            ("subnet-c", 192)
        };
        let (hi, lo) = (net + a / 2 / 200, 10 + a / 2 % 200);
        let _ = write!(
            instances,
            r#"Instance(id: "i-app{a}", instance_type: "c5n.18xlarge", subnet: "{subnet}",
                network_interfaces: [Eni(id: "eni-app{a}", private_ip: "10.1.{hi}.{lo}")]),"#
        );
    }
    let mut targets = String::new();
    if nlb {
        let all: Vec<String> = (0..appliances).map(|a| format!("\"i-app{a}\"")).collect();
        let _ = write!(
            targets,
            r#"network_load_balancers: [NetworkLoadBalancer(id: "nlb-bench", vpc_id: "vpc-b",
                subnets: ["subnet-b", "subnet-c"], cross_zone: true,
                listeners: [Listener(protocol: Udp, port: 4789)], targets: [{}])],
            traffic_mirror_targets: ["#,
            all.join(", ")
        );
        for n in 0..3 {
            let _ = write!(
                targets,
                r#"Target(id: "tmt-app{n}", network_load_balancer_arn: "nlb-bench"),"#
            );
        }
    } else {
        targets.push_str("traffic_mirror_targets: [");
        for a in 0..appliances {
            let _ = write!(
                targets,
                r#"Target(id: "tmt-app{a}", network_interface_id: "eni-app{a}"),"#
            );
        }
    }
    targets.push_str("],");
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
                r#"Session(id: "tms-{s}-{n}", network_interface_id: "eni-src{s}", traffic_mirror_target_id: "tmt-app{}",
                    traffic_mirror_filter_id: "{f}", session_number: {}),"#,
                if nlb { n } else { s / 100 * 3 + n },
                n + 1
            );
        }
        let (request, response) = match rate_bps {
            Some(b) => {
                let each = b / flows_per_source.max(1) as u64;
                (
                    format!("{}bps", (each * 3 / 5).max(1)),
                    format!("{}bps", (each * 2 / 5).max(1)),
                )
            }
            None => ("60pps".to_string(), "40pps".to_string()),
        };
        for k in 0..flows_per_source {
            let (proto, port, mix, arrivals) = match k % 4 {
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
            let fixed = size.map(|b| format!("Fixed(\"{b}B\")"));
            let size = fixed.as_deref().unwrap_or(mix);
            let _ = write!(
                traffic,
                r#"Connection(name: "c{s}-{k}", client: "198.51.{}.0/24", server: "eni-src{s}", protocol: {proto}{port},
                    request: (rate: "{request}", size: {size}), response: (rate: "{response}", size: {size}), arrivals: {arrivals}),"#,
                k % 250
            );
        }
    }
    format!(
        r#"Scenario(name: "bench", seed: 1, duration: "{duration}",
            vpcs: [Vpc(id: "vpc-b", cidr_blocks: ["10.1.0.0/16"], subnets: [
                Subnet(id: "subnet-a", availability_zone: "us-east-1a", cidr_block: "10.1.0.0/17"),
                Subnet(id: "subnet-b", availability_zone: "us-east-1a", cidr_block: "10.1.128.0/18"),
                Subnet(id: "subnet-c", availability_zone: "us-east-1b", cidr_block: "10.1.192.0/18")])],
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
