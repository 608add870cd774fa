//! Helpers shared by the tests: a small standard topology and a run.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use reports::Report;
use sim_core::{Overrides, RunResults, Scenario};

/// The repository root (where `scenarios/` lives).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every scenario file under `scenarios/` (not its subfolders), sorted.
pub fn scenario_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .expect("scenarios/ exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    files.sort();
    files
}

/// A loaded and run scenario with its report.
pub struct Run {
    pub scenario: Scenario,
    pub results: RunResults,
    pub report: Report,
}

pub fn load(text: &str) -> Scenario {
    match sim_core::load("test.ron", text, &Overrides::default()) {
        Ok(l) => l.scenario,
        Err(e) => panic!("scenario did not load:\n{e}"),
    }
}

pub fn run_text(text: &str) -> Run {
    run_loaded(load(text))
}

/// Runs a loaded scenario and reports it.
pub fn run_loaded(scenario: Scenario) -> Run {
    let results = sim_core::run(&scenario);
    let report = reports::report(&scenario, &results);
    Run {
        scenario,
        results,
        report,
    }
}

/// Loads a scenario file, reading the files it names (captures) relative
/// to it, as `sim` does.
pub fn load_file(path: &Path, shown: &str) -> Result<sim_core::Loaded, sim_core::ScenarioError> {
    let text = std::fs::read_to_string(path).expect("scenario file readable");
    let base = path.parent().unwrap().to_path_buf();
    let read = move |f: &str| {
        std::fs::read(base.join(f))
            .map(sim_core::CaptureFile::from)
            .map_err(|e| e.to_string())
    };
    sim_core::load_with(shown, &text, &Overrides::default(), &read)
}

pub fn run_file(path: &Path) -> Run {
    let scenario = match load_file(path, "test.ron") {
        Ok(l) => l.scenario,
        Err(e) => panic!("scenario did not load:\n{e}"),
    };
    let results = sim_core::run(&scenario);
    let report = reports::report(&scenario, &results);
    Run {
        scenario,
        results,
        report,
    }
}

pub fn run_scenario(name: &str) -> Run {
    run_file(&root().join("scenarios").join(name))
}

/// The standard test topology: one dual-stack VPC and subnet, a source
/// `eni-src` (10.0.1.10, 2600:1f18::10), a peer `eni-peer` (10.0.1.30), an
/// appliance `eni-app` (10.0.1.20) with the given MTU behind target
/// `tmt-app`, and a second appliance `eni-app2` (MTU 9001) behind
/// `tmt-app2`. The caller adds filters, sessions and traffic; the run lasts
/// `duration`.
pub fn scenario(
    duration: &str,
    app_mtu: u16,
    filters: &str,
    sessions: &str,
    traffic: &str,
) -> String {
    format!(
        r#"Scenario(
    name: "test",
    seed: 11,
    duration: "{duration}",
    vpcs: [
        Vpc(id: "vpc-1", cidr_blocks: ["10.0.0.0/16", "2600:1f18::/56"], subnets: [
            Subnet(id: "subnet-1", availability_zone: "us-east-1a", cidr_block: "10.0.1.0/24",
                   ipv6_cidr_block: "2600:1f18::/64"),
        ]),
    ],
    instances: [
        Instance(id: "i-src", instance_type: "m5.large", subnet: "subnet-1",
                 network_interfaces: [Eni(id: "eni-src", private_ip: "10.0.1.10", ipv6_address: "2600:1f18::10")]),
        Instance(id: "i-peer", instance_type: "m5.large", subnet: "subnet-1",
                 network_interfaces: [Eni(id: "eni-peer", private_ip: "10.0.1.30")]),
        Instance(id: "i-app", instance_type: "c5.large", subnet: "subnet-1",
                 network_interfaces: [Eni(id: "eni-app", private_ip: "10.0.1.20", mtu: {app_mtu})]),
        Instance(id: "i-app2", instance_type: "c5.large", subnet: "subnet-1",
                 network_interfaces: [Eni(id: "eni-app2", private_ip: "10.0.1.21")]),
    ],
    traffic_mirror_targets: [
        Target(id: "tmt-app", network_interface_id: "eni-app"),
        Target(id: "tmt-app2", network_interface_id: "eni-app2"),
    ],
    traffic_mirror_filters: [{filters}],
    traffic_mirror_sessions: [{sessions}],
    traffic: [{traffic}],
)"#
    )
}

/// The scenario with these timeline events (RON `At(...)` items).
pub fn with_timeline(text: String, events: &str) -> String {
    text.replace("traffic: [", &format!("timeline: [{events}], traffic: ["))
}

/// A session on `eni-src` to `tmt-app` with this filter and number.
pub fn session(id: &str, filter: &str, number: u32, extra: &str) -> String {
    session_to(id, filter, number, "tmt-app", extra)
}

/// A session on `eni-src` to the given target.
pub fn session_to(id: &str, filter: &str, number: u32, target: &str, extra: &str) -> String {
    format!(
        r#"Session(id: "{id}", network_interface_id: "eni-src", traffic_mirror_target_id: "{target}",
                   traffic_mirror_filter_id: "{filter}", session_number: {number}{extra}),"#
    )
}

/// A constant-rate flow; `n` pps for the whole run.
pub fn flow(
    name: &str,
    from: &str,
    to: &str,
    proto: &str,
    port: &str,
    pps: u32,
    size: u32,
) -> String {
    let port = if port.is_empty() {
        String::new()
    } else {
        format!(", destination_port: {port}")
    };
    format!(
        r#"Flow(name: "{name}", from: "{from}", to: "{to}", protocol: {proto}{port}, rate: "{pps}pps", size: Fixed("{size}B")),"#
    )
}

/// An accept-all-TCP-and-UDP-and-ICMP ingress and egress filter (IPv4).
pub const ACCEPT_ALL_V4: &str = r#"Filter(id: "tmf-all",
    ingress_filter_rules: [Rule(rule_number: 100, rule_action: Accept, source_cidr_block: "0.0.0.0/0", destination_cidr_block: "0.0.0.0/0")],
    egress_filter_rules: [Rule(rule_number: 100, rule_action: Accept, source_cidr_block: "0.0.0.0/0", destination_cidr_block: "0.0.0.0/0")]),"#;

/// Finds a session's report by id.
pub fn session_report<'a>(r: &'a Report, id: &str) -> &'a reports::schema::SessionReport {
    r.sessions
        .iter()
        .find(|s| s.traffic_mirror_session_id == id)
        .unwrap_or_else(|| panic!("no session {id}"))
}

/// Packets of one outcome reason at a source, in one direction.
pub fn at_source(r: &Report, eni: &str, direction: &str, reason: &str) -> u64 {
    let s = r
        .sources
        .iter()
        .find(|s| s.network_interface_id == eni)
        .unwrap_or_else(|| panic!("no source {eni}"));
    let d = if direction == "ingress" {
        &s.ingress
    } else {
        &s.egress
    };
    d.outcomes
        .iter()
        .filter(|o| o.reason == reason)
        .map(|o| o.packets)
        .sum()
}

/// Runs the `sim` binary with `args` from the repository root.
pub fn sim(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_sim"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("sim runs")
}

/// Asserts a command exited 0, showing its standard error if not.
pub fn assert_ok(o: &std::process::Output) {
    assert_eq!(o.status.code(), Some(0), "{}", stderr(o));
}

/// Asserts a command was refused (exit 2) and its standard error says
/// `says`.
pub fn assert_exit_2_saying(o: &std::process::Output, says: &str) {
    assert_eq!(o.status.code(), Some(2), "{}", stderr(o));
    assert!(
        stderr(o).contains(says),
        "expected `{says}` in:\n{}",
        stderr(o)
    );
}

/// A command's standard error, as text.
pub fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs `sim run SCENARIO --duration DURATION [extra] --out DIR` from the
/// repository root, asserts it exits 0, and returns the output directory.
pub fn sim_run_out(scenario: &str, duration: &str, extra: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_sim"))
        .args(["run", scenario, "--duration", duration])
        .args(extra)
        .arg("--out")
        .arg(dir.path())
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    dir
}

/// Runs `sim import ARGS -o OUT` and loads what it wrote: its text and
/// the scenario.
pub fn imported(args: &[&str], out: &Path) -> (String, sim_core::Scenario) {
    let mut all = args.to_vec();
    all.extend(["-o", out.to_str().unwrap()]);
    assert_ok(&sim(&all));
    let text = std::fs::read_to_string(out).unwrap();
    let s = sim_core::load("imported.ron", &text, &Default::default())
        .unwrap_or_else(|e| panic!("{e}\n{text}"))
        .scenario;
    (text, s)
}
