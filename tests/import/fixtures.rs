//! The snapshot fixtures: their runs against the hand-written scenarios,
//! their shapes against botocore's models, and the snapshot script that
//! makes them from an account.

use serde_json::Value;
use topology::Topology;

use super::compare::fingerprint;
use super::describe::describe;
use crate::common::*;

/// The snapshot fixtures under `tests/fixtures/aws/` beside the scenarios
/// they describe: the guide's four examples (its first is also
/// `guide-example`, written by hand), a transit gateway hub with two
/// spokes, an NLB fleet in two zones, and a GWLB with endpoints in two
/// spoke VPCs.
const FIXTURES: [(&str, &str); 6] = [
    ("guide-tcp-single-appliance", "tcp-single-appliance"),
    ("guide-tcp-udp-split", "tcp-udp-split"),
    ("guide-non-local-vpc", "non-local-vpc"),
    ("guide-gwlb-two-spokes", "gwlb-spokes"),
    ("tgw-hub-two-spokes", "transit-gateway"),
    ("nlb-fleet-two-zones", "nlb-fleet"),
];

/// Writes the fixtures again from their scenarios. Run it by hand after a
/// change to a scenario's topology (`cargo nextest run --run-ignored only
/// write_snapshot_fixtures`), then read the diff: the files are the
/// import's input, kept as the CLI prints them.
#[test]
#[ignore]
fn write_snapshot_fixtures() {
    for (fixture, scenario) in FIXTURES {
        let path = root().join(format!("scenarios/{scenario}.ron"));
        let loaded = load_file(&path, scenario).unwrap();
        let dir = root().join("tests/fixtures/aws").join(fixture);
        let _ = std::fs::remove_dir_all(&dir);
        let mut snap = describe(&loaded.scenario.topology);
        // As a snapshot keeps them: ACCOUNT/REGION/ folders.
        if !snap.folders {
            let home = loaded.scenario.topology.vpcs[0].region.clone();
            let owner = loaded.scenario.topology.accounts[0].id.clone();
            snap.files = std::mem::take(&mut snap.files)
                .into_iter()
                .map(|(f, v)| (format!("{owner}/{home}/{f}"), v))
                .collect();
        }
        snap.write(&dir);
    }
}

#[test]
fn each_snapshot_fixture_imports_to_a_design_that_runs_as_its_hand_written_scenario() {
    // The import of each fixture, with the hand-written scenario's traffic,
    // timeline and settings, gives the same report, byte for byte. One
    // thing the snapshot cannot say is taken from the scenario: each ENI's
    // MTU, which the operating system sets and no describe call shows
    // (an import says 9001, the default of current instance types).
    for (fixture, scenario) in FIXTURES {
        let path = root().join(format!("scenarios/{scenario}.ron"));
        let original = load_file(&path, scenario).unwrap().scenario;
        let dir = tempfile::tempdir().unwrap();
        let snap = root().join("tests/fixtures/aws").join(fixture);
        let out = dir.path().join("imported.ron");
        let (_, imported_scenario) = imported(&["import", "aws", snap.to_str().unwrap()], &out);
        assert_ok(&sim(&["check", out.to_str().unwrap()]));
        let mut topology = imported_scenario.topology;
        let ids = |t: &Topology| {
            (
                t.enis.iter().map(|e| e.id.clone()).collect::<Vec<_>>(),
                t.targets.iter().map(|x| x.id.clone()).collect::<Vec<_>>(),
                t.sessions.iter().map(|x| x.id.clone()).collect::<Vec<_>>(),
                t.instances.iter().map(|x| x.id.clone()).collect::<Vec<_>>(),
            )
        };
        // The traffic names ENIs by position: the same order, or the
        // comparison means nothing.
        assert_eq!(ids(&topology), ids(&original.topology), "{fixture}");
        for (e, o) in topology.enis.iter_mut().zip(&original.topology.enis) {
            e.mtu = o.mtu;
        }
        let mut hybrid = original.clone();
        hybrid.topology = topology;
        let (a, b) = (run_loaded(hybrid), run_loaded(original));
        assert_eq!(
            reports::to_json(&a.report),
            reports::to_json(&b.report),
            "{fixture} against scenarios/{scenario}.ron"
        );
    }
}

/// Checks `v` against the botocore shape `shape` of shapes.json: every
/// key a member, every value of its type. Returns the first mismatch.
fn conforms(shapes: &Value, shape: &str, v: &Value, at: &str) -> Result<(), String> {
    let s = &shapes[shape];
    if let Some(members) = s.get("structure").and_then(Value::as_object) {
        let obj = v
            .as_object()
            .ok_or(format!("{at}: not an object ({shape})"))?;
        for (k, x) in obj {
            let m = members
                .get(k)
                .and_then(Value::as_str)
                .ok_or(format!("{at}.{k}: not a member of {shape}"))?;
            conforms(shapes, m, x, &format!("{at}.{k}"))?;
        }
        Ok(())
    } else if let Some(m) = s.get("list").and_then(Value::as_str) {
        let list = v.as_array().ok_or(format!("{at}: not a list ({shape})"))?;
        list.iter()
            .enumerate()
            .try_for_each(|(i, x)| conforms(shapes, m, x, &format!("{at}[{i}]")))
    } else {
        let ok = match s["scalar"].as_str().unwrap_or_default() {
            "string" | "timestamp" | "blob" => v.is_string() || v.is_null(),
            "integer" | "long" | "float" | "double" => v.is_number() || v.is_null(),
            "boolean" => v.is_boolean() || v.is_null(),
            _ => true,
        };
        if ok {
            Ok(())
        } else {
            Err(format!("{at}: {v} is not a {} ({shape})", s["scalar"]))
        }
    }
}

fn conforms_file(shapes: &Value, v: &Value, file: &str) -> Result<(), String> {
    for (key, x) in v.as_object().ok_or(format!("{file}: not an object"))? {
        let root = shapes["roots"][key].as_str().ok_or(format!(
            "{file}: {key} is not a key the describe calls print"
        ))?;
        conforms(&shapes["shapes"], root, x, &format!("{file}: $.{key}"))?;
    }
    Ok(())
}

#[test]
fn snapshot_fixtures_and_the_describe_helper_keep_the_aws_cli_output_shapes() {
    // tests/fixtures/aws/shapes.json is extracted from botocore's service
    // models (extract_shapes.py), which define what the CLI prints: every
    // key of every fixture must be a member of its shape, with a value of
    // its type. A misspelt key would otherwise be ignored by the import and
    // by its tests alike.
    let shapes: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/fixtures/aws/shapes.json")).unwrap(),
    )
    .unwrap();
    let mut checked = 0;
    let mut stack = vec![root().join("tests/fixtures/aws")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json")
                && p.file_name().unwrap() != "shapes.json"
            {
                let v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
                if let Err(e) = conforms_file(&shapes, &v, &p.display().to_string()) {
                    panic!("{e}");
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "checked {checked} files");
    for path in scenario_files() {
        let Ok(loaded) = load_file(&path, &path.display().to_string()) else {
            continue;
        };
        for (file, v) in &describe(&loaded.scenario.topology).files {
            if let Err(e) = conforms_file(&shapes, v, file) {
                panic!("{}: {e}", path.display());
            }
        }
    }
}

#[test]
fn the_snapshot_script_makes_the_calls_the_import_reads() {
    // scripts/aws-snapshot.sh against a stand-in for the AWS CLI
    // (tests/fixtures/aws/fake-cli/aws) that answers from a fixture: the
    // snapshot it writes imports to the same topology as the fixture.
    // RAM and Organizations answer AccessDenied: skipped, with a message.
    for fixture in [
        "guide-gwlb-two-spokes",
        "nlb-fleet-two-zones",
        "tgw-hub-two-spokes",
    ] {
        let region = root().join(format!(
            "tests/fixtures/aws/{fixture}/123456789012/us-east-1"
        ));
        let dir = tempfile::tempdir().unwrap();
        let snap = dir.path().join("snap");
        let path = format!(
            "{}:{}",
            root().join("tests/fixtures/aws/fake-cli").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let o = std::process::Command::new("bash")
            .arg(root().join("scripts/aws-snapshot.sh"))
            .arg(&snap)
            .env("PATH", path)
            .env("FAKE_AWS_SNAPSHOT", &region)
            .output()
            .unwrap();
        assert_ok(&o);
        assert!(stderr(&o).contains("aws-snapshot: skipped ram get-resource-share-associations"));
        assert!(
            snap.join("123456789012/us-east-1/describe-vpcs.json")
                .exists()
        );
        let (_, scripted) = imported(
            &["import", "aws", snap.to_str().unwrap()],
            &dir.path().join("a.ron"),
        );
        let (_, direct) = imported(
            &[
                "import",
                "aws",
                region.parent().unwrap().parent().unwrap().to_str().unwrap(),
            ],
            &dir.path().join("b.ron"),
        );
        assert_eq!(
            fingerprint(&scripted.topology),
            fingerprint(&direct.topology),
            "{fixture}"
        );
    }
}
