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
