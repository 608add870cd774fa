//! SVG charts: one per session, source, target and source instance, titled,
//! with a legend and axes in human units; byte-stable, so snapshot-tested.

use crate::common::*;

#[test]
fn every_session_source_target_and_instance_gets_a_chart() {
    let r = run_scenario("nlb-fleet.ron").report;
    let charts = reports::charts::charts(&r).unwrap();
    let files: Vec<&str> = charts.iter().map(|c| c.file.as_str()).collect();
    // nlb-fleet: two sessions (web-a, web-b), two sources, one NLB target,
    // two source instances with two CloudWatch charts and a load chart
    // each, and the NLB's fleet: 2 + 2 + 1 + 6 + 1.
    assert_eq!(
        files,
        [
            "session-tms-0weba00000001.svg",
            "session-tms-0webb00000001.svg",
            "source-eni-0weba00000001.svg",
            "source-eni-0webb00000001.svg",
            "target-tmt-0nlb0000000001.svg",
            "instance-i-0weba000000001-packets.svg",
            "instance-i-0weba000000001-bits.svg",
            "instance-i-0weba000000001-load.svg",
            "instance-i-0webb000000001-packets.svg",
            "instance-i-0webb000000001-bits.svg",
            "instance-i-0webb000000001-load.svg",
            "fleet-ids-fleet.svg",
        ]
    );
    for c in &charts {
        assert!(c.svg.starts_with("<svg"), "{}", c.file);
        assert!(c.svg.contains(&c.title), "{}: titled", c.file);
        assert!(c.svg.contains("simulated time (s)"), "{}: x axis", c.file);
        assert!(
            !c.svg.contains("NaN") && !c.svg.contains("inf"),
            "{}",
            c.file
        );
        // No font file is needed: the viewer draws sans-serif.
        assert!(!c.svg.contains("@font-face"), "{}", c.file);
    }
    // The target's legend names its four lines.
    let target = &charts[4].svg;
    for name in ["sent", "delivered", "dropped", "reordered"] {
        assert!(target.contains(&format!("\n{name}\n")), "legend {name}");
    }
    // An instance's load chart draws its baseline and burst; the fleet's
    // a line per appliance.
    let load = &charts[7].svg;
    for name in ["egress_bits", "ingress_bits", "baseline", "burst"] {
        assert!(load.contains(&format!("\n{name}\n")), "legend {name}");
    }
    let fleet = &charts[11].svg;
    for eni in ["eni-0idsa100000001", "eni-0idsb200000001"] {
        assert!(fleet.contains(&format!("\n{eni}\n")), "legend {eni}");
    }
    // Same report, same bytes.
    assert_eq!(reports::charts::charts(&r).unwrap(), charts);
    insta::assert_snapshot!("nlb-fleet-target", target);
}

#[test]
fn axis_labels_are_in_human_units() {
    use reports::charts::human;
    assert_eq!(human(0.0), "0");
    assert_eq!(human(2_500.0), "2.5k");
    assert_eq!(human(20_000.0), "20k");
    assert_eq!(human(11_200_000.0), "11.2M");
    assert_eq!(human(8.27e9), "8.27G");
    assert_eq!(human(12.5), "12.5");
}

#[test]
fn sim_run_out_writes_the_charts_beside_the_report() {
    let dir = sim_run_out("scenarios/tcp-udp-split.ron", "1s", &[]);
    let out = dir.path();
    let mut names: Vec<String> = std::fs::read_dir(out.join("charts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    // tcp-udp-split: two sessions on one source, two targets, one source
    // instance (CloudWatch packets and bits, and its load), two ENI-target
    // fleets: 2 + 1 + 2 + 3 + 2 charts, and no temporary file left behind.
    assert_eq!(names.len(), 10, "{names:?}");
    assert!(
        names
            .iter()
            .all(|n| n.ends_with(".svg") && !n.starts_with('.'))
    );
}
