//! The EC2 instance types the user guide names, in one table: which may be
//! mirror sources (SRC-01) and which take 100 sources as a target (TGT-12).
//!
//! A type is `family.size`. The guide lists source support by family, for
//! virtualised sizes and for bare metal (Nitro v2 families only), and the
//! 100-sources quota by exact type. Families the guide does not list as
//! sources but that exist are kept too, so a typo (`m5.lage`, `m55.large`)
//! can be told from an unsupported type (`t2.micro`).

/// Families whose virtualised types may be sources.
const VIRTUALISED: &[&str] = &[
    "a1",
    "m4",
    "m5",
    "m5a",
    "m5ad",
    "m5d",
    "m5dn",
    "m5n",
    "m5zn",
    "m6a",
    "m6g",
    "m6gd",
    "m6i",
    "m6id",
    "m6idn",
    "m6in",
    "m7a",
    "m7g",
    "m7gd",
    "m7i",
    "m7i-flex",
    "mac1",
    "mac2",
    "mac2-m1ultra",
    "mac2-m2",
    "mac2-m2pro",
    "t3",
    "t3a",
    "t4g",
    "c4",
    "c5",
    "c5a",
    "c5ad",
    "c5d",
    "c5n",
    "c6a",
    "c6g",
    "c6gd",
    "c6gn",
    "c6i",
    "c6id",
    "c6in",
    "c7a",
    "c7g",
    "c7gd",
    "c7i",
    "c7i-flex",
    "r4",
    "r5",
    "r5a",
    "r5ad",
    "r5b",
    "r5d",
    "r5dn",
    "r5n",
    "r6a",
    "r6g",
    "r6gd",
    "r6i",
    "r6id",
    "r6idn",
    "r6in",
    "r7a",
    "r7g",
    "r7gd",
    "r7i",
    "r7iz",
    "u-3tb1",
    "u-6tb1",
    "u-9tb1",
    "u-12tb1",
    "u-18tb1",
    "u-24tb1",
    "u7i-6tb",
    "u7i-8tb",
    "u7i-12tb",
    "u7in-16tb",
    "u7in-24tb",
    "u7in-32tb",
    "u7inh-32tb",
    "x1",
    "x1e",
    "x2gd",
    "x2idn",
    "x2iedn",
    "x2iezn",
    "z1d",
    "d2",
    "d3",
    "d3en",
    "h1",
    "i3",
    "i3en",
    "i4g",
    "i4i",
    "i7i",
    "im4gn",
    "is4gen",
    "dl1",
    "dl2q",
    "f1",
    "f2",
    "g3",
    "g4ad",
    "g4dn",
    "g5",
    "g5g",
    "g6",
    "g6e",
    "g6f",
    "gr6",
    "gr6f",
    "inf1",
    "inf2",
    "p3",
    "p3dn",
    "p4d",
    "p4de",
    "p5",
    "p5e",
    "trn1",
    "trn1n",
    "vt1",
    "hpc6a",
    "hpc6id",
    "hpc7a",
];

/// Families whose bare-metal types may be sources (Nitro v2).
const BARE_METAL: &[&str] = &[
    "m5",
    "m5d",
    "m6g",
    "m6gd",
    "mac1",
    "mac2",
    "mac2-m1ultra",
    "mac2-m2",
    "mac2-m2pro",
    "a1",
    "c5",
    "c5d",
    "c6g",
    "c6gd",
    "r5",
    "r5b",
    "r5d",
    "r6g",
    "r6gd",
    "x2gd",
    "z1d",
    "i3",
    "g5g",
];

/// Types that accept up to 100 sources as a target; all others take 10.
const HUNDRED_SOURCES: &[&str] = &[
    "m5.24xlarge",
    "m5d.24xlarge",
    "m5dn.24xlarge",
    "m5n.24xlarge",
    "m5zn.12xlarge",
    "m6a.48xlarge",
    "m6g.16xlarge",
    "m6gd.16xlarge",
    "m6i.32xlarge",
    "m6id.32xlarge",
    "m6idn.32xlarge",
    "m6in.32xlarge",
    "m7a.48xlarge",
    "m7i.48xlarge",
    "m8a.48xlarge",
    "m8g.48xlarge",
    "m8gb.24xlarge",
    "m8gd.48xlarge",
    "m8gn.24xlarge",
    "m8gn.48xlarge",
    "m8i.96xlarge",
    "c5.18xlarge",
    "c5.24xlarge",
    "c5d.18xlarge",
    "c5d.24xlarge",
    "c5n.18xlarge",
    "c6a.48xlarge",
    "c6g.16xlarge",
    "c6gd.16xlarge",
    "c6gn.16xlarge",
    "c6i.32xlarge",
    "c6id.32xlarge",
    "c6in.32xlarge",
    "c7a.48xlarge",
    "c7gn.16xlarge",
    "c7i.48xlarge",
    "c8a.48xlarge",
    "c8g.48xlarge",
    "c8gb.24xlarge",
    "c8gd.48xlarge",
    "c8gn.24xlarge",
    "c8gn.48xlarge",
    "c8i.96xlarge",
    "r5.24xlarge",
    "r5b.24xlarge",
    "r5d.24xlarge",
    "r5dn.24xlarge",
    "r5n.24xlarge",
    "r6a.48xlarge",
    "r6g.16xlarge",
    "r6gd.16xlarge",
    "r6i.32xlarge",
    "r6id.32xlarge",
    "r6idn.32xlarge",
    "r6in.32xlarge",
    "r7a.48xlarge",
    "r7i.48xlarge",
    "r7iz.32xlarge",
    "r8a.48xlarge",
    "r8g.48xlarge",
    "r8gb.24xlarge",
    "r8gd.48xlarge",
    "r8gn.24xlarge",
    "r8gn.48xlarge",
    "r8i.96xlarge",
    "u-6tb1.56xlarge",
    "u-6tb1.112xlarge",
    "u-9tb1.112xlarge",
    "u-12tb1.112xlarge",
    "u-18tb1.112xlarge",
    "u-24tb1.112xlarge",
    "u7i-6tb.112xlarge",
    "u7i-8tb.112xlarge",
    "u7i-12tb.224xlarge",
    "u7in-16tb.224xlarge",
    "u7in-24tb.224xlarge",
    "u7in-32tb.224xlarge",
    "u7inh-32tb.480xlarge",
    "x2gd.16xlarge",
    "x2idn.32xlarge",
    "x2iedn.32xlarge",
    "x2iezn.12xlarge",
    "x8g.48xlarge",
    "x8aedz.24xlarge",
    "z1d.12xlarge",
    "i3en.24xlarge",
    "i4g.16xlarge",
    "i4i.32xlarge",
    "i7i.48xlarge",
    "i7ie.48xlarge",
    "i8g.48xlarge",
    "i8ge.48xlarge",
    "im4gn.16xlarge",
    "dl1.24xlarge",
    "dl2q.24xlarge",
    "f2.48xlarge",
    "g5.48xlarge",
    "g5g.16xlarge",
    "g6.48xlarge",
    "g6e.12xlarge",
    "g6e.24xlarge",
    "g6e.48xlarge",
    "inf1.24xlarge",
    "inf2.48xlarge",
    "p3dn.24xlarge",
    "p4d.24xlarge",
    "p4de.24xlarge",
    "p5.4xlarge",
    "p5.48xlarge",
    "p5e.48xlarge",
    "p5en.48xlarge",
    "p6-b200.48xlarge",
    "p6-b300.48xlarge",
    "p6e-gb200.36xlarge",
    "trn1.32xlarge",
    "trn1n.32xlarge",
    "trn2.48xlarge",
    "trn2u.48xlarge",
    "vt1.24xlarge",
    "hpc6a.48xlarge",
    "hpc6id.32xlarge",
    "hpc7a.12xlarge",
    "hpc7a.24xlarge",
    "hpc7a.48xlarge",
    "hpc7a.96xlarge",
    "hpc7g.4xlarge",
    "hpc7g.8xlarge",
    "hpc7g.16xlarge",
];

/// Families that exist but the guide does not list as sources.
const OTHER_FAMILIES: &[&str] = &[
    "t1", "t2", "m1", "m2", "m3", "c1", "c3", "cc2", "cr1", "g2", "hs1", "i2", "p2", "r3", "c7gn",
    "c8g", "c8gd", "c8gn", "c8a", "c8i", "m8g", "m8gd", "m8a", "m8i", "r8g", "r8gd", "r8a", "r8i",
    "x8g", "i7ie", "i8g", "i8ge", "p5en", "trn2", "trn2u", "hpc7g", "g4ad",
];

/// What the table says about one instance type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Support {
    /// May be a mirror source.
    Source,
    /// Exists, but may not be a source (the family is not listed, or a
    /// bare-metal size of a family listed for virtualised sizes only).
    NotSource,
    /// Not a type this table knows: probably a typo.
    Unknown,
}

fn is_size(size: &str) -> bool {
    matches!(
        size,
        "nano" | "micro" | "small" | "medium" | "large" | "xlarge" | "metal"
    ) || size
        .strip_suffix("xlarge")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        || size
            .strip_prefix("metal-")
            .and_then(|n| n.strip_suffix("xl"))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

fn known_family(family: &str) -> bool {
    family_figures(family).is_some()
        || VIRTUALISED.contains(&family)
        || BARE_METAL.contains(&family)
        || OTHER_FAMILIES.contains(&family)
        || HUNDRED_SOURCES
            .iter()
            .any(|t| t.split_once('.').is_some_and(|(f, _)| f == family))
}

/// SRC-01: whether an instance type may be a traffic mirror source.
pub fn support(instance_type: &str) -> Support {
    let Some((family, size)) = instance_type.split_once('.') else {
        return Support::Unknown;
    };
    if !known_family(family) || !is_size(size) {
        return Support::Unknown;
    }
    let metal = size.starts_with("metal");
    let listed = if metal {
        BARE_METAL.contains(&family)
    } else {
        VIRTUALISED.contains(&family)
    };
    if listed {
        Support::Source
    } else {
        Support::NotSource
    }
}

/// TGT-12: how many sources an ENI target on this instance type accepts.
pub fn max_sources_per_target(instance_type: &str) -> usize {
    if HUNDRED_SOURCES.contains(&instance_type) {
        100
    } else {
        10
    }
}

/// Up to three known types closest to a misspelt one, for "did you mean".
pub fn closest(instance_type: &str) -> Vec<String> {
    const SIZES: &[&str] = &[
        "nano", "micro", "small", "medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge",
        "12xlarge", "16xlarge", "24xlarge", "48xlarge", "metal",
    ];
    let written = instance_type.split_once('.').map_or("large", |(_, s)| s);
    let size = if is_size(written) {
        written
    } else {
        SIZES
            .iter()
            .min_by_key(|s| (strsim::levenshtein(written, s), **s))
            .copied()
            .unwrap_or("large")
    };
    let mut families: Vec<&str> = VIRTUALISED
        .iter()
        .chain(OTHER_FAMILIES)
        .copied()
        .chain(families().map(|f| f.family))
        .collect();
    families.sort_unstable();
    families.dedup();
    let mut scored: Vec<(usize, String)> = families
        .iter()
        .map(|f| {
            let candidate = format!("{f}.{size}");
            (strsim::levenshtein(instance_type, &candidate), candidate)
        })
        .collect();
    // Nearest first; ties broken by name so the answer is stable.
    scored.sort();
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_sources_from_unsupported_and_unknown_types() {
        assert_eq!(support("m5.large"), Support::Source);
        assert_eq!(support("m7i-flex.2xlarge"), Support::Source);
        assert_eq!(support("u-6tb1.112xlarge"), Support::Source);
        assert_eq!(support("c5.metal"), Support::Source);
        assert_eq!(support("c6i.metal"), Support::NotSource);
        assert_eq!(support("t2.micro"), Support::NotSource);
        assert_eq!(support("m8g.48xlarge"), Support::NotSource);
        assert_eq!(support("m5.lage"), Support::Unknown);
        assert_eq!(support("m55.large"), Support::Unknown);
        assert_eq!(support("m5"), Support::Unknown);
    }

    #[test]
    fn knows_which_targets_take_100_sources() {
        assert_eq!(max_sources_per_target("c5n.18xlarge"), 100);
        assert_eq!(max_sources_per_target("c5n.9xlarge"), 10);
        assert_eq!(max_sources_per_target("t3.medium"), 10);
    }

    #[test]
    fn suggests_near_names() {
        assert!(closest("m5.lage").contains(&"m5.large".to_string()));
        assert!(closest("c5n.xlarg").contains(&"c5n.xlarge".to_string()));
    }
}

/// An instance's network figures, as the catalogue gives them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NetworkPerformance {
    /// Bits per second the instance sustains, each way at once.
    pub baseline_bps: u64,
    /// Bits per second it may burst to ("up to" types); equal to the
    /// baseline for fixed types.
    pub burst_bps: u64,
    /// Packets per second, each way. AWS publishes no figure: this is the
    /// project's assumption (see [`assumed_pps`]).
    pub pps: u64,
}

const M: u64 = 1_000_000;

/// The assumed packets-per-second budget: 100,000 packets per second for
/// every Gbps of burst bandwidth, at least 100,000. (ENA instances are
/// commonly measured near one million packets per second at 10 Gbps; AWS
/// publishes nothing, so a scenario should override it where it matters.)
pub fn assumed_pps(burst_bps: u64) -> u64 {
    (burst_bps / 10_000).max(100_000)
}

/// BW-07: the network catalogue, as data (`topology/data/network-performance.txt`):
/// per family the guide page and the month it was checked; per type its
/// figures and whether they are AWS's (see the file's head).
const CATALOGUE: &str = include_str!("../data/network-performance.txt");

/// Where a type's figures come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provenance {
    /// Both figures are in AWS's tables.
    Published,
    /// The baseline is AWS's; the burst is the one AWS publishes for the
    /// compute family with the same baselines.
    Sibling,
    /// The project's estimate.
    Estimated,
}

/// One instance type's entry in the catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TypeFigures {
    pub instance_type: &'static str,
    pub baseline_mbps: u64,
    pub burst_mbps: u64,
    pub provenance: Provenance,
}

/// One family's entry in the catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FamilyFigures {
    pub family: &'static str,
    /// The guide page the family is listed on (`gp`, `co`, `mo`, `so`,
    /// `ac`, `hpc`, `pg`: see the data file's head).
    pub source: &'static str,
    /// When its figures were checked (year and month).
    pub date: &'static str,
}

fn parse_type(line: &'static str) -> Option<TypeFigures> {
    let mut f = line.strip_prefix("type|")?.split('|');
    Some(TypeFigures {
        instance_type: f.next()?,
        baseline_mbps: f.next()?.parse().ok()?,
        burst_mbps: f.next()?.parse().ok()?,
        provenance: match f.next()? {
            "published" => Provenance::Published,
            "sibling" => Provenance::Sibling,
            "estimated" => Provenance::Estimated,
            _ => return None,
        },
    })
}

/// Every type of the catalogue, sorted by name for lookup.
fn types() -> &'static [TypeFigures] {
    static TYPES: std::sync::OnceLock<Vec<TypeFigures>> = std::sync::OnceLock::new();
    TYPES.get_or_init(|| {
        let mut t: Vec<TypeFigures> = CATALOGUE.lines().filter_map(parse_type).collect();
        t.sort_unstable_by_key(|f| f.instance_type);
        t
    })
}

/// The families of the catalogue, in file order.
pub fn families() -> impl Iterator<Item = FamilyFigures> {
    CATALOGUE.lines().filter_map(|l| {
        let mut f = l.strip_prefix("family|")?.split('|');
        Some(FamilyFigures {
            family: f.next()?,
            source: f.next()?,
            date: f.next()?,
        })
    })
}

/// A family's catalogue entry (looked up by name in a table parsed once:
/// the check of every source at fleet scale asks thousands of times).
pub fn family_figures(family: &str) -> Option<FamilyFigures> {
    static BY_NAME: std::sync::OnceLock<Vec<FamilyFigures>> = std::sync::OnceLock::new();
    let table = BY_NAME.get_or_init(|| {
        let mut t: Vec<FamilyFigures> = families().collect();
        // The first entry of a family wins, as a scan in file order finds.
        t.sort_by_key(|f| f.family);
        t.dedup_by_key(|f| f.family);
        t
    });
    table
        .binary_search_by_key(&family, |f| f.family)
        .ok()
        .map(|i| table[i])
}

/// A type's catalogue entry.
pub fn type_figures(instance_type: &str) -> Option<TypeFigures> {
    let t = types();
    t.binary_search_by_key(&instance_type, |f| f.instance_type)
        .ok()
        .map(|i| t[i])
}

/// The catalogue's types in a family, in the file's (size) order.
fn family_types(family: &str) -> impl Iterator<Item = TypeFigures> + '_ {
    CATALOGUE
        .lines()
        .filter_map(parse_type)
        .filter(move |t| t.instance_type.split_once('.').map(|(f, _)| f) == Some(family))
}

/// The sizes the catalogue has figures for in a family.
pub fn sizes_of(family: &str) -> Vec<&'static str> {
    family_types(family)
        .filter_map(|t| t.instance_type.split_once('.').map(|(_, s)| s))
        .collect()
}

/// The catalogue's network figures for an instance type, when it has them.
pub fn network_performance(instance_type: &str) -> Option<NetworkPerformance> {
    let f = type_figures(instance_type)?;
    let (baseline_bps, burst_bps) = (f.baseline_mbps * M, f.burst_mbps * M);
    Some(NetworkPerformance {
        baseline_bps,
        burst_bps,
        pps: assumed_pps(burst_bps),
    })
}

#[cfg(test)]
mod catalogue_tests {
    use super::*;

    const G: u64 = 1_000_000_000;

    fn f(t: &str) -> Option<(u64, u64)> {
        network_performance(t).map(|n| (n.baseline_bps, n.burst_bps))
    }

    #[test]
    fn public_figures_of_the_reference() {
        // AWS's "Baseline / Burst bandwidth (Gbps)" column: t3.medium
        // 0.256 / 5, c5.large and m5.large 0.75 / 10, m5.xlarge 1.25 / 10,
        // c5n.large 3 / 25; the fixed sizes sustain their figure.
        assert_eq!(f("t3.medium"), Some((256 * M, 5 * G)));
        assert_eq!(f("c5.large"), Some((750 * M, 10 * G)));
        assert_eq!(f("m5.large"), Some((750 * M, 10 * G)));
        assert_eq!(f("r5.large"), Some((750 * M, 10 * G)));
        assert_eq!(f("m5.xlarge"), Some((1_250 * M, 10 * G)));
        assert_eq!(f("c5n.large"), Some((3 * G, 25 * G)));
        assert_eq!(f("m5.8xlarge"), Some((10 * G, 10 * G)));
        assert_eq!(f("c5.9xlarge"), Some((12 * G, 12 * G)));
        assert_eq!(f("c5.18xlarge"), Some((25 * G, 25 * G)));
        assert_eq!(f("m5.24xlarge"), Some((25 * G, 25 * G)));
        assert_eq!(f("r5.24xlarge"), Some((25 * G, 25 * G)));
        assert_eq!(f("c5n.18xlarge"), Some((100 * G, 100 * G)));
        assert_eq!(f("x1.16xlarge"), Some((10 * G, 10 * G)));
        // 1 Gbps of burst is 100,000 packets per second: 10 Gbps, 1 M.
        assert_eq!(network_performance("m5.large").unwrap().pps, 1_000_000);
    }

    #[test]
    fn bw_07_m5zn_is_not_a_fifth_generation_type() {
        // AWS's figures: m5zn.12xlarge 100 Gbps, m5zn.6xlarge 50,
        // m5zn.large 3 up to 25.
        assert_eq!(f("m5zn.12xlarge"), Some((100 * G, 100 * G)));
        assert_eq!(f("m5zn.6xlarge"), Some((50 * G, 50 * G)));
        assert_eq!(f("m5zn.large"), Some((3 * G, 25 * G)));
    }

    #[test]
    fn bw_07_figures_checked_against_aws_tables() {
        // Rows the catalogue had wrong before it was checked type by type
        // against AWS's tables (baseline / burst, Gbps):
        // m5n.large 2.1 / 25 (was 3), m5n.4xlarge 16.25 / 25 (was 15),
        // c5a.8xlarge 10 fixed (was 7.5 up to 10), c6g.medium 0.5 / 10
        // (was 0.39 / 12.5), c6gn.medium 1.6 / 16, i4g.large 0.781 / 10
        // (was 3.125 / 25), inf1.24xlarge 100 (was 400), inf2.48xlarge
        // 100 (was 3,200), g4ad.xlarge 2 / 10 (was 5 / 25), r7iz.12xlarge
        // 25 (was 18.75), c7gn.large 6.25 / 30, c8gn.48xlarge 600.
        assert_eq!(f("m5n.large"), Some((2_100 * M, 25 * G)));
        assert_eq!(f("m5n.4xlarge"), Some((16_250 * M, 25 * G)));
        assert_eq!(f("c5a.8xlarge"), Some((10 * G, 10 * G)));
        assert_eq!(f("c6g.medium"), Some((500 * M, 10 * G)));
        assert_eq!(f("c6gn.medium"), Some((1_600 * M, 16 * G)));
        assert_eq!(f("i4g.large"), Some((781 * M, 10 * G)));
        assert_eq!(f("inf1.24xlarge"), Some((100 * G, 100 * G)));
        assert_eq!(f("inf2.48xlarge"), Some((100 * G, 100 * G)));
        assert_eq!(f("g4ad.xlarge"), Some((2 * G, 10 * G)));
        assert_eq!(f("r7iz.12xlarge"), Some((25 * G, 25 * G)));
        assert_eq!(f("c7gn.large"), Some((6_250 * M, 30 * G)));
        assert_eq!(f("c8gn.48xlarge"), Some((600 * G, 600 * G)));
        // Sizes EC2 does not have are not in the catalogue.
        assert_eq!(f("m5.9xlarge"), None);
        assert_eq!(f("u-3tb1.480xlarge"), None);
    }

    #[test]
    fn bw_07_every_source_family_and_ids_family_has_figures_with_a_source() {
        // Every family the guide lists as a mirror source (virtualised or
        // bare metal), and the appliance families people run IDS on.
        let ids = [
            "c5n", "c6gn", "c6in", "c7gn", "c8gn", "m6in", "m5zn", "i4i", "g5", "m4", "c4", "x2idn",
        ];
        for family in VIRTUALISED.iter().chain(BARE_METAL).chain(ids.iter()) {
            let f = family_figures(family).unwrap_or_else(|| panic!("{family}: no figures"));
            assert!(!sizes_of(family).is_empty(), "{family}: no sizes");
            assert!(["gp", "co", "mo", "so", "ac", "hpc", "pg"].contains(&f.source));
            assert_eq!(f.date, "2026-08");
        }
        // Every type names a family of the catalogue, and every figure is
        // sane; every type the 100-sources quota names has figures.
        for t in types() {
            let (family, _) = t.instance_type.split_once('.').unwrap();
            assert!(family_figures(family).is_some(), "{}", t.instance_type);
            assert!(
                t.baseline_mbps > 0 && t.burst_mbps >= t.baseline_mbps,
                "{}",
                t.instance_type
            );
        }
        for t in HUNDRED_SOURCES {
            assert!(type_figures(t).is_some(), "{t}");
        }
        // Estimates are the exception, and they are named as such.
        let estimated = types()
            .iter()
            .filter(|t| t.provenance == Provenance::Estimated)
            .count();
        assert!(estimated * 10 < types().len(), "{estimated} estimated");
        assert_eq!(
            type_figures("m4.large").map(|t| t.provenance),
            Some(Provenance::Estimated)
        );
        assert_eq!(
            type_figures("m8g.large").map(|t| t.provenance),
            Some(Provenance::Sibling)
        );
    }
}
