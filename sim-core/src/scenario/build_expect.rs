//! The `expect` block: each expectation resolved against the scenario's
//! sessions, targets and sources, with the reason codes checked by name.

use topology::{Diagnostic, ErrorCode, Topology};

use super::context::{Names, Problems};
use super::locate::Anchor;
use super::schema::{ExpectSpec, QuantitySpec, ScopeSpec};
use crate::expect::{Expectation, Measure, Quantity, Scope};
use crate::outcome::Outcome;

pub fn build(
    expect: &[ExpectSpec],
    topo: &Topology,
    names: &Names,
    p: &mut Problems,
) -> Vec<Expectation> {
    let mut out = Vec::new();
    for (i, e) in expect.iter().enumerate() {
        let anchor = Anchor::Item {
            list: "expect",
            index: i,
        };
        let label = format!("expect[{i}]");
        let mut fail = |field: &'static str, code, msg: String, help: Option<String>| {
            let mut d = Diagnostic::error(code, &label, field, msg);
            if let Some(h) = help {
                d = d.with_help(h);
            }
            p.push(anchor.clone(), d);
        };
        let (scope_spec, counts, lo_hi_ok) = match e {
            ExpectSpec::Count {
                scope,
                count,
                at_least,
                at_most,
            } => (
                scope,
                vec![count],
                bounds_ok(at_least.as_ref(), at_most.as_ref()),
            ),
            ExpectSpec::Share {
                scope,
                count,
                of,
                at_least,
                at_most,
            } => (
                scope,
                vec![count, of],
                bounds_ok(at_least.as_ref(), at_most.as_ref()),
            ),
        };
        let mut ok = true;
        if let Err(msg) = lo_hi_ok {
            fail("at_least", ErrorCode::InvalidParameterValue, msg, None);
            ok = false;
        }
        // An id-named scope resolves, or says what it looked for.
        let missing = |what: &str, id: &str| format!("no {what} `{id}` in this scenario");
        let scope = match scope_spec {
            ScopeSpec::Scenario => Ok(Scope::Scenario),
            ScopeSpec::EachSession => Ok(Scope::EachSession),
            ScopeSpec::EachTarget => Ok(Scope::EachTarget),
            ScopeSpec::EachSource => Ok(Scope::EachSource),
            ScopeSpec::Session(id) => match topo.sessions.iter().any(|s| &s.id == id) {
                true => Ok(Scope::Session(id.clone())),
                false => Err(missing("traffic mirror session", id)),
            },
            ScopeSpec::Target(id) => match names.targets.contains_key(id) {
                true => Ok(Scope::Target(id.clone())),
                false => Err(missing("traffic mirror target", id)),
            },
            ScopeSpec::Source(id) => {
                match topo.sessions.iter().any(|s| &topo.eni(s.source).id == id) {
                    true => Ok(Scope::Source(id.clone())),
                    false => Err(missing("mirror source (an ENI some session mirrors)", id)),
                }
            }
        };
        let scope = match scope {
            Ok(scope) => scope,
            Err(msg) => {
                fail("scope", ErrorCode::UnknownResource, msg, None);
                continue;
            }
        };
        let mut quantities = Vec::new();
        for q in counts {
            match quantity(q) {
                Ok(Quantity::Reordered)
                    if matches!(
                        scope,
                        Scope::Scenario | Scope::Source(_) | Scope::EachSource
                    ) =>
                {
                    fail(
                        "count",
                        ErrorCode::InvalidParameterValue,
                        format!("reordering is measured at targets and sessions, not at {scope}"),
                        Some("use a Session, Target, EachSession or EachTarget scope".into()),
                    );
                    ok = false;
                }
                Ok(q) => quantities.push(q),
                Err((msg, help)) => {
                    fail("count", ErrorCode::InvalidParameterValue, msg, help);
                    ok = false;
                }
            }
        }
        if !ok {
            continue;
        }
        let measure = match e {
            ExpectSpec::Count {
                at_least, at_most, ..
            } => Measure::Count {
                count: quantities.remove(0),
                at_least: *at_least,
                at_most: *at_most,
            },
            ExpectSpec::Share {
                at_least, at_most, ..
            } => Measure::Share {
                count: quantities.remove(0),
                of: quantities.remove(0),
                at_least: *at_least,
                at_most: *at_most,
            },
        };
        out.push(Expectation { scope, measure });
    }
    out
}

/// At least one bound, and not a lower one above the upper one.
fn bounds_ok<T: PartialOrd + std::fmt::Display>(
    lo: Option<&T>,
    hi: Option<&T>,
) -> Result<(), String> {
    match (lo, hi) {
        (None, None) => Err("an expectation needs `at_least`, `at_most` or both".into()),
        (Some(a), Some(b)) if a > b => Err(format!("`at_least` {a} is above `at_most` {b}")),
        _ => Ok(()),
    }
}

fn quantity(q: &QuantitySpec) -> Result<Quantity, (String, Option<String>)> {
    Ok(match q {
        QuantitySpec::Offered => Quantity::Offered,
        QuantitySpec::Mirrored => Quantity::Mirrored,
        QuantitySpec::Delivered => Quantity::Delivered,
        QuantitySpec::Truncated => Quantity::Truncated,
        QuantitySpec::Skipped => Quantity::Skipped,
        QuantitySpec::Dropped => Quantity::Dropped,
        QuantitySpec::NotMirrored => Quantity::NotMirrored,
        QuantitySpec::Reordered => Quantity::Reordered,
        QuantitySpec::Reason(r) => {
            let codes = Outcome::ALL.map(Outcome::reason);
            match codes.iter().find(|c| *c == r) {
                Some(c) => Quantity::Reason(c),
                None => {
                    let near = codes
                        .iter()
                        .min_by_key(|c| (strsim::levenshtein(r, c), **c))
                        .copied()
                        .unwrap_or_default();
                    return Err((
                        format!("`{r}` is not a reason code"),
                        Some(format!(
                            "did you mean `{near}`? The codes are listed in docs/report-format.md"
                        )),
                    ));
                }
            }
        }
    })
}
