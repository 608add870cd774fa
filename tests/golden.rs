//! A golden report for every scenario under `scenarios/`: the JSON report
//! and the text summary, as insta snapshots. They guard against unintended
//! change; the behaviour tests are what show the numbers right.

use crate::common::*;

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
    }
}
