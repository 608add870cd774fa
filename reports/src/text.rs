//! The human-readable summary printed by `sim run`.

use std::fmt::Write;

use crate::schema::*;
use crate::table::{Table, thousands};

/// A count with thousands separators.
pub fn n(v: u64) -> String {
    thousands(v)
}

/// Renders the summary of a report.
pub fn summary(r: &Report) -> String {
    let mut out = String::new();
    let s = &r.scenario;
    let _ = writeln!(
        out,
        "Scenario {} (seed {}, {} simulated, {} flows)",
        s.name, s.seed, s.duration, s.flows
    );
    if let Some(d) = &s.description {
        let _ = writeln!(out, "{d}");
    }

    out.push_str("\nTotals\n");
    let t = &r.totals;
    let mut table = Table::new(&["", "PACKETS", "BYTES"]);
    let c = &t.categories;
    for (label, v) in [
        ("generated", t.generated),
        ("offered at sources", t.offered),
        ("not mirrored", c.not_mirrored),
        ("skipped", c.skipped),
        ("dropped", c.dropped),
        ("delivered", c.delivered),
        ("  of which truncated", c.truncated),
    ] {
        table.row(vec![label.into(), n(v.packets), n(v.bytes)]);
    }
    table.render(&mut out);

    if !r.sessions.is_empty() {
        out.push_str("\nSessions (packets)\n");
        let mut table = Table::new(&[
            "SESSION",
            "#",
            "SOURCE",
            "TARGET",
            "VNI",
            "EVALUATED",
            "PASSED ON",
            "REJECTED",
            "MIRRORED",
            "DELIVERED",
            "TRUNCATED",
            "DROPPED",
            "SKIPPED",
        ]);
        for s in &r.sessions {
            let c = &s.categories;
            table.row(vec![
                s.traffic_mirror_session_id.clone(),
                s.session_number.to_string(),
                s.network_interface_id.clone(),
                s.traffic_mirror_target_id.clone(),
                s.virtual_network_id.to_string(),
                n(s.evaluated.packets),
                n(s.passed_on.packets),
                n(s.rejected.packets),
                n(s.mirrored.packets),
                n(c.delivered.packets),
                n(c.truncated.packets),
                n(c.dropped.packets),
                n(c.skipped.packets),
            ]);
        }
        table.render(&mut out);

        out.push_str("\nSessions (bytes: original packets; copies as outer IP packets)\n");
        let mut table = Table::new(&[
            "SESSION",
            "EVALUATED",
            "REJECTED",
            "MIRRORED",
            "DELIVERED",
            "TRUNCATED",
            "COPY BYTES SENT",
            "COPY BYTES DELIVERED",
        ]);
        for s in &r.sessions {
            let c = &s.categories;
            table.row(vec![
                s.traffic_mirror_session_id.clone(),
                n(s.evaluated.bytes),
                n(s.rejected.bytes),
                n(s.mirrored.bytes),
                n(c.delivered.bytes),
                n(c.truncated.bytes),
                n(s.copy_bytes),
                n(s.delivered_copy_bytes),
            ]);
        }
        table.render(&mut out);
    }

    if !r.targets.is_empty() {
        out.push_str("\nTargets (packets; bytes of the original packets; copy bytes delivered)\n");
        let mut table = Table::new(&[
            "TARGET",
            "TYPE",
            "APPLIANCE",
            "MTU",
            "RECEIVED",
            "DELIVERED",
            "TRUNCATED",
            "DROPPED",
            "REORDERED",
            "BYTES",
            "COPY BYTES",
        ]);
        for t in &r.targets {
            let c = &t.categories;
            table.row(vec![
                t.traffic_mirror_target_id.clone(),
                t.target_type.to_string(),
                t.network_interface_id.clone().unwrap_or_default(),
                t.mtu.map(|m| m.to_string()).unwrap_or_default(),
                n(t.received.packets),
                n(c.delivered.packets),
                n(c.truncated.packets),
                n(c.dropped.packets),
                n(t.reordering.packets),
                n(t.received.bytes),
                n(t.delivered_copy_bytes),
            ]);
        }
        table.render(&mut out);
    }

    if !r.instances.is_empty() {
        out.push_str("\nSource instances (CloudWatch totals over the run)\n");
        let mut table = Table::new(&[
            "INSTANCE",
            "TYPE",
            "MIRROR IN",
            "MIRROR OUT",
            "PKTS MIRROR IN",
            "PKTS MIRROR OUT",
            "SKIP IN",
            "SKIP OUT",
            "PKTS SKIP IN",
            "PKTS SKIP OUT",
        ]);
        for i in &r.instances {
            let mut row = vec![i.instance_id.clone(), i.instance_type.clone()];
            row.extend(i.cloudwatch.series.iter().map(|s| n(s.values.iter().sum())));
            table.row(row);
        }
        table.render(&mut out);
    }

    let mut table = Table::new(&[
        "SOURCE",
        "DIRECTION",
        "OUTCOME",
        "REASON",
        "PACKETS",
        "BYTES",
    ]);
    for s in &r.sources {
        for (dir, d) in [("ingress", &s.ingress), ("egress", &s.egress)] {
            for o in &d.outcomes {
                table.row(vec![
                    s.network_interface_id.clone(),
                    dir.into(),
                    o.outcome.into(),
                    o.reason.into(),
                    n(o.packets),
                    n(o.bytes),
                ]);
            }
        }
    }
    if !table.is_empty() {
        out.push_str("\nOutcomes at each source\n");
        table.render(&mut out);
    }
    for rp in &r.replays {
        let _ = writeln!(
            out,
            "\nReplay {} ({} at {}): {} of {} frames replayed; {} unreadable, {} not at the ENI, {} cut by the snap length{}",
            rp.name,
            rp.file,
            rp.network_interface_id,
            n(rp.replayed),
            n(rp.frames),
            n(rp.unparsed),
            n(rp.not_at_eni),
            n(rp.cut_by_snaplen),
            if rp.truncated_end {
                "; the file ends inside a record"
            } else {
                ""
            }
        );
    }
    let c = &r.cost;
    let _ = writeln!(
        out,
        "\nCost: {} session-hours ({} billed) at {} USD = {} USD",
        c.session_hours, c.billed_session_hours, c.price_per_session_hour_usd, c.total_usd
    );
    expectations(r, &mut out);
    out
}

/// The `expect` block's verdicts: one line each, and for a failed one the
/// scopes that fail it.
fn expectations(r: &Report, out: &mut String) {
    if r.expectations.is_empty() {
        return;
    }
    let held = r.expectations.iter().filter(|v| v.holds).count();
    let _ = writeln!(
        out,
        "\nExpectations: {held} of {} hold",
        r.expectations.len()
    );
    for v in &r.expectations {
        let shown = match v.measured.as_slice() {
            [one] => format!(" (measured {})", one.value),
            _ => String::new(),
        };
        let mark = if v.holds { "ok  " } else { "FAIL" };
        let _ = writeln!(out, "  {mark} {}{shown}", v.expectation);
        if !v.holds && v.measured.len() > 1 {
            for m in v.measured.iter().filter(|m| !m.holds) {
                let _ = writeln!(out, "         {}: {}", m.scope, m.value);
            }
        }
    }
}
