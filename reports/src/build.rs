//! From a scenario and its results to the report schema.

use sim_core::outcome::{Category, Delivery, Outcome};
use sim_core::results::{self, CLOUDWATCH_METRICS, COPY_SERIES, OutcomeTable, Series};
use sim_core::{RunResults, Scenario};
use topology::model::TargetResource;
use topology::{Direction, EniIdx};

use crate::schema::*;

fn count(c: results::Count) -> Count {
    Count {
        packets: c.packets,
        bytes: c.bytes,
    }
}

fn categories(t: &OutcomeTable) -> Categories {
    let mut truncated = t.get(Outcome::Delivered(Delivery::TruncatedToPacketLength));
    truncated.merge(t.get(Outcome::Delivered(Delivery::TruncatedToMtu)));
    Categories {
        not_mirrored: count(t.category(Category::NotMirrored)),
        skipped: count(t.category(Category::Skipped)),
        dropped: count(t.category(Category::Dropped)),
        delivered: count(t.category(Category::Delivered)),
        truncated: count(truncated),
    }
}

fn metrics<const N: usize>(s: &Series<N>, names: [&'static str; N]) -> Metrics {
    Metrics {
        period_ns: s.period_ns,
        series: names
            .iter()
            .enumerate()
            .map(|(i, name)| NamedSeries {
                name,
                values: s.bins.iter().map(|b| b[i]).collect(),
            })
            .collect(),
    }
}

fn reordering(r: &results::Reordering) -> Reordering {
    Reordering {
        packets: r.packets,
        extent_max: r.extent_max,
        extent_sum: r.extent_sum,
    }
}

const NS_PER_HOUR: u64 = 3_600_000_000_000;

/// `v / unit` with `places` decimals, exactly (rounded down).
fn decimal(v: u128, unit: u128, places: u32) -> String {
    let scale = 10u128.pow(places);
    let scaled = v * scale / unit;
    format!(
        "{}.{:0width$}",
        scaled / scale,
        scaled % scale,
        width = places as usize
    )
}

fn outcomes(t: &OutcomeTable) -> Vec<OutcomeCount> {
    t.nonzero()
        .map(|(o, c)| OutcomeCount {
            outcome: o.category().code(),
            reason: o.reason(),
            packets: c.packets,
            bytes: c.bytes,
        })
        .collect()
}

/// Builds the report of one run.
pub fn report(scenario: &Scenario, results: &RunResults) -> Report {
    let topo = &scenario.topology;
    let sources = (0..topo.enis.len())
        .map(|i| EniIdx(i as u32))
        .filter(|&e| topo.is_source(e))
        .map(|e| {
            let eni = topo.eni(e);
            let inst = topo.instance_of(e);
            let s = results.source(e);
            let dir = |d: Direction| {
                let i = results::SourceStats::dir(d);
                DirectionReport {
                    offered: count(s.offered[i]),
                    categories: categories(&s.outcomes[i]),
                    outcomes: outcomes(&s.outcomes[i]),
                }
            };
            SourceReport {
                network_interface_id: eni.id.clone(),
                owner: topo.account(eni.owner).id.clone(),
                instance_id: inst.map(|i| i.id.clone()),
                instance_type: inst.map(|i| i.instance_type.clone()),
                ingress: dir(Direction::Ingress),
                egress: dir(Direction::Egress),
                series: metrics(&s.series, results::SOURCE_SERIES),
            }
        })
        .collect();
    let sessions = topo
        .sessions
        .iter()
        .zip(&results.sessions)
        .map(|(s, st)| {
            let filter = topo.filter(s.filter);
            let mut rules = Vec::new();
            for d in [Direction::Ingress, Direction::Egress] {
                let hits = &st.rule_hits[results::SourceStats::dir(d)];
                for (rule, &packets) in filter.rules(d).iter().zip(hits) {
                    rules.push(RuleHits {
                        traffic_direction: d.as_str(),
                        rule_number: rule.rule_number,
                        rule_action: rule.rule_action.as_str(),
                        packets,
                    });
                }
            }
            let reach = Some(topo.reach_to(s.source, &topo.copy_destination(s.source, s.target)));
            SessionReport {
                traffic_mirror_session_id: s.id.clone(),
                owner: topo.account(s.owner).id.clone(),
                network_interface_id: topo.eni(s.source).id.clone(),
                traffic_mirror_target_id: topo.target(s.target).id.clone(),
                traffic_mirror_filter_id: filter.id.clone(),
                session_number: s.session_number,
                virtual_network_id: s.virtual_network_id,
                packet_length: s.packet_length,
                evaluated: count(st.evaluated),
                passed_on: count(st.passed_on),
                rejected: count(st.rejected),
                mirrored: count(st.mirrored),
                categories: categories(&st.outcomes),
                outcomes: outcomes(&st.outcomes),
                copy_bytes: st.copy_bytes,
                delivered_copy_bytes: st.delivered_bytes,
                rules,
                amazon_dns_packets: st.amazon_dns_hits,
                reordering: reordering(&st.reordering),
                session_hours: decimal(u128::from(st.existed_ns), u128::from(NS_PER_HOUR), 6),
                billed_session_hours: st.existed_ns.div_ceil(NS_PER_HOUR),
                series: metrics(&st.series, COPY_SERIES),
                path: reach
                    .as_ref()
                    .map(|r| {
                        r.hops
                            .iter()
                            .map(|h| PathHop {
                                resource: h.resource.clone(),
                                detail: h.detail.clone(),
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                blocked: reach.and_then(|r| r.stop).map(|s| Blocked {
                    reason: s.reason.code(),
                    resource: s.resource,
                    detail: s.detail,
                    hint: s.hint,
                }),
            }
        })
        .collect();
    let targets = topo
        .targets
        .iter()
        .zip(&results.targets)
        .map(|(t, st)| {
            let (eni, inst, mtu) = match t.resource {
                TargetResource::NetworkInterface(e) => {
                    let eni = topo.eni(e);
                    (
                        Some(eni.id.clone()),
                        topo.instance_of(e).map(|i| i.id.clone()),
                        Some(eni.mtu),
                    )
                }
                _ => (None, None, None),
            };
            let (nlb, vpce) = match t.resource {
                TargetResource::NetworkLoadBalancer(n) => (
                    Some(topo.network_load_balancers[n.index()].id.clone()),
                    None,
                ),
                TargetResource::GatewayLoadBalancerEndpoint(v) => {
                    (None, Some(topo.gwlb_endpoints[v.index()].id.clone()))
                }
                TargetResource::NetworkInterface(_) => (None, None),
            };
            TargetReport {
                traffic_mirror_target_id: t.id.clone(),
                owner: topo.account(t.owner).id.clone(),
                target_type: t.type_name(),
                network_interface_id: eni,
                network_load_balancer_arn: nlb,
                gateway_load_balancer_endpoint_id: vpce,
                instance_id: inst,
                mtu,
                received: count(st.received),
                categories: categories(&st.outcomes),
                outcomes: outcomes(&st.outcomes),
                delivered_copy_bytes: st.delivered_bytes,
                reordering: reordering(&st.reordering),
                series: metrics(&st.series, COPY_SERIES),
            }
        })
        .collect();
    let instances = topo
        .instances
        .iter()
        .zip(&results.cloudwatch)
        .filter_map(|(inst, cw)| {
            cw.as_ref().map(|cw| InstanceReport {
                instance_id: inst.id.clone(),
                instance_type: inst.instance_type.clone(),
                network_performance: inst.network.map(|n| NetworkPerformance {
                    baseline_bps: n.baseline_bps,
                    burst_bps: n.burst_bps,
                    pps: n.pps,
                }),
                cloudwatch: metrics(cw, CLOUDWATCH_METRICS),
            })
        })
        .collect();
    let price = scenario.settings.session_hour_price_micro_usd;
    let existed: u128 = results
        .sessions
        .iter()
        .map(|s| u128::from(s.existed_ns))
        .sum();
    let billed: u64 = results
        .sessions
        .iter()
        .map(|s| s.existed_ns.div_ceil(NS_PER_HOUR))
        .sum();
    let cost = Cost {
        session_hours: decimal(existed, u128::from(NS_PER_HOUR), 6),
        billed_session_hours: billed,
        price_per_session_hour_usd: decimal(u128::from(price), 1_000_000, 6),
        total_usd: decimal(u128::from(billed) * u128::from(price), 1_000_000, 6),
    };
    let all = results.outcomes();
    let mut report = Report {
        schema_version: SCHEMA_VERSION,
        scenario: ScenarioInfo {
            name: scenario.name.clone(),
            description: scenario.description.clone(),
            seed: scenario.seed,
            duration_ns: scenario.duration.as_nanos(),
            duration: scenario.duration.to_string(),
            flows: scenario.flows.len(),
        },
        totals: Totals {
            generated: count(results.generated),
            offered: count(results.offered()),
            categories: categories(&all),
        },
        sources,
        sessions,
        targets,
        instances,
        cost,
        replays: scenario
            .captures
            .iter()
            .map(|c| ReplayReport {
                name: c.name.clone(),
                file: c.file.clone(),
                network_interface_id: topo.eni(c.eni).id.clone(),
                frames: c.stats.frames,
                replayed: c.stats.replayed,
                unparsed: c.stats.unparsed,
                not_at_eni: c.stats.not_at_eni,
                cut_by_snaplen: c.stats.cut_by_snaplen,
                truncated_end: c.stats.truncated_end,
            })
            .collect(),
        expectations: Vec::new(),
    };
    report.expectations = crate::expect::evaluate(&scenario.expect, &report);
    report
}
