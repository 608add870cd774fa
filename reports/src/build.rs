//! From a scenario and its results to the report schema.

use sim_core::outcome::{Category, Delivery, Outcome};
use sim_core::results::{
    self, CLOUDWATCH_METRICS, COPY_SERIES, Configuration, OutcomeTable, Series,
};
use sim_core::{RunResults, Scenario};
use topology::model::TargetResource;
use topology::{Direction, EniIdx, TargetIdx, Topology};

use crate::cost::decimal;
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

/// The path of a session's copies to each destination they may go to
/// ([`topology::Topology::copy_paths`], as `sim check` and the run).
pub fn paths(topo: &Topology, source: EniIdx, target: TargetIdx) -> Vec<PathReport> {
    let paths = topo.copy_paths(source, target);
    let several = paths.len() > 1;
    paths
        .into_iter()
        .map(|(node, reach)| PathReport {
            node_availability_zone: match topo.target(target).resource {
                TargetResource::NetworkLoadBalancer(n) if several => Some(
                    topo.network_load_balancers[n.index()].nodes[node]
                        .availability_zone
                        .clone(),
                ),
                _ => None,
            },
            path: reach
                .hops
                .iter()
                .map(|h| PathHop {
                    resource: h.resource(topo).to_string(),
                    detail: h.detail(topo),
                })
                .collect(),
            blocked: reach.stop.map(|s| Blocked {
                reason: s.reason.code(),
                resource: s.resource,
                detail: s.detail,
                hint: s.hint,
            }),
        })
        .collect()
}

/// SES-05: the packet length a session's copies are cut to: at least the
/// guide's 35 bytes (of an IPv4 frame), 8500 for an NLB target with none.
fn effective_packet_length(topo: &Topology, target: TargetIdx, set: Option<u16>) -> Option<u16> {
    let nlb = matches!(
        topo.target(target).resource,
        TargetResource::NetworkLoadBalancer(_)
    );
    match set {
        Some(n) => Some(n.max(sim_core::copy_plan::MIN_COPY_V4 as u16)),
        None if nlb => Some(sim_core::copy_plan::NLB_DEFAULT_PACKET_LENGTH as u16),
        None => None,
    }
}

fn configuration(topo: &Topology, source: EniIdx, c: &Configuration) -> ConfigurationReport {
    let mut rules = Vec::new();
    for d in [Direction::Ingress, Direction::Egress] {
        let i = results::SourceStats::dir(d);
        for (&(rule_number, action), &packets) in c.rules[i].iter().zip(&c.rule_hits[i]) {
            rules.push(RuleHits {
                traffic_direction: d.as_str(),
                rule_number,
                rule_action: action.as_str(),
                packets,
            });
        }
    }
    ConfigurationReport {
        epoch: c.epoch,
        from_ns: c.from.as_nanos(),
        from: c.from.to_string(),
        to_ns: c.to.map(|t| t.as_nanos()),
        to: c.to.map(|t| t.to_string()),
        traffic_mirror_target_id: topo.target(c.target).id.clone(),
        traffic_mirror_filter_id: topo.filter(c.filter).id.clone(),
        virtual_network_id: c.virtual_network_id,
        packet_length: c.packet_length,
        mirrored: count(c.mirrored),
        categories: categories(&c.outcomes),
        outcomes: outcomes(&c.outcomes),
        rules,
        amazon_dns_packets: c.amazon_dns_hits,
        paths: paths(topo, source, c.target),
    }
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
            let configurations: Vec<ConfigurationReport> = st
                .configurations
                .iter()
                .map(|c| configuration(topo, s.source, c))
                .collect();
            let last = st.configurations.last();
            let target = last.map_or(s.target, |c| c.target);
            let filter = last.map_or(s.filter, |c| c.filter);
            SessionReport {
                traffic_mirror_session_id: s.id.clone(),
                owner: topo.account(s.owner).id.clone(),
                network_interface_id: topo.eni(s.source).id.clone(),
                traffic_mirror_target_id: topo.target(target).id.clone(),
                traffic_mirror_filter_id: topo.filter(filter).id.clone(),
                session_number: s.session_number,
                virtual_network_id: last.map_or(s.virtual_network_id, |c| c.virtual_network_id),
                packet_length: effective_packet_length(
                    topo,
                    target,
                    last.map_or(s.packet_length, |c| c.packet_length),
                ),
                packet_length_set: last
                    .map_or(s.packet_length, |c| c.packet_length)
                    .filter(|&n| effective_packet_length(topo, target, Some(n)) != Some(n)),
                evaluated: count(st.evaluated),
                passed_on: count(st.passed_on),
                rejected: count(st.rejected),
                mirrored: count(st.mirrored),
                categories: categories(&st.outcomes),
                outcomes: outcomes(&st.outcomes),
                copy_bytes: st.copy_bytes,
                delivered_copy_bytes: st.delivered_bytes,
                reordering: reordering(&st.reordering),
                session_hours: decimal(u128::from(st.existed_ns), u128::from(NS_PER_HOUR), 6),
                billed_session_hours: st.existed_ns.div_ceil(NS_PER_HOUR),
                series: metrics(&st.series, COPY_SERIES),
                configurations,
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
        .enumerate()
        .filter_map(|(i, (inst, cw))| {
            cw.as_ref().map(|cw| InstanceReport {
                instance_id: inst.id.clone(),
                instance_type: inst.instance_type.clone(),
                network_performance: inst.network.map(|n| NetworkPerformance {
                    baseline_bps: n.baseline_bps,
                    burst_bps: n.burst_bps,
                    pps: n.pps,
                }),
                cloudwatch: metrics(cw, CLOUDWATCH_METRICS),
                burst_credits: results
                    .credits
                    .get(i)
                    .and_then(Option::as_ref)
                    .map(|t| credits(t, results.simulated_ns)),
                headroom: results
                    .instance_load
                    .get(i)
                    .and_then(Option::as_ref)
                    .zip(inst.network)
                    .map(|(l, n)| headroom(l, n, results.simulated_ns)),
            })
        })
        .collect();
    let cost = crate::cost::cost(scenario, results);
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
        epochs: results
            .epochs
            .iter()
            .enumerate()
            .map(|(i, e)| EpochReport {
                epoch: i as u32,
                from_ns: e.from.as_nanos(),
                from: e.from.to_string(),
                cause: e.cause.clone(),
            })
            .collect(),
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
                bad_timestamp: c.stats.bad_timestamp,
                reordered_in_time: c.stats.reordered_in_time,
                truncated_end: c.stats.truncated_end,
            })
            .collect(),
        expectations: Vec::new(),
        fleets: fleets(topo, results),
        warnings: Vec::new(),
        scenario_warnings: Vec::new(),
        sampling: results.sampling.as_ref().map(sampling),
    };
    // TGT-09 (revised): per-copy jitter through a load balancer is an
    // option, not AWS's behaviour; its reordering is the option's.
    let jitter = scenario.settings.latency.load_balancer_jitter_ns;
    let balanced = topo
        .targets
        .iter()
        .any(|t| !matches!(t.resource, TargetResource::NetworkInterface(_)));
    if jitter > 0 && balanced {
        report.warnings.push(format!(
            "per-copy jitter through load balancers is on (settings.latency.load_balancer_jitter, {}): copies reordered by it are the option's, not AWS's, which keeps a flow's copies in order until its path changes (TGT-09)",
            sim_core::Instant(jitter)
        ));
    }
    // BW-05: verdicts that hold only while credits last.
    for i in &report.instances {
        if let Some(at) = i
            .burst_credits
            .as_ref()
            .and_then(|c| c.projected_exhaustion.as_ref())
        {
            report.warnings.push(format!(
                "{} ({}) runs on burst credits that fall over the run and would run out at about {at}: a longer run skips more copies (BW-05)",
                i.instance_id, i.instance_type
            ));
        }
    }
    report.expectations = crate::expect::evaluate(&scenario.expect, &report);
    report
}

/// A time of the run in seconds, to a tenth (`63.0s`).
fn seconds(ns: u64) -> String {
    let tenths = (ns + 50_000_000) / 100_000_000;
    format!("{}.{}s", tenths / 10, tenths % 10)
}

/// BW-05: an instance's credits as reported: the balance per period, when
/// they were spent, and when a longer run would spend them.
fn credits(t: &sim_core::results::CreditTrace, end: u64) -> CreditsReport {
    let period = t.period_ns;
    // "Spent": under 1 % of the capacity left (copies stop once what is
    // left is production's reserve, a millisecond of burst).
    let spent = |b: u64| u128::from(b) * 100 < u128::from(t.capacity_bits);
    let exhausted = t.balance_bits.iter().position(|&b| spent(b));
    let last = t.balance_bits.last().copied().unwrap_or(t.start_bits);
    let projected = match exhausted {
        None if last < t.start_bits && end > 0 => {
            // The run's average drain, in bits per nanosecond.
            let drained = u128::from(t.start_bits - last);
            let more = u128::from(last) * u128::from(end) / drained;
            Some(seconds(
                end.saturating_add(more.min(u128::from(u64::MAX)) as u64),
            ))
        }
        _ => None,
    };
    CreditsReport {
        capacity_bits: t.capacity_bits,
        start_bits: t.start_bits,
        balance_bits: t.balance_bits.clone(),
        exhausted_by: exhausted.map(|k| seconds((k as u64 + 1) * period)),
        projected_exhaustion: projected,
    }
}

/// Puts the scenario's warnings (what loading it found) into its report.
pub fn attach_warnings(report: &mut Report, warnings: &[sim_core::scenario::Problem]) {
    report.scenario_warnings = problem_reports(warnings);
}

/// Problems of a scenario file as report data.
pub fn problem_reports(list: &[sim_core::scenario::Problem]) -> Vec<ProblemReport> {
    list.iter()
        .map(|p| ProblemReport {
            severity: match p.severity {
                topology::Severity::Error => "error",
                topology::Severity::Warning => "warning",
            },
            code: p.code.to_string(),
            line: p.position.line,
            column: p.position.column,
            resource: p.resource.clone(),
            field: p.field.clone(),
            message: p.message.clone(),
            help: p.help.clone(),
        })
        .collect()
}

/// The fleets of a run, in the order of the targets that lead to them.
fn fleets(topo: &Topology, results: &RunResults) -> Vec<FleetReport> {
    // (load balancer, appliances, targets) per fleet, first seen first.
    let mut seen: Vec<(Option<String>, Vec<topology::EniIdx>, Vec<String>)> = Vec::new();
    for t in &topo.targets {
        let (lb, enis) = match t.resource {
            TargetResource::NetworkInterface(e) => (None, vec![e]),
            TargetResource::NetworkLoadBalancer(n) => {
                let nlb = &topo.network_load_balancers[n.index()];
                (Some(nlb.id.clone()), nlb.targets.clone())
            }
            TargetResource::GatewayLoadBalancerEndpoint(v) => {
                let g = &topo.gateway_load_balancers
                    [topo.gwlb_endpoints[v.index()].gateway_load_balancer.index()];
                (Some(g.id.clone()), g.targets.clone())
            }
        };
        match seen.iter_mut().find(|(l, e, _)| *l == lb && *e == enis) {
            Some(f) => f.2.push(t.id.clone()),
            None => seen.push((lb, enis, vec![t.id.clone()])),
        }
    }
    seen.into_iter()
        .map(|(load_balancer, enis, targets)| {
            let appliances = appliances_of(topo, &enis, results);
            FleetReport {
                load_balancer,
                traffic_mirror_target_ids: targets,
                load_imbalance: imbalance(&appliances),
                appliances,
            }
        })
        .collect()
}

/// Each appliance of a fleet, with what it was sent.
fn appliances_of(
    topo: &Topology,
    enis: &[topology::EniIdx],
    results: &RunResults,
) -> Vec<ApplianceReport> {
    let empty = sim_core::results::ApplianceStats::default();
    enis.iter()
        .map(|&e| {
            let st = results
                .appliances
                .get(e.index())
                .and_then(Option::as_ref)
                .unwrap_or(&empty);
            let inst = topo.instance_of(e);
            let budget = inst.and_then(|i| i.network);
            // Rates of what was sent: the busiest period, and the run.
            let run = results.simulated_ns;
            let per_s = |v: u64, over: u64| {
                (u128::from(v) * 1_000_000_000 / u128::from(over.max(1))) as u64
            };
            let peak = |field, scale| rates(&st.series, field, scale, run).into_iter().max();
            let peak_bps = peak(1, 8).unwrap_or(0);
            let peak_pps = peak(0, 1).unwrap_or(0);
            let percent = |v: u64, of: u64| (of > 0).then(|| percent(v, of));
            ApplianceReport {
                network_interface_id: topo.eni(e).id.clone(),
                instance_id: inst.map(|i| i.id.clone()),
                instance_type: inst.map(|i| i.instance_type.clone()),
                availability_zone: topo.subnet(topo.eni(e).subnet).availability_zone.clone(),
                sent: count(st.sent),
                delivered: count(st.delivered),
                dropped_appliance_down: st.dropped_appliance_down,
                dropped_target_bandwidth: st.dropped_bandwidth,
                dropped_target_pps: st.dropped_pps,
                reordered: st.reordered,
                sent_wire_bytes: st.sent_wire_bytes,
                receive_budget: budget.map(|n| NetworkPerformance {
                    baseline_bps: n.baseline_bps,
                    burst_bps: n.burst_bps,
                    pps: n.pps,
                }),
                peak_bps,
                mean_bps: per_s(st.sent_wire_bytes.saturating_mul(8), run),
                peak_pps,
                mean_pps: per_s(st.sent.packets, run),
                peak_bandwidth_percent: budget.and_then(|n| percent(peak_bps, n.baseline_bps)),
                peak_pps_percent: budget.and_then(|n| percent(peak_pps, n.pps)),
                series: if st.series.bins.is_empty() {
                    Metrics {
                        period_ns: 0,
                        series: Vec::new(),
                    }
                } else {
                    metrics(&st.series, sim_core::results::APPLIANCE_SERIES)
                },
            }
        })
        .collect()
}

/// Max over mean of the copies sent to each appliance of a fleet, to two
/// places; none for one appliance or none sent.
fn imbalance(apps: &[ApplianceReport]) -> Option<String> {
    let sent: Vec<u64> = apps.iter().map(|a| a.sent.packets).collect();
    let total: u128 = sent.iter().map(|&v| u128::from(v)).sum();
    let max = u128::from(sent.iter().copied().max()?);
    if sent.len() < 2 || total == 0 {
        return None;
    }
    // max / (total / n), in hundredths.
    let hundredths = max * 100 * sent.len() as u128 / total;
    Some(format!("{}.{:02}", hundredths / 100, hundredths % 100))
}

/// A percentage to a tenth, from integers (`v` of `of`).
fn percent(v: u64, of: u64) -> String {
    let tenths = u128::from(v) * 1000 / u128::from(of.max(1));
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// Rates of one field of a series (times `scale`: 8 for bytes to bits),
/// per period over the time each covers (the last may end with the run),
/// in units per second.
fn rates<const N: usize>(s: &Series<N>, field: usize, scale: u64, run_ns: u64) -> Vec<u64> {
    let period = s.period_ns.max(1);
    s.bins
        .iter()
        .enumerate()
        .map(|(k, b)| {
            let covered = run_ns.saturating_sub(k as u64 * period).min(period).max(1);
            (u128::from(b[field].saturating_mul(scale)) * 1_000_000_000 / u128::from(covered))
                as u64
        })
        .collect()
}

/// The busiest value and the 99th percentile (nearest rank) of a list.
fn peak_and_p99(mut v: Vec<u64>) -> (u64, u64) {
    v.sort_unstable();
    let peak = v.last().copied().unwrap_or(0);
    let rank = (v.len() * 99).div_ceil(100).max(1);
    (peak, v.get(rank - 1).copied().unwrap_or(0))
}

/// An instance's load against its figures.
fn headroom(
    l: &sim_core::results::InstanceLoad,
    n: topology::instance_types::NetworkPerformance,
    run_ns: u64,
) -> Headroom {
    let direction = |bits: usize, packets: usize| {
        let (peak_bps, p99_bps) = peak_and_p99(rates(&l.series, bits, 1, run_ns));
        let (peak_pps, p99_pps) = peak_and_p99(rates(&l.series, packets, 1, run_ns));
        DirectionLoad {
            peak_bps,
            p99_bps,
            peak_pps,
            p99_pps,
            peak_percent_of_baseline: percent(peak_bps, n.baseline_bps),
            p99_percent_of_baseline: percent(p99_bps, n.baseline_bps),
            peak_percent_of_burst: percent(peak_bps, n.burst_bps),
            peak_percent_of_pps: percent(peak_pps, n.pps),
            headroom_bps: i64::try_from(n.baseline_bps).unwrap_or(i64::MAX)
                - i64::try_from(peak_bps).unwrap_or(i64::MAX),
        }
    };
    Headroom {
        egress: direction(0, 1),
        ingress: direction(2, 3),
        bw_in_allowance_exceeded: l.bw_in_allowance_exceeded,
        bw_out_allowance_exceeded: l.bw_out_allowance_exceeded,
        pps_allowance_exceeded: l.pps_allowance_exceeded,
        series: metrics(&l.series, sim_core::results::INSTANCE_LOAD_SERIES),
    }
}

/// A sampled run's account, as the report states it.
fn sampling(s: &sim_core::sampling::Sampling) -> SamplingReport {
    let show = |ns| sim_core::units::Duration(ns).to_string();
    SamplingReport {
        fidelity: "sampled",
        estimates: s.estimated_periods() > 0,
        window_ns: s.window_ns,
        window: show(s.window_ns),
        period_ns: s.period_ns,
        period: show(s.period_ns),
        periods: s.estimated.len(),
        estimated_periods: s.estimated_periods(),
        warm_up: (s.warm_up_ns > 0).then(|| show(s.warm_up_ns)),
        full_periods: (0..s.estimated.len())
            .filter(|&k| !s.estimated[k])
            .collect(),
    }
}
