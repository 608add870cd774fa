//! The `expect` block: expectations checked at the end of a run, with
//! verdicts in the report and exit code 1 when one fails.

use std::process::Command;

use crate::common::*;

fn over_budget() -> String {
    std::fs::read_to_string(root().join("scenarios/over-budget.ron")).unwrap()
}

/// over-budget.ron with its `expect` block replaced by `block`.
fn with_expect(block: &str) -> String {
    let text = over_budget();
    let start = text.find("    expect: [").unwrap();
    let end = text.rfind("\n)").unwrap();
    format!("{}    expect: [{block}],{}", &text[..start], &text[end..])
}

const BUSY: &str = "tms-0busy0000000001";

#[test]
fn a_share_is_checked_exactly_against_its_bounds() {
    // busy: 4 Gbps in and 4 Gbps out of 1500-byte packets on a 10 Gbps
    // instance; copies need 8 x 1550 / 1500 = 8.267 Gbps of the 6 Gbps of
    // egress left, so 1 - 6 / 8.267 = 27.42 % of them are skipped.
    let r = run_text(&with_expect(&format!(
        r#"
        Share(scope: Session("{BUSY}"), count: Skipped, of: Mirrored, at_least: "27%", at_most: "28%"),
        Share(scope: Session("{BUSY}"), count: Skipped, of: Mirrored, at_most: "27%"),
        Share(scope: Session("{BUSY}"), count: Delivered, of: Mirrored, at_least: "72%", at_most: "73%"),
    "#
    )))
    .report;
    let holds: Vec<bool> = r.expectations.iter().map(|v| v.holds).collect();
    assert_eq!(holds, [true, false, true]);
    let v = &r.expectations[0];
    assert_eq!(
        v.expectation,
        format!("skipped / mirrored at {BUSY}: between 27% and 28%")
    );
    assert_eq!(v.measured.len(), 1);
    // Within 0.05 points of the hand figure: budgets refill per 1 ms
    // bucket, so the share is close to, not exactly, the fluid figure.
    let pct: f64 = v.measured[0].value.trim_end_matches('%').parse().unwrap();
    assert!((pct - 27.42).abs() < 0.05, "{pct}");
}

#[test]
fn an_each_scope_checks_every_one_and_names_those_that_fail() {
    // Every source of over-budget is over one of its budgets (bandwidth,
    // packets per second, the per-flow limit): all three sessions skip.
    // None drops a copy: the collector shares their subnet.
    let r = run_text(&with_expect(
        r#"
        Count(scope: EachSession, count: Skipped, at_most: 0),
        Count(scope: EachSession, count: Dropped, at_most: 0),
        Count(scope: EachTarget, count: Reordered, at_most: 0),
    "#,
    ))
    .report;
    let skips = &r.expectations[0];
    assert!(!skips.holds);
    assert_eq!(skips.measured.len(), 3);
    assert!(skips.measured.iter().all(|m| !m.holds));
    assert!(r.expectations[1].holds);
    // An ENI target never reorders (TGT-09).
    assert!(r.expectations[2].holds);
    let text = reports::text::summary(&r);
    assert!(text.contains("Expectations: 2 of 3 hold"), "{text}");
    assert!(
        text.contains("FAIL skipped at each session: at most 0"),
        "{text}"
    );
    assert!(text.contains(&format!("         {BUSY}: ")), "{text}");
}

#[test]
fn scenario_counts_sum_every_source_and_reasons_are_counted_by_code() {
    // bulk: one 3 Gbps-each-way connection, 6.2 Gbps of copies in one
    // outer flow, 5 Gbps allowed: its ingress copies are skipped per_flow
    // (egress copies go first each millisecond). None for the others.
    // production_dropped: budgets never drop production traffic here.
    let r = run_text(&with_expect(
        r#"
        Count(count: Reason("per_flow"), at_least: 1),
        Count(scope: Source("eni-0busy0000000001"), count: Reason("per_flow"), at_most: 0),
        Count(count: Reason("production_dropped"), at_most: 0),
        Count(count: Offered, at_least: 1, at_most: 1),
    "#,
    ))
    .report;
    let holds: Vec<bool> = r.expectations.iter().map(|v| v.holds).collect();
    assert_eq!(holds, [true, true, true, false]);
    // The offered count is the totals' figure.
    assert_eq!(
        r.expectations[3].measured[0].value,
        r.totals.offered.packets.to_string()
    );
}

#[test]
fn a_share_of_nothing_fails_a_floor_and_passes_a_ceiling() {
    // Nothing is rejected by a filter in over-budget: the denominator is 0.
    let r = run_text(&with_expect(&format!(
        r#"
        Share(scope: Session("{BUSY}"), count: Delivered, of: Reason("filter_reject"), at_least: "1%"),
        Share(scope: Session("{BUSY}"), count: Delivered, of: Reason("filter_reject"), at_most: "1%"),
    "#
    )))
    .report;
    assert_eq!(r.expectations[0].measured[0].value, "n/a");
    assert!(!r.expectations[0].holds);
    assert!(r.expectations[1].holds);
}

#[test]
fn sim_run_exits_1_when_an_expectation_fails_and_still_writes_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.ron");
    std::fs::write(
        &file,
        with_expect(&format!(
            r#"Share(scope: Session("{BUSY}"), count: Skipped, of: Mirrored, at_most: "10%")"#
        )),
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = Command::new(env!("CARGO_BIN_EXE_sim"))
        .args(["run", "--duration", "100ms", "--out"])
        .arg(&out)
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("Expectations: 0 of 1 hold"), "{stdout}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("1 of 1 expectations do not hold"));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["expectations"][0]["holds"], false);
    // The scenario as committed holds its own expectations.
    let o = Command::new(env!("CARGO_BIN_EXE_sim"))
        .args(["run", "--duration", "100ms", "scenarios/over-budget.ron"])
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_plan_that_breaks_its_objective_exits_1_and_says_which() {
    // too-few-appliances: 20,000 copies/s of 1,500 bytes (240 Mbps) to two
    // appliances of 100 Mbps (8,333 copies/s each): at least 1 - 16,667 /
    // 20,000 = 16.7 % dropped, over the objective of 1 %.
    let o = sim(&[
        "run",
        "scenarios/too-few-appliances.ron",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("1 of 1 expectations do not hold"));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let v = &r["expectations"][0];
    assert_eq!(v["holds"], false);
    let c = &r["totals"];
    let dropped = c["dropped"]["packets"].as_f64().unwrap();
    let mirrored = dropped
        + c["delivered"]["packets"].as_f64().unwrap()
        + c["skipped"]["packets"].as_f64().unwrap();
    assert!(
        dropped / mirrored >= 1.0 - 16_667.0 / 20_000.0,
        "{}",
        dropped / mirrored
    );
}
