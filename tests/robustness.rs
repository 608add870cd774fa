//! Bad input never panics: truncated and mutated scenario files either load
//! or are refused with located problems, and what loads runs.

use crate::common::*;
use sim_core::Overrides;
use sim_core::units::Duration;

/// A tiny deterministic generator for choosing mutations (test-only).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

fn load_and_maybe_run(text: &str) {
    let short = Overrides {
        duration: Some(Duration(5_000_000)),
        ..Default::default()
    };
    let base = root().join("scenarios");
    let read = move |f: &str| {
        std::fs::read(base.join(f))
            .map(sim_core::CaptureFile::from)
            .map_err(|e| e.to_string())
    };
    match sim_core::load_with("m.ron", text, &short, &read) {
        Ok(l) => {
            let _ = sim_core::run(&l.scenario);
        }
        Err(e) => {
            assert!(!e.problems.is_empty());
            for p in &e.problems {
                assert!(p.start <= p.end && p.end <= text.len(), "{p:?}");
                assert!(p.position.line >= 1 && p.position.column >= 1);
            }
        }
    }
}

#[test]
fn truncated_scenarios_never_panic() {
    for path in scenario_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let mut cut = 0;
        while cut < text.len() {
            if text.is_char_boundary(cut) {
                load_and_maybe_run(&text[..cut]);
            }
            cut += 97;
        }
    }
}

#[test]
fn mutated_scenarios_never_panic() {
    const PIECES: &[&str] = &[
        "0",
        "9",
        "-1",
        "99999999999999999999",
        "\"",
        "(",
        ")",
        "[",
        "]",
        ",",
        ":",
        " ",
        "x",
        ".",
        "0.5",
        "/33",
        "::",
        "Gbps",
        "B",
        "ns",
        "eni-",
        "Some(",
        "//",
        "\u{e9}",
    ];
    let mut rng = Lcg(7);
    for path in scenario_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        for _ in 0..1000 {
            let mut t = text.clone();
            for _ in 0..1 + rng.below(3) {
                let mut at = rng.below(t.len());
                while !t.is_char_boundary(at) {
                    at -= 1;
                }
                let mut end = (at + rng.below(6)).min(t.len());
                while !t.is_char_boundary(end) {
                    end -= 1;
                }
                t.replace_range(at..end, PIECES[rng.below(PIECES.len())]);
            }
            load_and_maybe_run(&t);
        }
    }
}

#[test]
fn random_bytes_never_panic() {
    // Arbitrary bytes (as the binary reads them, lossily decoded), and
    // random strings of RON's own tokens, which get further into the parser.
    const TOKENS: &[&str] = &[
        "Scenario(",
        "name:",
        "\"x\"",
        "duration:",
        "\"1s\"",
        "vpcs:",
        "[",
        "]",
        "(",
        ")",
        ",",
        "Vpc(",
        "id:",
        "cidr_blocks:",
        "\"10.0.0.0/16\"",
        "traffic:",
        "Flow(",
        "from:",
        "to:",
        "protocol:",
        "Tcp",
        "rate:",
        "\"1pps\"",
        "size:",
        "Fixed(\"40B\")",
        "0",
        "-1",
        "1e9",
        "Some(",
        "None",
        "true",
        "//",
        "/*",
        "*/",
        "\\",
        "\u{1f600}",
    ];
    let mut rng = Lcg(99);
    for _ in 0..3000 {
        let bytes: Vec<u8> = (0..rng.below(300)).map(|_| rng.below(256) as u8).collect();
        load_and_maybe_run(&String::from_utf8_lossy(&bytes));
        let text: String = (0..rng.below(80))
            .map(|_| TOKENS[rng.below(TOKENS.len())])
            .collect::<Vec<_>>()
            .join(" ");
        load_and_maybe_run(&text);
    }
}

#[test]
fn mutated_captures_never_panic() {
    // The replay scenario's capture, classic and pcapng, with bytes
    // overwritten, cut or duplicated: loaded (and run) or refused with a
    // message, never a panic, never an allocation sized by a damaged length.
    let text = std::fs::read_to_string(root().join("scenarios/replay-web.ron")).unwrap();
    let classic = std::fs::read(root().join("scenarios/captures/web-server.pcap")).unwrap();
    let ng = crate::behaviours::replay::as_pcapng(9);
    let short = Overrides {
        duration: Some(Duration(5_000_000)),
        ..Default::default()
    };
    let mut rng = Lcg(11);
    for original in [classic, ng] {
        for _ in 0..2000 {
            let mut b = original.clone();
            match rng.below(3) {
                0 => {
                    for _ in 0..1 + rng.below(4) {
                        let at = rng.below(b.len());
                        b[at] = [0x00, 0xff, 0x7f, 0x80, rng.below(256) as u8][rng.below(5)];
                    }
                }
                1 => b.truncate(rng.below(b.len())),
                _ => {
                    let at = rng.below(b.len());
                    let piece: Vec<u8> = b[at..(at + rng.below(64)).min(b.len())].to_vec();
                    b.splice(at..at, piece);
                }
            }
            let read = move |_: &str| Ok(b.clone().into());
            if let Ok(l) = sim_core::load_with("r.ron", &text, &short, &read) {
                let _ = sim_core::run(&l.scenario);
            }
        }
    }
}

/// The guide's first example over 20,001 s with metrics every `period`,
/// carrying only its jumbo flows, slowed to 2 packets a second.
fn single_appliance_every(period: &str) -> Run {
    let text = std::fs::read_to_string(root().join("scenarios/tcp-single-appliance.ron")).unwrap();
    let start = text.find("    traffic: [").unwrap();
    let jumbo = r#"    traffic: [
        Flow(name: "jumbo-whole", from: "eni-0app00000000000001", to: "eni-0source0000000001", protocol: Tcp,
             destination_port: 8080, rate: "1pps", size: Fixed("8947B")),
        Flow(name: "jumbo-cut", from: "eni-0app00000000000001", to: "eni-0source0000000001", protocol: Tcp,
             destination_port: 8081, rate: "1pps", size: Fixed("8996B")),
    ],
)
"#;
    let text = format!("{}{jumbo}", &text[..start]).replacen(
        "duration: \"10s\",",
        &format!("duration: \"20001s\", settings: (metrics_period: \"{period}\"),"),
        1,
    );
    run_text(&text)
}

#[test]
fn series_never_hold_more_than_max_bins_periods() {
    // 20,001 s in periods of 1 s is 20,001 periods, over MAX_BINS
    // (10,000): the series count in the least whole multiple that fits,
    // ceil(20,001 / 10,000) = 3 s, ceil(20,001 / 3) = 6,667 of them. That
    // is exactly a run asked for 3 s periods.
    let rolled = single_appliance_every("1s").report;
    let direct = single_appliance_every("3s").report;
    assert_eq!(sim_core::results::MAX_BINS, 10_000);
    assert!(!rolled.instances.is_empty());
    for (a, b) in rolled.instances.iter().zip(&direct.instances) {
        assert_eq!(a.cloudwatch.period_ns, 3_000_000_000);
        assert!(a.cloudwatch.series.iter().all(|s| s.values.len() == 6_667));
        assert_eq!(a.cloudwatch, b.cloudwatch);
    }
    assert_eq!(rolled.totals, direct.totals);
    // An hour in 1 s periods fits: 3,600 periods of 1 s.
    assert_eq!(
        sim_core::results::series_period(1_000_000_000, 3_600_000_000_000),
        1_000_000_000
    );
}

/// Inputs that once crashed a fuzz target (fuzz/run.sh), each given to the
/// `sim` binary the way a user would: `scenario-*` to `sim check`,
/// `capture-*` replayed by `replay-web.ron`, `packet-*` to `sim explain
/// --packet`. Each must end with a verdict (exit 0 or 2), never a panic.
#[test]
fn inputs_that_crashed_a_fuzz_target_get_a_verdict() {
    let dir = root().join("tests/fuzz-crashes");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let work = tempfile::tempdir().unwrap();
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        let shown = f.display().to_string();
        let o = if name.starts_with("scenario-") {
            sim(&["check", &shown])
        } else if name.starts_with("capture-") {
            let text = std::fs::read_to_string(root().join("scenarios/replay-web.ron"))
                .unwrap()
                .replace("captures/web-server.pcap", &shown);
            let s = work.path().join("replay.ron");
            std::fs::write(&s, text).unwrap();
            sim(&["run", s.to_str().unwrap(), "--duration", "20ms"])
        } else if name.starts_with("packet-") {
            let packet = std::fs::read_to_string(f).unwrap();
            sim(&[
                "explain",
                "scenarios/tcp-single-appliance.ron",
                "--packet",
                &packet,
            ])
        } else {
            panic!("{name}: name it scenario-, capture- or packet-");
        };
        let err = stderr(&o);
        assert!(
            matches!(o.status.code(), Some(0 | 2)) && !err.contains("panicked"),
            "{name}: exit {:?}\n{err}",
            o.status.code()
        );
    }
}

/// Copies a fixture tree.
fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn mutated_snapshots_and_plans_never_panic_the_import() {
    // Truncated JSON, values of the wrong type, ids made empty or
    // duplicated: each import ends in a scenario (exit 0) or located errors
    // (exit 2), never a panic.
    const PIECES: &[&str] = &[
        "",
        "null",
        "\"\"",
        "[]",
        "{}",
        "-1",
        "1e309",
        "\"x\"",
        "true",
        "\"vpc-0c0ffee000000001\"",
    ];
    let mut rng = Lcg(11);
    let dir = tempfile::tempdir().unwrap();
    // Snapshots of one account, and of three with RAM shares and
    // organisations (written by the round trip's describe helper).
    let shared = dir.path().join("shared");
    let t = load_file(
        &root().join("scenarios/cross-account-shared-target.ron"),
        "x",
    )
    .unwrap()
    .scenario
    .topology;
    crate::import::describe::describe(&t).write(&shared);
    let sources = [
        root().join("tests/fixtures/aws/nlb-example"),
        root().join("tests/fixtures/aws/tgw-hub-two-spokes"),
        root().join("tests/fixtures/aws/guide-gwlb-two-spokes"),
        shared,
    ];
    for round in 0..60 {
        let snap = dir.path().join(format!("snap{round}"));
        copy_dir(&sources[round % sources.len()], &snap);
        let mut files: Vec<_> = Vec::new();
        let mut stack = vec![snap.clone()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    files.push(p);
                }
            }
        }
        files.sort();
        let plan = dir.path().join(format!("plan{round}.json"));
        std::fs::copy(
            root().join("tests/fixtures/terraform/add-ids-session.plan.json"),
            &plan,
        )
        .unwrap();
        files.push(plan.clone());
        let file = &files[rng.below(files.len())];
        let mut t = std::fs::read_to_string(file).unwrap();
        if rng.below(4) == 0 {
            t.truncate(rng.below(t.len()));
        } else {
            for _ in 0..1 + rng.below(3) {
                // Replace a value: from a colon to the next comma or brace.
                let colons: Vec<usize> = t.match_indices(": ").map(|(i, _)| i + 2).collect();
                let Some(&at) = colons.get(rng.below(colons.len())) else {
                    break;
                };
                let end = t[at..].find([',', '}', '\n']).map_or(t.len(), |e| at + e);
                t.replace_range(at..end, PIECES[rng.below(PIECES.len())]);
            }
        }
        std::fs::write(file, t).unwrap();
        for args in [
            vec!["import", "aws", snap.to_str().unwrap()],
            vec![
                "import",
                "terraform",
                plan.to_str().unwrap(),
                "--base",
                snap.to_str().unwrap(),
            ],
        ] {
            let o = sim(&args);
            let code = o.status.code();
            assert!(
                matches!(code, Some(0 | 2)) && !stderr(&o).contains("panicked"),
                "round {round}, {}: exit {code:?}\n{}",
                file.display(),
                stderr(&o)
            );
        }
    }
}
