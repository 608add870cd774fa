//! Properties with an oracle (proptest), each checked against code written
//! here with another method, sharing nothing with the implementation:
//!
//! - the units parser against a decimal parser that shifts the point in
//!   the text (powers of ten) or works with the whole numerator (min, h);
//! - CIDR containment, and InvalidSubnet.Conflict against pairwise
//!   overlap of address ranges;
//! - any scenario `check` accepts runs 10 ms without a panic.
//!
//! A filter's decision against a naive linear matcher is
//! `topology/tests/filter_oracle.rs`.

use std::net::{IpAddr, Ipv4Addr};

use proptest::prelude::*;
use proptest::test_runner::Config;
use sim_core::units::{ByteSize, Duration, Rate};

use crate::common::*;

/// A decimal as digits: `int` before the point, `frac` after it (either
/// may be empty).
fn decimal() -> impl Strategy<Value = (String, String)> {
    ("[0-9]{0,12}", "[0-9]{0,9}").prop_filter("a number has a digit", |(i, f)| {
        !(i.is_empty() && f.is_empty())
    })
}

/// `int.frac` times `10^shift`, exactly, by moving the point in the text:
/// `None` when digits other than 0 are left after the point or it does not
/// fit in u64.
fn shifted(int: &str, frac: &str, shift: usize) -> Option<u64> {
    let mut frac = frac.to_string();
    while frac.len() < shift {
        frac.push('0');
    }
    let (moved, left) = frac.split_at(shift);
    if left.bytes().any(|b| b != b'0') {
        return None;
    }
    let digits = format!("{int}{moved}");
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return Some(0);
    }
    digits.parse().ok()
}

/// `int.frac` times `mult` from the whole numerator: (int.frac x 10^f) x
/// mult / 10^f, `None` unless exact and within u64.
fn scaled(int: &str, frac: &str, mult: u128) -> Option<u64> {
    let numerator: u128 = format!("{int}{frac}0").parse::<u128>().ok()? / 10;
    let denominator = 10u128.pow(frac.len() as u32);
    let product = numerator.checked_mul(mult)?;
    if product % denominator != 0 {
        return None;
    }
    u64::try_from(product / denominator).ok()
}

fn text(int: &str, frac: &str, unit: &str) -> String {
    if frac.is_empty() {
        format!("{int}{unit}")
    } else {
        format!("{int}.{frac}{unit}")
    }
}

proptest! {
    #![proptest_config(Config::with_cases(2_000))]

    #[test]
    fn durations_parse_as_a_decimal_shifted_in_the_text(
        (int, frac) in decimal(),
        unit in prop_oneof![Just(("ns", 0)), Just(("us", 3)), Just(("ms", 6)), Just(("s", 9))],
    ) {
        let t = text(&int, &frac, unit.0);
        let want = shifted(&int, &frac, unit.1);
        let got = t.parse::<Duration>().ok().map(|d| d.as_nanos());
        prop_assert_eq!(got, want, "{}", t);
    }

    #[test]
    fn minutes_and_hours_parse_from_the_whole_numerator(
        (int, frac) in decimal(),
        unit in prop_oneof![Just(("min", 60_000_000_000u128)), Just(("h", 3_600_000_000_000))],
    ) {
        let t = text(&int, &frac, unit.0);
        let got = t.parse::<Duration>().ok().map(|d| d.as_nanos());
        prop_assert_eq!(got, scaled(&int, &frac, unit.1), "{}", t);
    }

    #[test]
    fn rates_and_sizes_parse_as_decimals(
        (int, frac) in decimal(),
        unit in prop_oneof![
            Just(("bps", 1u128)), Just(("kbps", 1_000)), Just(("Mbps", 1_000_000)),
            Just(("Gbps", 1_000_000_000)), Just(("pps", 1_000)), Just(("kpps", 1_000_000)),
            Just(("B", 1)), Just(("kB", 1_000)), Just(("KiB", 1_024)), Just(("MiB", 1_048_576)),
        ],
    ) {
        let t = text(&int, &frac, unit.0);
        let want = scaled(&int, &frac, unit.1);
        if unit.0.ends_with('B') {
            prop_assert_eq!(t.parse::<ByteSize>().ok().map(|s| s.0), want, "{}", t);
        } else {
            // A rate of zero is refused: no traffic is no flow.
            let got = t.parse::<Rate>().ok().map(|r| match r {
                Rate::BitsPerSecond(b) => b,
                Rate::MilliPacketsPerSecond(m) => m,
            });
            prop_assert_eq!(got, want.filter(|&v| v > 0), "{}", t);
        }
    }

    #[test]
    fn a_duration_reads_back_as_it_prints(ns in any::<u64>()) {
        let d = Duration(ns);
        prop_assert_eq!(d.to_string().parse::<Duration>(), Ok(d));
    }

    #[test]
    fn cidr_containment_is_the_masked_prefix(
        net in any::<u32>(), prefix in 0u8..=32, ip in any::<u32>(),
    ) {
        // Oracle: the first `prefix` bits agree.
        let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
        let want = (net & mask) == (ip & mask);
        let block = ipnet::Ipv4Net::new(Ipv4Addr::from(net), prefix).unwrap().trunc();
        let subnet = topology::Subnet {
            id: "subnet-p".into(),
            vpc: topology::VpcIdx(0),
            availability_zone: "us-east-1a".into(),
            cidr_block: Some(block),
            ipv6_cidr_block: None,
            route_table: None,
            network_acl: None,
            shared_with: vec![],
        };
        prop_assert_eq!(subnet.contains(IpAddr::V4(Ipv4Addr::from(ip))), want);
    }
}

/// A subnet of 10.0.0.0/16: its first address and prefix length.
fn subnet_in_vpc() -> impl Strategy<Value = (u32, u8)> {
    (16u8..=28, any::<u16>()).prop_map(|(prefix, bits)| {
        let host_bits = 32 - u32::from(prefix);
        let base = (10u32 << 24) | u32::from(bits);
        (base >> host_bits << host_bits, prefix)
    })
}

/// The scenario of the guide's first example with `extra` subnets added to
/// its VPC.
fn with_subnets(extra: &[(u32, u8)]) -> String {
    let text = std::fs::read_to_string(root().join("scenarios/tcp-single-appliance.ron")).unwrap();
    let added: String = extra
        .iter()
        .enumerate()
        .map(|(i, (base, prefix))| {
            format!(
                "Subnet(id: \"subnet-p{i}\", availability_zone: \"us-east-1a\", cidr_block: \"{}/{prefix}\"),\n",
                Ipv4Addr::from(*base)
            )
        })
        .collect();
    text.replacen("subnets: [\n", &format!("subnets: [\n{added}"), 1)
}

proptest! {
    #![proptest_config(Config::with_cases(300))]

    #[test]
    fn invalid_subnet_conflict_finds_every_overlap(extra in proptest::collection::vec(subnet_in_vpc(), 0..8)) {
        // The example's own subnets, then the added ones.
        let mut blocks: Vec<(u32, u32)> = vec![
            (0x0a00_0100, 0x0a00_01ff),
            (0x0a00_0200, 0x0a00_02ff),
        ];
        blocks.extend(extra.iter().map(|&(base, prefix)| {
            (base, base | (u32::MAX >> prefix))
        }));
        // Oracle: blocks that overlap form groups (connected components);
        // EC2 would refuse every block after the first of its group, so
        // the errors are the blocks less the groups, and there is one
        // exactly when some pair overlaps.
        let n = blocks.len();
        let mut group: Vec<usize> = (0..n).collect();
        fn root_of(g: &mut [usize], mut i: usize) -> usize {
            while g[i] != i {
                i = g[i];
            }
            i
        }
        for a in 0..n {
            for b in a + 1..n {
                let overlap = blocks[a].0 <= blocks[b].1 && blocks[b].0 <= blocks[a].1;
                if overlap {
                    let (ra, rb) = (root_of(&mut group, a), root_of(&mut group, b));
                    group[ra] = rb;
                }
            }
        }
        let groups = (0..n).filter(|&i| root_of(&mut group, i) == i).count();
        let conflicts = match sim_core::load("p.ron", &with_subnets(&extra), &Default::default()) {
            Ok(_) => 0,
            Err(e) => e.errors().filter(|p| p.code == "InvalidSubnet.Conflict").count(),
        };
        prop_assert_eq!(conflicts, n - groups);
    }
}

/// Values of each shape that stress the twin: limits, zeros, extremes.
const RATES: &[&str] = &[
    "1bps", "1kbps", "100Gbps", "1Tbps", "0.001pps", "1pps", "1Mpps",
];
const DURATIONS: &[&str] = &["0s", "1ns", "1ms", "10s", "0.5s", "1h", "999999h"];
const SIZES: &[&str] = &["1B", "14B", "65B", "8947B", "9001B", "65535B", "100000B"];
const SHARES: &[&str] = &["0%", "50%", "99.9999%", "100%"];
const CIDRS: &[&str] = &[
    "0.0.0.0/0",
    "10.0.0.0/8",
    "10.0.1.0/24",
    "10.0.1.10/32",
    "::/0",
    "2600:1f18::/56",
    "10.0.0.0/33",
];
const ADDRESSES: &[&str] = &[
    "10.0.1.10",
    "10.0.2.50",
    "0.0.0.0",
    "255.255.255.255",
    "::1",
];
const NUMBERS: &[&str] = &[
    "0",
    "1",
    "2",
    "255",
    "256",
    "32766",
    "32767",
    "65535",
    "65536",
    "4294967295",
    "18446744073709551615",
    "16777215",
    "16777216",
];

/// A value of the same shape as `old` (a quoted literal's contents, or a
/// number), so most changed scenarios still load: the `pick`th of its
/// shape's list, or for names and ids another quoted literal of the file.
fn same_shape(old: &str, quoted: bool, pick: usize, others: &[String]) -> String {
    let of = |list: &[&str]| list[pick % list.len()].to_string();
    if !quoted {
        return of(NUMBERS);
    }
    let digit_then = |suffixes: &[&str]| {
        suffixes.iter().any(|x| {
            old.strip_suffix(x)
                .is_some_and(|n| n.ends_with(|c: char| c.is_ascii_digit()))
        })
    };
    let value = if digit_then(&["bps", "pps"]) {
        of(RATES)
    } else if digit_then(&["ns", "us", "ms", "s", "min", "h"]) {
        of(DURATIONS)
    } else if digit_then(&["B"]) {
        of(SIZES)
    } else if digit_then(&["%"]) {
        of(SHARES)
    } else if old.contains('/') && old.parse::<ipnet::IpNet>().is_ok() {
        of(CIDRS)
    } else if old.parse::<IpAddr>().is_ok() {
        of(ADDRESSES)
    } else {
        others[pick % others.len()].clone()
    };
    format!("\"{value}\"")
}

/// Where the literals of a scenario are: quoted strings and numbers.
fn literals(text: &str) -> Vec<(usize, usize, bool)> {
    let b = text.as_bytes();
    let mut v = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i] == b'"' {
            let start = i;
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += 1;
            }
            v.push((start, i + 1, true));
            i += 1;
        } else if b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            v.push((start, i, false));
        } else {
            i += 1;
        }
    }
    v
}

proptest! {
    #![proptest_config(Config::with_cases(1_000))]

    #[test]
    fn any_scenario_check_accepts_runs_10_ms_without_panic(
        file in 0usize..64,
        changes in proptest::collection::vec((any::<prop::sample::Index>(), 0usize..64), 1..3),
    ) {
        let files = scenario_files();
        let path = &files[file % files.len()];
        let mut text = std::fs::read_to_string(path).unwrap();
        for (at, value) in changes {
            let lits = literals(&text);
            if lits.is_empty() {
                break;
            }
            let others: Vec<String> = lits
                .iter()
                .filter(|l| l.2)
                .map(|l| text[l.0 + 1..l.1 - 1].to_string())
                .collect();
            let (start, end, quoted) = lits[at.index(lits.len())];
            let old = if quoted { &text[start + 1..end - 1] } else { &text[start..end] };
            let new = same_shape(old, quoted, value, &others);
            text.replace_range(start..end, &new);
        }
        let short = sim_core::Overrides {
            duration: Some(Duration(10_000_000)),
            ..Default::default()
        };
        let base = path.parent().unwrap().to_path_buf();
        let read = move |f: &str| {
            std::fs::read(base.join(f))
                .map(sim_core::CaptureFile::from)
                .map_err(|e| e.to_string())
        };
        if let Ok(loaded) = sim_core::load_with("p.ron", &text, &short, &read) {
            // As `sim run` does: a run over the packet limit is refused.
            let work = sim_core::work::estimate(&loaded.scenario);
            if sim_core::work::over_hard_limit(&work).is_none() && work.packets <= 200_000 {
                let _ = sim_core::run(&loaded.scenario);
            }
        }
    }
}
