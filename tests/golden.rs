//! A golden report for every scenario under `scenarios/`: the JSON report
//! and the text summary, as insta snapshots. They guard against unintended
//! change; the behaviour tests are what show the numbers right.

use crate::common::*;

/// What `sim check` says of a scenario: its warnings, then each session's
/// path.
fn check_output(path: &std::path::Path) -> String {
    let name = format!("scenarios/{}", path.file_name().unwrap().to_string_lossy());
    let loaded = load_file(path, &name).unwrap();
    let mut out = String::new();
    for w in &loaded.warnings {
        out.push_str(&format!("{name}:{w}\n"));
    }
    out.push_str(&reports::check::paths(
        &name,
        &loaded.scenario,
        loaded.warnings.len(),
    ));
    out
}

#[test]
fn golden_reports_of_every_scenario() {
    let files = scenario_files();
    assert!(files.len() >= 5, "the guide's scenarios are present");
    for path in files {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let run = run_file(&path);
        insta::assert_snapshot!(format!("{name}.json"), reports::to_json(&run.report));
        insta::assert_snapshot!(
            format!("{name}.summary"),
            reports::text::summary(&run.report)
        );
        insta::assert_snapshot!(format!("{name}.check"), check_output(&path));
    }
}
