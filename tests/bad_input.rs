//! Bad input through the `sim` binary: every failure the robustness issue
//! saw, each answered with a located error and exit 2, never a panic, a
//! hang or unbounded work.

use std::path::Path;
use std::process::{Command, Output};

use crate::common::*;

fn sim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sim"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("sim runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p.display().to_string()
}

fn scenario(name: &str) -> String {
    std::fs::read_to_string(root().join("scenarios").join(name)).unwrap()
}

#[test]
fn a_warning_past_column_65535_is_shown_clipped_not_a_panic() {
    // tcp-udp-split warns (MTU-04) at its second session's target field;
    // 70,000 spaces before it on its line put the column past 65,535.
    let text = scenario("tcp-udp-split.ron").replacen(
        "traffic_mirror_target_id: \"tmt-0b",
        &format!("{}traffic_mirror_target_id: \"tmt-0b", " ".repeat(70_000)),
        1,
    );
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "long.ron", text.as_bytes());
    let o = sim(&["check", &f]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains(":44:70017: warning[MtuMismatch]"), "{err}");
    // The snippet is a window, not the 70 kB line.
    assert!(err.len() < 2_000, "{} bytes of stderr", err.len());
}

#[test]
fn many_errors_of_one_code_are_grouped() {
    // 2,000 sessions naming a filter nobody declared: three shown in full,
    // the rest one line.
    let sessions: String = (0..2_000)
        .map(|i| {
            format!(
                "Session(id: \"tms-{i}\", network_interface_id: \"eni-web\", \
                 traffic_mirror_target_id: \"tmt-app\", traffic_mirror_filter_id: \"tmf-x\", \
                 session_number: 1),\n"
            )
        })
        .collect();
    let base = std::fs::read_to_string(root().join("scenarios/invalid/10-subnet-outside-vpc.ron"))
        .unwrap()
        .replace("10.9.1.", "10.0.1.");
    let start = base.find("traffic_mirror_sessions: [").unwrap();
    let end = base[start..].find("],").unwrap() + start;
    let text = format!(
        "{}traffic_mirror_sessions: [\n{sessions}{}",
        &base[..start],
        &base[end..]
    );
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "many.ron", text.as_bytes());
    let o = sim(&["check", &f]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2));
    let code = "error[InvalidTrafficMirrorFilterId.NotFound]";
    assert_eq!(err.matches(&format!(": {code}")).count(), 3, "{err}");
    assert!(err.contains("1997 more error[InvalidTrafficMirrorFilterId.NotFound] not shown"));
    assert!(err.len() < 20_000, "{} bytes", err.len());
}

#[test]
fn a_bom_invalid_utf8_and_nul_bytes_get_located_named_errors() {
    let dir = tempfile::tempdir().unwrap();
    let text = scenario("burst-credits.ron");
    let (head, tail) = text.split_at(text.find("seed").unwrap());
    let line = head.matches('\n').count() + 1;
    let column = head.rsplit('\n').next().unwrap().chars().count() + 1;
    let cases: [(&str, Vec<u8>, String, &str); 3] = [
        (
            "bom.ron",
            [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat(),
            "1:1".to_string(),
            "byte-order mark",
        ),
        (
            "latin1.ron",
            [head.as_bytes(), &[0xFF], tail.as_bytes()].concat(),
            format!("{line}:{column}"),
            "byte 0xFF is not UTF-8",
        ),
        (
            "nul.ron",
            [head.as_bytes(), &[0], tail.as_bytes()].concat(),
            format!("{line}:{column}"),
            "a NUL byte",
        ),
    ];
    for (name, bytes, at, why) in cases {
        let f = write(dir.path(), name, &bytes);
        let o = sim(&["check", &f]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.starts_with(&format!("{f}:{at}: error[InvalidScenarioFile]: ")),
            "{name}: {err}"
        );
        assert!(err.contains(why), "{name}: {err}");
    }
}

#[test]
fn a_zero_duration_and_a_negative_seed_get_clear_messages() {
    let o = sim(&["run", "scenarios/gwlb-spokes.ron", "--duration", "0s"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("a run needs a duration above 0"));
    let o = sim(&["run", "scenarios/gwlb-spokes.ron", "--seed", "-1"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("`-1` is not a seed"), "{err}");
    assert!(!err.contains("unexpected argument"), "{err}");
}

#[test]
fn a_run_too_long_to_mean_is_refused_up_front_with_its_estimate() {
    let dir = tempfile::tempdir().unwrap();
    // 1,000,000 h at burst-credits' 10 s period: 360,000,000 periods, over
    // the 1,000,000 any run may have. Refused by check and run alike.
    let text = scenario("burst-credits.ron").replace("duration: \"90s\"", "duration: \"1000000h\"");
    let f = write(dir.path(), "long.ron", text.as_bytes());
    for cmd in ["check", "run"] {
        let o = sim(&[cmd, &f]);
        assert_eq!(o.status.code(), Some(2), "{cmd}");
        let err = stderr(&o);
        assert!(
            err.contains("error[LargeRun]: the run has 360000000 metric periods"),
            "{err}"
        );
    }
    // 100,000 h at a 1 h period has 100,000 periods, but burst-credits
    // offers 10 flows of 20 Mbps in 1,500 B packets: 10 x 20e6 / 12,000 =
    // 16,666.7 packets a second, for 3.6e8 s: about 6.0e12 packets, over
    // the default 5e9. check warns with the estimate; run refuses.
    let text = scenario("burst-credits.ron")
        .replace("duration: \"90s\"", "duration: \"100000h\"")
        .replace("metrics_period: \"10s\"", "metrics_period: \"1h\"");
    let f = write(dir.path(), "many.ron", text.as_bytes());
    let o = sim(&["check", &f]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("warning[LargeRun]: the run would offer about 59999"));
    let o = sim(&["run", &f]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--max-packets"));
}
