//! The human-readable summary printed by `sim run`.

use std::fmt::Write;

use crate::schema::*;
use crate::table::{Table, thousands};

/// A count with thousands separators.
pub fn n(v: u64) -> String {
    thousands(v)
}

/// A part of the summary: a titled table, a paragraph, or a titled list.
/// The text summary and the HTML report render the same sections.
pub enum Section {
    Table(String, Table),
    Paragraph(String),
    List(String, Vec<ListItem>),
}

/// A line of a list, with how it went (for the HTML report's colours).
pub struct ListItem {
    pub ok: bool,
    pub text: String,
    /// Lines under it (the scopes a failed expectation fails at).
    pub detail: Vec<String>,
}

/// The report's first line and the description.
pub fn heading(r: &Report) -> (String, Option<String>) {
    let s = &r.scenario;
    (
        format!(
            "Scenario {} (seed {}, {} simulated, {} flows)",
            s.name, s.seed, s.duration, s.flows
        ),
        s.description.clone(),
    )
}

/// Renders the summary of a report.
pub fn summary(r: &Report) -> String {
    let mut out = String::new();
    let (title, description) = heading(r);
    let _ = writeln!(out, "{title}");
    if let Some(d) = description {
        let _ = writeln!(out, "{d}");
    }
    for section in sections(r) {
        match section {
            Section::Table(title, table) => {
                let _ = writeln!(out, "\n{title}");
                table.render(&mut out);
            }
            Section::Paragraph(p) => {
                let _ = writeln!(out, "\n{}", crate::table::wrap(&p, "  "));
            }
            Section::List(title, items) => {
                let _ = writeln!(out, "\n{title}");
                for i in items {
                    let mark = if i.ok { "ok  " } else { "FAIL" };
                    let item = format!("  {mark} {}", i.text);
                    let _ = writeln!(out, "{}", crate::table::wrap(&item, "       "));
                    for d in i.detail {
                        let d = format!("         {d}");
                        let _ = writeln!(out, "{}", crate::table::wrap(&d, "           "));
                    }
                }
            }
        }
    }
    out
}

/// The summary's sections, in order.
pub fn sections(r: &Report) -> Vec<Section> {
    let mut out = Vec::new();
    if let Some(s) = &r.sampling {
        out.push(Section::Paragraph(sampling_note(s)));
    }
    let title = "Totals";
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
    out.push(Section::Table(title.into(), table));

    if !r.sessions.is_empty() {
        let title = "Sessions (packets)";
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
        out.push(Section::Table(title.into(), table));

        // Sessions whose configuration changed during the run: each
        // configuration's span, target, filter and what it earned.
        if r.sessions.iter().any(|s| s.configurations.len() > 1) {
            let title = "Session configurations (the timeline changed them; packets)";
            let mut table = Table::new(&[
                "SESSION",
                "EPOCH",
                "FROM",
                "TO",
                "TARGET",
                "FILTER",
                "VNI",
                "MIRRORED",
                "DELIVERED",
                "DROPPED",
                "SKIPPED",
                "RULE HITS",
            ]);
            for s in r.sessions.iter().filter(|s| s.configurations.len() > 1) {
                for c in &s.configurations {
                    let hits: Vec<String> = c
                        .rules
                        .iter()
                        .map(|h| {
                            format!(
                                "{} {}: {}",
                                h.traffic_direction,
                                h.rule_number,
                                n(h.packets)
                            )
                        })
                        .collect();
                    table.row(vec![
                        s.traffic_mirror_session_id.clone(),
                        c.epoch.to_string(),
                        c.from.clone(),
                        c.to.clone().unwrap_or_else(|| "end".into()),
                        c.traffic_mirror_target_id.clone(),
                        c.traffic_mirror_filter_id.clone(),
                        c.virtual_network_id.to_string(),
                        n(c.mirrored.packets),
                        n(c.categories.delivered.packets),
                        n(c.categories.dropped.packets),
                        n(c.categories.skipped.packets),
                        hits.join(", "),
                    ]);
                }
            }
            out.push(Section::Table(title.into(), table));
        }

        let title = "Sessions (bytes: original packets; copies as outer IP packets)";
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
        out.push(Section::Table(title.into(), table));
    }

    if !r.targets.is_empty() {
        let title = "Targets (packets; bytes of the original packets; copy bytes delivered)";
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
        out.push(Section::Table(title.into(), table));
        appliances(r, &mut out);
    }

    if !r.instances.is_empty() {
        let title = "Source instances (CloudWatch totals over the run)";
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
        out.push(Section::Table(title.into(), table));
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
        let title = "Outcomes at each source";
        out.push(Section::Table(title.into(), table));
    }
    for rp in &r.replays {
        out.push(Section::Paragraph(format!(
            "Replay {} ({} at {}): {} of {} frames replayed; {} unreadable, {} not at the ENI, {} cut by the snap length{}",
            rp.name,
            rp.file,
            rp.network_interface_id,
            n(rp.replayed),
            n(rp.frames),
            n(rp.unparsed),
            n(rp.not_at_eni),
            n(rp.cut_by_snaplen),
            time_note(rp),
        )));
    }
    cost(r, &mut out);
    headroom(r, &mut out);
    // BW-05: where the credits went.
    for i in &r.instances {
        if let Some(c) = &i.burst_credits {
            let pct = |b: u64| b as u128 * 100 / u128::from(c.capacity_bits.max(1));
            let end = c.balance_bits.last().copied().unwrap_or(c.start_bits);
            let spent = c
                .exhausted_by
                .as_ref()
                .map_or(String::new(), |t| format!("; spent by {t}"));
            out.push(Section::Paragraph(format!(
                "Burst credits of {} ({}): {}% at the start, {}% at the end{spent}",
                i.instance_id,
                i.instance_type,
                pct(c.start_bits),
                pct(end)
            )));
        }
    }
    for w in &r.warnings {
        out.push(Section::Paragraph(format!("warning: {w}")));
    }
    // What checking the scenario warned of, where in the file.
    for w in &r.scenario_warnings {
        out.push(Section::Paragraph(format!(
            "scenario warning[{}] at line {}, column {}: {}{}{}",
            w.code,
            w.line,
            w.column,
            w.resource
                .as_ref()
                .map_or(String::new(), |r| format!("{r}: ")),
            w.message,
            w.help
                .as_ref()
                .map_or(String::new(), |h| format!(" (help: {h})"))
        )));
    }
    if !r.expectations.is_empty() {
        out.push(expectations(r));
    }
    out
}

/// The `expect` block's verdicts: one line each, and for a failed one the
/// scopes that fail it.
fn expectations(r: &Report) -> Section {
    let held = r.expectations.iter().filter(|v| v.holds).count();
    let title = format!("Expectations: {held} of {} hold", r.expectations.len());
    let items = r
        .expectations
        .iter()
        .map(|v| {
            let shown = match v.measured.as_slice() {
                [one] => format!(" (measured {})", one.value),
                _ => String::new(),
            };
            let detail = if !v.holds && v.measured.len() > 1 {
                v.measured
                    .iter()
                    .filter(|m| !m.holds)
                    .map(|m| format!("{}: {}", m.scope, m.value))
                    .collect()
            } else {
                Vec::new()
            };
            ListItem {
                ok: v.holds,
                text: format!("{}{shown}", v.expectation),
                detail,
            }
        })
        .collect();
    Section::List(title, items)
}

/// What a replay's reader said about the capture's timestamps and end.
fn time_note(rp: &crate::schema::ReplayReport) -> String {
    let mut s = String::new();
    if rp.bad_timestamp > 0 {
        s += &format!(
            "; {} skipped for a broken timestamp (before the first frame, over a second back, or a jump of over a day)",
            n(rp.bad_timestamp)
        );
    }
    if rp.reordered_in_time > 0 {
        s += &format!(
            "; {} earlier than the frame before, played at its time",
            n(rp.reordered_in_time)
        );
    }
    if rp.truncated_end {
        s += "; the file ends inside a record";
    }
    s
}

/// Each appliance's load, and how evenly a load balancer spread it.
fn appliances(r: &Report, out: &mut Vec<Section>) {
    let title = "Appliances (copies sent to each; peak and mean load of what was sent, against its receive budget)";
    let mut table = Table::new(&[
        "APPLIANCE",
        "ZONE",
        "BEHIND",
        "SENT",
        "DELIVERED",
        "DROPPED",
        "REORDERED",
        "PEAK MBPS",
        "MEAN MBPS",
        "PEAK % BW",
        "PEAK PPS",
        "PEAK % PPS",
    ]);
    for f in &r.fleets {
        let behind = f
            .load_balancer
            .as_deref()
            .map(topology::short_name)
            .unwrap_or_else(|| f.traffic_mirror_target_ids.join(", "));
        for a in &f.appliances {
            let dropped =
                a.dropped_appliance_down + a.dropped_target_bandwidth + a.dropped_target_pps;
            table.row(vec![
                a.network_interface_id.clone(),
                a.availability_zone.clone(),
                behind.clone(),
                n(a.sent.packets),
                n(a.delivered.packets),
                n(dropped),
                n(a.reordered),
                mbps(a.peak_bps),
                mbps(a.mean_bps),
                a.peak_bandwidth_percent.clone().unwrap_or_default(),
                n(a.peak_pps),
                a.peak_pps_percent.clone().unwrap_or_default(),
            ]);
        }
    }
    if table.is_empty() {
        return;
    }
    out.push(Section::Table(title.into(), table));
    for f in &r.fleets {
        if let (Some(x), Some(lb)) = (&f.load_imbalance, &f.load_balancer) {
            out.push(Section::Paragraph(format!(
                "Load imbalance behind {}: the busiest of its {} appliances was sent {x} times the fleet's mean",
                topology::short_name(lb),
                f.appliances.len()
            )));
        }
    }
}

/// Bits per second as megabits, to a tenth.
fn mbps(bps: u64) -> String {
    let tenths = bps / 100_000;
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// Each source instance's load against its figures, per direction, and
/// what its budgets refused (ENA's allowance counters).
/// A decimal USD string of the report (`"1234.567891"`) in micro-dollars;
/// what does not parse counts as 0.
pub fn micro_usd(usd: &str) -> u128 {
    let (whole, frac) = usd.split_once('.').unwrap_or((usd, ""));
    let digits = format!("{frac:0<6}");
    whole.parse::<u128>().unwrap_or(0) * 1_000_000 + digits[..6].parse::<u128>().unwrap_or(0)
}

/// USD as a person reads it: `1234.567891` with `places` decimals as
/// `$1,234.57` (rounded half up).
pub fn money(usd: &str, places: u32) -> String {
    let micro = micro_usd(usd);
    let unit = 10u128.pow(6 - places.min(6));
    let rounded = (micro + unit / 2) / unit;
    let scale = 10u128.pow(places.min(6));
    let whole = crate::table::thousands((rounded / scale) as u64);
    if places == 0 {
        format!("${whole}")
    } else {
        format!("${whole}.{:0w$}", rounded % scale, w = places as usize)
    }
}

/// A decimal quantity to at most four places, without trailing zeros.
fn quantity(q: &str) -> String {
    let (whole, frac) = q.split_once('.').unwrap_or((q, ""));
    let whole = crate::table::thousands(whole.parse().unwrap_or(0));
    let frac = frac.get(..4).unwrap_or(frac).trim_end_matches('0');
    if frac.is_empty() {
        whole
    } else {
        format!("{whole}.{frac}")
    }
}

/// The cost table, and the run's and the month's totals (SES-12).
fn cost(r: &Report, out: &mut Vec<Section>) {
    let c = &r.cost;
    let mut table = Table::new(&[
        "ITEM",
        "PRICE",
        "RUN QUANTITY",
        "RUN",
        "MONTH QUANTITY",
        "MONTH",
    ]);
    for l in &c.lines {
        let marked = if l.price_from == "table" { "" } else { "*" };
        table.row(vec![
            format!("{}: {}", l.item, l.resource),
            format!("{}{marked} per {}", money(&l.unit_price_usd, 4), l.unit),
            quantity(&l.run_quantity),
            money(&l.run_usd, 4),
            quantity(&l.monthly_quantity),
            money(&l.monthly_usd, 2),
        ]);
    }
    if !table.is_empty() {
        out.push(Section::Table("Cost".into(), table));
    }
    let mut text = format!(
        "Cost: {} for the run ({} session-hours, {} billed, at {}); {} per month at the run's \
         rates, {} of it for mirroring (all but the source instances). Prices: {}, AWS's price \
         list of {}.",
        money(&c.run_usd, 4),
        c.session_hours,
        c.billed_session_hours,
        money(&c.price_per_session_hour_usd, 3),
        money(&c.monthly_usd, 2),
        money(&c.monthly_mirroring_usd, 2),
        c.prices_region,
        c.prices_effective,
    );
    if c.lines.iter().any(|l| l.price_from != "table") {
        text.push_str(" * A price from settings, or another Region's.");
    }
    for note in &c.notes {
        text.push_str(&format!(" Note: {note}."));
    }
    out.push(Section::Paragraph(text));
}

fn headroom(r: &Report, out: &mut Vec<Section>) {
    let mut table = Table::new(&[
        "INSTANCE",
        "DIRECTION",
        "PEAK MBPS",
        "P99 MBPS",
        "PEAK % BASELINE",
        "P99 % BASELINE",
        "PEAK % BURST",
        "PEAK PPS",
        "PEAK % PPS",
        "HEADROOM MBPS",
        "ALLOWANCE EXCEEDED",
    ]);
    for i in &r.instances {
        let Some(h) = &i.headroom else {
            continue;
        };
        for (name, d, exceeded) in [
            ("egress", &h.egress, h.bw_out_allowance_exceeded),
            ("ingress", &h.ingress, h.bw_in_allowance_exceeded),
        ] {
            let headroom = if d.headroom_bps < 0 {
                format!("-{}", mbps(d.headroom_bps.unsigned_abs()))
            } else {
                mbps(d.headroom_bps.unsigned_abs())
            };
            table.row(vec![
                i.instance_id.clone(),
                name.to_string(),
                mbps(d.peak_bps),
                mbps(d.p99_bps),
                d.peak_percent_of_baseline.clone(),
                d.p99_percent_of_baseline.clone(),
                d.peak_percent_of_burst.clone(),
                n(d.peak_pps),
                d.peak_percent_of_pps.clone(),
                headroom,
                format!("bw {}", n(exceeded)),
            ]);
        }
    }
    if table.is_empty() {
        return;
    }
    out.push(Section::Table(
        "Source instances' headroom (per period: production and copies, against the instance's figures)".into(),
        table,
    ));
    for i in &r.instances {
        if let Some(h) = &i.headroom
            && h.pps_allowance_exceeded > 0
        {
            out.push(Section::Paragraph(format!(
                "{}: {} packets over its packet rate (pps_allowance_exceeded)",
                i.instance_id,
                n(h.pps_allowance_exceeded)
            )));
        }
    }
}

/// What a sampled run's figures are: said first, in every text and page.
pub fn sampling_note(s: &crate::schema::SamplingReport) -> String {
    let full = if s.full_periods.is_empty() {
        String::new()
    } else {
        format!(
            " {} period(s) ran in full (a change, a flow starting or ending, or a capture in them).",
            s.full_periods.len()
        )
    };
    let warm_up = s.warm_up.as_ref().map_or(String::new(), |w| {
        format!(" The run's first period ran {w} more first, as itself: budgets start full.")
    });
    format!(
        "ESTIMATES (sampled run): in {} of {} periods of {}, one window of {} ran packet by \
         packet and every count there stands for the whole period (up to {} times the \
         window's).{warm_up}{full} Counts, shares and series are estimates; see \
         docs/performance.md for when sampling is unsafe.",
        s.estimated_periods,
        s.periods,
        s.period,
        s.window,
        s.period_ns / s.window_ns.max(1),
    )
}
