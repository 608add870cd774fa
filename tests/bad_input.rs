//! Bad input through the `sim` binary: every failure the robustness issue
//! saw, each answered with a located error and exit 2, never a panic, a
//! hang or unbounded work.

use std::path::Path;
use std::process::{Command, Output};

use crate::common::*;

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

/// A tmpfs of `size` (with `ro`: read-only) at a new directory, for tests
/// that need a full or read-only file system. None where mounting is not
/// allowed (CI runs as root, where it is).
struct Mount(tempfile::TempDir);

impl Mount {
    fn new(options: &str) -> Option<Mount> {
        let dir = tempfile::tempdir().unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("cannot mount a tmpfs here: skipped");
            return None;
        }
        Some(Mount(dir))
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.0.path()).status();
    }
}

/// `sim run scenarios/gwlb-spokes.ron --duration D [extra] --out OUT`.
fn run_spokes_into(out: &Path, duration: &str, extra: &[&str]) -> Output {
    let mut args = vec!["run", "scenarios/gwlb-spokes.ron", "--duration", duration];
    args.extend_from_slice(extra);
    args.extend(["--out", out.to_str().unwrap()]);
    sim(&args)
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|r| {
            r.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn a_full_disk_leaves_no_debris_and_no_output_directory() {
    let Some(m) = Mount::new("size=512k") else {
        return;
    };
    let out = m.0.path().join("out");
    // gwlb-spokes' pcaps are over a gigabyte: the 512 kB disk fills.
    let o = run_spokes_into(&out, "2s", &["--pcap"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("No space left on device"),
        "{}",
        stderr(&o)
    );
    assert!(
        !out.exists(),
        "the run created {} and left it",
        out.display()
    );
    assert_eq!(entries(m.0.path()), Vec::<String>::new());
}

#[test]
fn a_read_only_directory_is_a_clear_error() {
    let Some(m) = Mount::new("ro,size=64k") else {
        return;
    };
    let out = m.0.path().join("out");
    let o = run_spokes_into(&out, "100ms", &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("cannot create {}", out.display())) && err.contains("Read-only"),
        "{err}"
    );
}

#[test]
fn a_signal_removes_the_temporary_files_and_exits_143() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut child = Command::new(env!("CARGO_BIN_EXE_sim"))
        .args(["run", "scenarios/gwlb-spokes.ron", "--pcap", "--out"])
        .arg(&out)
        .current_dir(root())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the run writes into its temporary directory.
    let pcap_dir = out.join(format!(".sim-tmp-{}", child.id())).join("pcap");
    let mut waited = 0;
    while entries(&pcap_dir).is_empty() && waited < 600 {
        std::thread::sleep(std::time::Duration::from_millis(50));
        waited += 1;
    }
    assert!(!entries(&pcap_dir).is_empty(), "the run never wrote a pcap");
    // The shell's own kill: no procps needed.
    let killed = Command::new("sh")
        .args(["-c", &format!("kill -TERM {}", child.id())])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(143));
    assert!(!out.exists(), "{:?}", entries(&out));
}

#[test]
fn a_stale_temporary_directory_is_removed_by_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // What a run killed with SIGKILL leaves: a temporary directory whose
    // process is gone (no pid is above 2^22 on Linux).
    let stale = out.join(".sim-tmp-4999999");
    std::fs::create_dir_all(stale.join("pcap")).unwrap();
    std::fs::write(stale.join("pcap/x.pcap"), vec![0u8; 4096]).unwrap();
    let o = run_spokes_into(&out, "100ms", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stale.exists());
    assert!(!entries(&out).iter().any(|e| e.starts_with(".sim-tmp")));
    assert!(out.join("report.json").exists());
}

#[test]
fn a_write_error_on_stdout_exits_non_zero() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_sim"))
        .args(["check", "scenarios/gwlb-spokes.ron"])
        .current_dir(root())
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot write the output"));
}

#[test]
fn replay_reads_regular_files_only_and_never_hangs_on_a_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("capture.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    for (file, kind) in [
        (fifo.display().to_string(), "a named pipe (FIFO)"),
        ("/dev/zero".to_string(), "a device"),
        (dir.path().display().to_string(), "a directory"),
    ] {
        let text = scenario("replay-web.ron").replace("captures/web-server.pcap", &file);
        let f = write(dir.path(), "replay.ron", text.as_bytes());
        // Nothing opens the FIFO for writing: reading it would block for
        // ever, so an answer at all shows it was not read.
        let o = sim(&["check", &f]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(
            err.contains(&format!("it is {kind}, not a regular file")),
            "{err}"
        );
        assert!(
            err.contains("replay.ron:44:"),
            "located at the entry: {err}"
        );
    }
}

/// The guide's first example with `edits` made, checked.
fn check_edited(edits: &[(&str, &str)]) -> String {
    let mut text = scenario("tcp-single-appliance.ron");
    for (from, to) in edits {
        assert!(text.contains(from), "{from}");
        text = text.replacen(from, to, 1);
    }
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "edited.ron", text.as_bytes());
    let o = sim(&["check", &f]);
    assert_eq!(o.status.code(), Some(2));
    stderr(&o)
}

/// The `file:line:col: error[code]` headers of a check's output.
fn headers(err: &str) -> Vec<String> {
    err.lines()
        .filter(|l| l.contains(": error["))
        .map(|l| {
            let (place, rest) = l.split_once(": ").unwrap();
            let place = place.rsplit('/').next().unwrap();
            let code = rest.split(':').next().unwrap();
            format!("{place} {code}")
        })
        .collect()
}

#[test]
fn two_type_errors_in_two_elements_give_two_errors() {
    // A subnet's CIDR with /33 (line 16) and a session number that is not a
    // number (line 40): each its own error, nothing else (the instance in
    // that subnet and the session are not reported again).
    let err = check_edited(&[
        ("cidr_block: \"10.0.1.0/24\"", "cidr_block: \"10.0.1.0/33\""),
        ("session_number: 1,", "session_number: \"one\","),
    ]);
    let h = headers(&err);
    assert_eq!(h.len(), 2, "{err}");
    assert!(
        h[0].starts_with("edited.ron:16:") && h[0].ends_with("error[InvalidParameterValue]"),
        "{err}"
    );
    assert!(
        h[1].starts_with("edited.ron:40:") && h[1].ends_with("error[InvalidScenarioFile]"),
        "{err}"
    );
    assert!(err.contains("2 errors found"), "{err}");
}

#[test]
fn a_parse_error_does_not_hide_a_semantic_error_elsewhere() {
    // A misspelt rule action (line 33, a parse error in the filter) and an
    // ENI address outside its subnet (line 24, found only by the checks
    // that run on what parsed).
    let err = check_edited(&[
        ("rule_action: Accept", "rule_action: Acept"),
        ("private_ip: \"10.0.2.10\"", "private_ip: \"10.0.9.10\""),
    ]);
    let h = headers(&err);
    assert_eq!(h.len(), 2, "{err}");
    assert!(
        h[0].starts_with("edited.ron:24:") && h[0].ends_with("error[InvalidParameterValue]"),
        "{err}"
    );
    assert!(
        h[1].starts_with("edited.ron:33:") && h[1].ends_with("error[InvalidScenarioFile]"),
        "{err}"
    );
    assert!(err.contains("10.0.9.10 is not inside subnet"), "{err}");
}

#[test]
fn an_unknown_field_and_a_wrong_type_are_both_reported() {
    // A typo'd field in the target (line 29) goes aside alone; the wrong
    // type of the filter's rule number (line 33) is a second error.
    let err = check_edited(&[
        ("description: \"Target A\"", "descriptoin: \"Target A\""),
        ("rule_number: 100,", "rule_number: -5,"),
    ]);
    let h = headers(&err);
    assert_eq!(h.len(), 2, "{err}");
    assert!(h[0].starts_with("edited.ron:29:"), "{err}");
    assert!(h[1].starts_with("edited.ron:33:"), "{err}");
    assert!(err.contains("descriptoin"), "{err}");
}

#[test]
fn one_mistake_in_an_entry_of_200_flows_is_one_error() {
    // The example's https connections, 200 of them, answering with
    // 9,500-byte packets over a 9,001-byte MTU: the same mistake for each
    // flow, said once.
    let err = check_edited(&[
        (
            "response: (rate: \"80Mbps\", size: Fixed(\"1500B\")),",
            "response: (rate: \"80Mbps\", size: Fixed(\"9500B\")),",
        ),
        (
            "arrivals: Poisson, count: 4",
            "arrivals: Poisson, count: 200",
        ),
    ]);
    assert_eq!(
        headers(&err),
        ["edited.ron:45:77 error[InvalidTraffic]"],
        "{err}"
    );
    assert!(err.contains("1 error found"), "{err}");
}

#[test]
fn a_rule_protocol_is_a_name_as_in_traffic_or_a_number_and_a_wrong_one_says_which() {
    // `protocol: Tcp` in the example's filter rule is `protocol: 6`: the
    // same run, packet for packet.
    let text = scenario("tcp-single-appliance.ron");
    let named = text.replacen("protocol: 6,", "protocol: Tcp,", 1);
    assert_ne!(named, text);
    let (a, b) = (run_text(&text).report, run_text(&named).report);
    assert_eq!(a.totals, b.totals);
    assert_eq!(a.sessions, b.sessions);
    // An unknown name says what a protocol is.
    let err = check_edited(&[("protocol: 6,", "protocol: Gre,")]);
    assert!(
        err.contains("a protocol: Tcp, Udp, Icmp, Icmpv6, or an IANA number from 0 to 255"),
        "{err}"
    );
}

#[test]
fn a_number_where_a_unit_is_expected_says_what_to_write() {
    // Two wrong values in one flow (rate and size) are two errors: the
    // field at fault is set aside and the rest of the flow read on.
    let err = check_edited(&[("duration: \"10s\",", "duration: 10,")]);
    assert!(
        err.contains("Expected a duration in quotes, such as \"10s\", \"250ms\" or \"1h\" but found the unsigned integer `10` instead"),
        "{err}"
    );
    let err = check_edited(&[(
        "rate: \"100pps\", size: Fixed(\"8947B\")",
        "rate: 100, size: Fixed(8947)",
    )]);
    assert!(err.contains("Expected a rate in quotes, such as"), "{err}");
    assert!(
        err.contains("Expected a size in quotes, such as \"1500B\""),
        "{err}"
    );
}
