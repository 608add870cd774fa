//! Checks a scenario's expectations against its report: each one holds or
//! not, with the value measured in every scope it covers.

use sim_core::expect::{Expectation, Measure, Quantity, Scope};
use sim_core::units::Share;

use crate::schema::{Categories, Measured, OutcomeCount, Report, Verdict};

/// The numbers of one scope.
struct Counts<'a> {
    offered: u64,
    categories: [&'a Categories; 2],
    /// Every outcome list the scope covers (for the scenario, every
    /// source's: sources see each offered packet once).
    outcomes: Vec<&'a [OutcomeCount]>,
    reordered: u64,
}

impl Counts<'_> {
    fn get(&self, q: &Quantity) -> u64 {
        let sum = |f: &dyn Fn(&Categories) -> u64| self.categories.iter().map(|c| f(c)).sum();
        match q {
            Quantity::Offered => self.offered,
            Quantity::Mirrored => {
                sum(&|c| c.delivered.packets + c.dropped.packets + c.skipped.packets)
            }
            Quantity::Delivered => sum(&|c| c.delivered.packets),
            Quantity::Truncated => sum(&|c| c.truncated.packets),
            Quantity::Skipped => sum(&|c| c.skipped.packets),
            Quantity::Dropped => sum(&|c| c.dropped.packets),
            Quantity::NotMirrored => sum(&|c| c.not_mirrored.packets),
            Quantity::Reordered => self.reordered,
            Quantity::Reason(r) => self
                .outcomes
                .iter()
                .flat_map(|o| o.iter())
                .filter(|o| o.reason == *r)
                .map(|o| o.packets)
                .sum(),
        }
    }
}

/// The scopes an expectation covers, by name, with their numbers.
fn scopes<'a>(scope: &Scope, r: &'a Report) -> Vec<(String, Counts<'a>)> {
    let session = |s: &'a crate::schema::SessionReport| {
        (
            s.traffic_mirror_session_id.clone(),
            Counts {
                offered: s.evaluated.packets,
                categories: [&s.categories, &EMPTY],
                outcomes: vec![&s.outcomes],
                reordered: s.reordering.packets,
            },
        )
    };
    let target = |t: &'a crate::schema::TargetReport| {
        (
            t.traffic_mirror_target_id.clone(),
            Counts {
                offered: t.received.packets,
                categories: [&t.categories, &EMPTY],
                outcomes: vec![&t.outcomes],
                reordered: t.reordering.packets,
            },
        )
    };
    let source = |s: &'a crate::schema::SourceReport| {
        (
            s.network_interface_id.clone(),
            Counts {
                offered: s.ingress.offered.packets + s.egress.offered.packets,
                categories: [&s.ingress.categories, &s.egress.categories],
                outcomes: vec![&s.ingress.outcomes, &s.egress.outcomes],
                reordered: 0,
            },
        )
    };
    match scope {
        Scope::Scenario => vec![(
            "scenario".into(),
            Counts {
                offered: r.totals.offered.packets,
                categories: [&r.totals.categories, &EMPTY],
                outcomes: r
                    .sources
                    .iter()
                    .flat_map(|s| [&s.ingress.outcomes[..], &s.egress.outcomes[..]])
                    .collect(),
                reordered: r.targets.iter().map(|t| t.reordering.packets).sum(),
            },
        )],
        Scope::EachSession => r.sessions.iter().map(session).collect(),
        Scope::EachTarget => r.targets.iter().map(target).collect(),
        Scope::EachSource => r.sources.iter().map(source).collect(),
        Scope::Session(id) => r
            .sessions
            .iter()
            .filter(|s| &s.traffic_mirror_session_id == id)
            .map(session)
            .collect(),
        Scope::Target(id) => r
            .targets
            .iter()
            .filter(|t| &t.traffic_mirror_target_id == id)
            .map(target)
            .collect(),
        Scope::Source(id) => r
            .sources
            .iter()
            .filter(|s| &s.network_interface_id == id)
            .map(source)
            .collect(),
    }
}

static EMPTY: Categories = Categories {
    not_mirrored: zero(),
    skipped: zero(),
    dropped: zero(),
    delivered: zero(),
    truncated: zero(),
};

const fn zero() -> crate::schema::Count {
    crate::schema::Count {
        packets: 0,
        bytes: 0,
    }
}

fn in_bounds<T: PartialOrd>(v: T, lo: Option<T>, hi: Option<T>) -> bool {
    lo.is_none_or(|l| v >= l) && hi.is_none_or(|h| v <= h)
}

/// The verdict of every expectation, in file order.
pub fn evaluate(expect: &[Expectation], r: &Report) -> Vec<Verdict> {
    expect
        .iter()
        .map(|e| {
            let measured: Vec<Measured> = scopes(&e.scope, r)
                .into_iter()
                .map(|(name, counts)| {
                    let (value, holds) = match &e.measure {
                        Measure::Count {
                            count,
                            at_least,
                            at_most,
                        } => {
                            let v = counts.get(count);
                            (v.to_string(), in_bounds(v, *at_least, *at_most))
                        }
                        Measure::Share {
                            count,
                            of,
                            at_least,
                            at_most,
                        } => {
                            let (n, d) = (counts.get(count), counts.get(of));
                            if d == 0 {
                                // Nothing to measure: a floor cannot be met,
                                // a ceiling is not passed.
                                ("n/a".to_string(), at_least.is_none())
                            } else {
                                // Exact: n/d against a bound in parts per
                                // billion, compared as n * 1e9 vs b * d.
                                let ppb = |b: Share| u128::from(b.0) * u128::from(d);
                                let scaled = u128::from(n) * u128::from(Share::WHOLE);
                                let holds = at_least.is_none_or(|b| scaled >= ppb(b))
                                    && at_most.is_none_or(|b| scaled <= ppb(b));
                                // Shown to 0.001 %, rounded down; compared exactly.
                                let ppb = (scaled / u128::from(d)) as u64;
                                let shown = Share(ppb - ppb % 10_000);
                                (shown.to_string(), holds)
                            }
                        }
                    };
                    Measured {
                        scope: name,
                        value,
                        holds,
                    }
                })
                .collect();
            Verdict {
                expectation: e.to_string(),
                holds: measured.iter().all(|m| m.holds),
                measured,
            }
        })
        .collect()
}
