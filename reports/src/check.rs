//! What `sim check` prints for a valid scenario: a count of what it holds,
//! and for each session the path its copies take, hop by hop, in the
//! manner of Reachability Analyzer.

use std::fmt::Write;

use sim_core::Scenario;

/// Renders the resources and the path of every session's copies.
pub fn paths(file: &str, scenario: &Scenario, warnings: usize) -> String {
    let t = &scenario.topology;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{file}: valid: {} accounts, {} VPCs, {} subnets, {} ENIs, {} targets, {} filters, {} sessions, {} flows; {warnings} warning{}",
        t.accounts.len(),
        t.vpcs.len(),
        t.subnets.len(),
        t.enis.len(),
        t.targets.len(),
        t.filters.len(),
        t.sessions.len(),
        scenario.flows.len(),
        if warnings == 1 { "" } else { "s" }
    );
    for s in &t.sessions {
        let target = t.target(s.target);
        let _ = writeln!(
            out,
            "\n{}: {} -> {} (session number {}, VNI {}{})",
            s.id,
            t.eni(s.source).id,
            target.id,
            s.session_number,
            s.virtual_network_id,
            s.packet_length
                .map_or(String::new(), |n| format!(", packet length {n}"))
        );
        for p in crate::build::paths(t, s.source, s.target) {
            if let Some(zone) = &p.node_availability_zone {
                let _ = writeln!(
                    out,
                    "  through the node in {zone} (no node in the source's zone: one per outer flow, by flow hash)"
                );
            }
            let width = p
                .path
                .iter()
                .map(|h| h.resource.len())
                .chain(p.blocked.iter().map(|b| b.resource.len()))
                .max()
                .unwrap_or(0);
            for (i, h) in p.path.iter().enumerate() {
                let _ = writeln!(out, "  {:>2}. {:<width$}  {}", i + 1, h.resource, h.detail);
            }
            match &p.blocked {
                None => {
                    let _ = writeln!(out, "  copies arrive");
                }
                Some(stop) => {
                    let _ = writeln!(
                        out,
                        "  {:>2}. {:<width$}  {}\n  copies are dropped: {}",
                        p.path.len() + 1,
                        stop.resource,
                        stop.detail,
                        stop.reason
                    );
                    if let Some(hint) = &stop.hint {
                        let _ = writeln!(out, "  hint: {hint}");
                    }
                }
            }
        }
    }
    if !scenario.expect.is_empty() {
        let _ = writeln!(out, "\nExpectations (checked at the end of `sim run`):");
        for e in &scenario.expect {
            let _ = writeln!(out, "  {e}");
        }
    }
    out
}

/// `sim check --format json`: what the text says, as data. `problems`
/// holds the errors and warnings; a scenario with errors has no sessions.
#[derive(Debug, serde::Serialize)]
pub struct CheckReport {
    pub file: String,
    pub valid: bool,
    pub problems: Vec<crate::schema::ProblemReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
    pub sessions: Vec<CheckSession>,
    pub expectations: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub work: Option<Work>,
}

/// What the scenario holds.
#[derive(Debug, serde::Serialize)]
pub struct Resources {
    pub accounts: usize,
    pub vpcs: usize,
    pub subnets: usize,
    pub network_interfaces: usize,
    pub traffic_mirror_targets: usize,
    pub traffic_mirror_filters: usize,
    pub traffic_mirror_sessions: usize,
    pub flows: usize,
}

/// A session and the paths of its copies.
#[derive(Debug, serde::Serialize)]
pub struct CheckSession {
    pub traffic_mirror_session_id: String,
    pub network_interface_id: String,
    pub traffic_mirror_target_id: String,
    pub session_number: u16,
    pub virtual_network_id: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub packet_length: Option<u16>,
    /// Whether every path's copies arrive.
    pub copies_arrive: bool,
    pub paths: Vec<crate::schema::PathReport>,
}

/// The run's work, estimated.
#[derive(Debug, serde::Serialize)]
pub struct Work {
    pub packets: u64,
    pub metric_periods: u64,
    pub pcap_bytes_at_most: u64,
}

/// The check of a scenario that loaded.
pub fn report(
    file: &str,
    scenario: &Scenario,
    warnings: &[sim_core::scenario::Problem],
    work: &sim_core::work::Estimate,
) -> CheckReport {
    let t = &scenario.topology;
    CheckReport {
        file: file.to_string(),
        valid: true,
        problems: crate::build::problem_reports(warnings),
        resources: Some(Resources {
            accounts: t.accounts.len(),
            vpcs: t.vpcs.len(),
            subnets: t.subnets.len(),
            network_interfaces: t.enis.len(),
            traffic_mirror_targets: t.targets.len(),
            traffic_mirror_filters: t.filters.len(),
            traffic_mirror_sessions: t.sessions.len(),
            flows: scenario.flows.len(),
        }),
        sessions: t
            .sessions
            .iter()
            .map(|s| {
                let paths = crate::build::paths(t, s.source, s.target);
                CheckSession {
                    traffic_mirror_session_id: s.id.clone(),
                    network_interface_id: t.eni(s.source).id.clone(),
                    traffic_mirror_target_id: t.target(s.target).id.clone(),
                    session_number: s.session_number,
                    virtual_network_id: s.virtual_network_id,
                    packet_length: s.packet_length,
                    copies_arrive: paths.iter().all(|p| p.blocked.is_none()),
                    paths,
                }
            })
            .collect(),
        expectations: scenario.expect.iter().map(ToString::to_string).collect(),
        work: Some(Work {
            packets: work.packets,
            metric_periods: work.periods,
            pcap_bytes_at_most: work.pcap_bytes,
        }),
    }
}

/// The check of a scenario that did not load.
pub fn refused(file: &str, problems_found: &[sim_core::scenario::Problem]) -> CheckReport {
    CheckReport {
        file: file.to_string(),
        valid: false,
        problems: crate::build::problem_reports(problems_found),
        resources: None,
        sessions: Vec::new(),
        expectations: Vec::new(),
        work: None,
    }
}

/// Pretty JSON of a check.
pub fn json(c: &CheckReport) -> String {
    let mut s = serde_json::to_string_pretty(c).unwrap_or_default();
    s.push('\n');
    s
}
