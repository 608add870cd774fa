//! What the design costs: the run's own cost and a month at the run's
//! rates, item by item, at the prices of `sim_core::prices` (the table per
//! Region under the scenario's overrides).
//!
//! - Sessions (SES-12), load balancers and endpoints are billed per hour
//!   or partial hour each exists; instances per second (at least 60 s).
//! - NLCUs and GLCUs: the highest of three dimensions, from the run's
//!   copies: GB processed per hour, new (outer) flows per second, and the
//!   flows as active at once (every outer flow of the run, an upper bound).
//! - Endpoints' data, and data between zones (each direction billed), by
//!   the bytes the copies carried.
//! - A month is 730 hours of the run's average: what existed for the whole
//!   run exists all month, and traffic keeps its mean rate.

use std::collections::BTreeMap;

use sim_core::Scenario;
use sim_core::prices::{BYTES_PER_GB, Basis, FALLBACK_REGION, HOURS_PER_MONTH, Item, Price};
use sim_core::results::RunResults;
use topology::{TargetResource, Topology};

use crate::schema::{Cost, CostLine};

const NS_PER_HOUR: u128 = 3_600_000_000_000;
const NS_PER_S: u128 = 1_000_000_000;
/// Millionths: micro-USD, micro-LCU.
const MICRO: u128 = 1_000_000;

/// `v / unit` as a decimal with `places` digits, rounded down.
pub(crate) fn decimal(v: u128, unit: u128, places: u32) -> String {
    Qty::new(v, unit).decimal(places)
}

/// `a * b / c`, exact when the product fits, else nearly so.
fn mul_div(a: u128, b: u128, c: u128) -> u128 {
    let c = c.max(1);
    match a.checked_mul(b) {
        Some(p) => p / c,
        None => (a / c)
            .saturating_mul(b)
            .saturating_add((a % c).saturating_mul(b) / c),
    }
}

fn usd(micro: u128) -> String {
    decimal(micro, MICRO, 6)
}

/// A quantity of units, exactly: `num / den`.
#[derive(Clone, Copy)]
struct Qty {
    num: u128,
    den: u128,
}

impl Qty {
    fn new(num: u128, den: u128) -> Qty {
        Qty { num, den }
    }

    fn whole(n: u128) -> Qty {
        Qty { num: n, den: 1 }
    }

    /// Its cost in micro-USD at `price` per unit, rounded down.
    fn cost(self, price: Price) -> u128 {
        mul_div(self.num, u128::from(price.micro_usd), self.den)
    }

    /// As a decimal with `places` digits, rounded down.
    fn decimal(self, places: u32) -> String {
        let scale = 10u128.pow(places);
        let scaled = mul_div(self.num, scale, self.den);
        format!(
            "{}.{:0width$}",
            scaled / scale,
            scaled % scale,
            width = places as usize
        )
    }
}

/// One line in the making.
struct Line {
    item: &'static str,
    resource: String,
    unit: &'static str,
    price: Price,
    /// Units billed for the run.
    run: Qty,
    /// Units in a month at the run's average.
    month: Qty,
}

/// The Region a resource in `subnet`'s VPC is priced in.
fn region_of(topo: &Topology, subnet: topology::SubnetIdx) -> &str {
    &topo.vpc(topo.subnet(subnet).vpc).region
}

/// Whole hours billed for `ns` (each partial hour whole).
fn billed_hours(ns: u128) -> Qty {
    Qty::whole(ns.div_ceil(NS_PER_HOUR))
}

/// A month of hours.
fn month_hours(n: u128) -> Qty {
    Qty::whole(n * u128::from(HOURS_PER_MONTH))
}

/// The capacity units of one load balancer per hour, in millionths, and
/// the dimension that sets them: UDP NLCU (400 new flows/s, 50,000
/// active, 1 GB/h) or GLCU (600 new flows/s, 60,000 active, 1 GB/h).
fn capacity_units(
    bytes: u64,
    flows: u64,
    ns: u128,
    per_s: u128,
    active: u128,
) -> (u128, &'static str) {
    let ns = ns.max(1);
    let by_bytes = u128::from(bytes) * NS_PER_HOUR * MICRO / (ns * u128::from(BYTES_PER_GB));
    let by_new = u128::from(flows) * NS_PER_S * MICRO / (ns * per_s);
    let by_active = u128::from(flows) * MICRO / active;
    [
        (by_bytes, "processed bytes"),
        (by_new, "new flows"),
        (by_active, "active flows"),
    ]
    .into_iter()
    .max_by_key(|(v, _)| *v)
    .unwrap_or((0, "processed bytes"))
}

/// The cost of the run and of a month at its rates.
pub fn cost(scenario: &Scenario, results: &RunResults) -> Cost {
    let topo = &scenario.topology;
    let prices = &scenario.prices;
    let run_ns = u128::from(results.simulated_ns);
    let month_ns = u128::from(HOURS_PER_MONTH) * NS_PER_HOUR;
    // A month of what the run averaged: `num / den` units over the run.
    let month_of = |num: u128, den: u128| Qty::new(num * month_ns, den * run_ns.max(1));
    let default_region = topo
        .vpcs
        .first()
        .map_or(FALLBACK_REGION, |v| v.region.as_str());
    let mut lines: Vec<Line> = Vec::new();
    let mut notes: Vec<String> = Vec::new();

    // SES-12: sessions, per hour or partial hour each existed.
    let existed: u128 = results
        .sessions
        .iter()
        .map(|s| u128::from(s.existed_ns))
        .sum();
    let billed: u64 = results
        .sessions
        .iter()
        .map(|s| s.existed_ns.div_ceil(NS_PER_HOUR as u64))
        .sum();
    let session_price = prices.item(default_region, Item::MirrorSessionHour);
    if !results.sessions.is_empty() {
        lines.push(Line {
            item: "Traffic Mirroring sessions",
            resource: match results.sessions.len() {
                1 => "1 session".to_string(),
                n => format!("{n} sessions"),
            },
            unit: "session-hour",
            price: session_price,
            run: Qty::whole(u128::from(billed)),
            month: month_of(existed, NS_PER_HOUR),
        });
    }

    // EC2: source instances and appliances, per type.
    let mut roles: BTreeMap<(&'static str, &str, String), u64> = BTreeMap::new();
    let mut unpriced: BTreeMap<&str, u64> = BTreeMap::new();
    let sources: Vec<bool> = (0..topo.instances.len())
        .map(|i| {
            topo.sessions
                .iter()
                .any(|s| topo.eni(s.source).instance.is_some_and(|x| x.index() == i))
        })
        .collect();
    let mut appliance = vec![false; topo.instances.len()];
    let mut mark = |e: topology::EniIdx| {
        if let Some(i) = topo.eni(e).instance {
            appliance[i.index()] = true;
        }
    };
    for t in &topo.targets {
        if let TargetResource::NetworkInterface(e) = t.resource {
            mark(e);
        }
    }
    for e in topo.network_load_balancers.iter().flat_map(|n| &n.targets) {
        mark(*e);
    }
    for e in topo.gateway_load_balancers.iter().flat_map(|g| &g.targets) {
        mark(*e);
    }
    for (i, inst) in topo.instances.iter().enumerate() {
        let role = match (appliance[i], sources[i]) {
            (true, _) => "EC2 appliances",
            (false, true) => "EC2 mirror sources",
            _ => continue,
        };
        let region = region_of(topo, inst.subnet).to_string();
        *roles
            .entry((role, &inst.instance_type, region))
            .or_default() += 1;
    }
    // Per second, at least 60 s each.
    let instance_ns = run_ns.max(60 * NS_PER_S);
    for ((role, ty, region), n) in roles {
        match prices.instance(&region, ty) {
            Some(price) => lines.push(Line {
                item: role,
                resource: format!("{n} × {ty}"),
                unit: "instance-hour",
                price,
                run: Qty::new(u128::from(n) * instance_ns, NS_PER_HOUR),
                month: month_hours(u128::from(n)),
            }),
            None => *unpriced.entry(ty).or_default() += n,
        }
    }
    for (ty, n) in &unpriced {
        notes.push(format!(
            "{n} {ty} not priced: the table has no {ty}; set settings.prices.instances"
        ));
    }

    // Load balancers and endpoints: what the copies sent through each.
    let mut nlb_load = vec![(0u64, 0u64); topo.network_load_balancers.len()];
    let mut gwlb_load = vec![(0u64, 0u64); topo.gateway_load_balancers.len()];
    let mut endpoint_bytes = vec![0u64; topo.gwlb_endpoints.len()];
    let mut cross_zone = 0u128;
    for (t, stats) in topo.targets.iter().zip(&results.targets) {
        cross_zone += u128::from(stats.cross_zone_bytes);
        let load = (stats.sent_wire_bytes, stats.outer_flows);
        match t.resource {
            TargetResource::NetworkInterface(_) => {}
            TargetResource::NetworkLoadBalancer(n) => {
                let l = &mut nlb_load[n.index()];
                (l.0, l.1) = (l.0 + load.0, l.1 + load.1);
            }
            TargetResource::GatewayLoadBalancerEndpoint(v) => {
                endpoint_bytes[v.index()] += load.0;
                let g = topo.gwlb_endpoints[v.index()].gateway_load_balancer;
                let l = &mut gwlb_load[g.index()];
                (l.0, l.1) = (l.0 + load.0, l.1 + load.1);
            }
        }
    }
    let lb_lines =
        |lines: &mut Vec<Line>, kind: &'static str, id: &str, region: &str, load: (u64, u64)| {
            let (hour, unit, cu, per_s, active) = if kind == "nlb" {
                (Item::NlbHour, "NLCU-hour", Item::NlcuHour, 400, 50_000)
            } else {
                (Item::GwlbHour, "GLCU-hour", Item::GlcuHour, 600, 60_000)
            };
            let name = topology::short_name(id);
            lines.push(Line {
                item: if kind == "nlb" {
                    "Network Load Balancer"
                } else {
                    "Gateway Load Balancer"
                },
                resource: name.clone(),
                unit: "hour",
                price: prices.item(region, hour),
                run: billed_hours(run_ns),
                month: month_hours(1),
            });
            let (units, by) = capacity_units(load.0, load.1, run_ns, per_s, active);
            lines.push(Line {
                item: if kind == "nlb" { "NLCUs" } else { "GLCUs" },
                resource: format!("{name} (by {by})"),
                unit,
                price: prices.item(region, cu),
                run: Qty::new(units * run_ns, MICRO * NS_PER_HOUR),
                month: Qty::new(units * u128::from(HOURS_PER_MONTH), MICRO),
            });
        };
    for (n, load) in topo.network_load_balancers.iter().zip(nlb_load) {
        let region = topo.vpc(n.vpc).region.clone();
        lb_lines(&mut lines, "nlb", &n.id, &region, load);
    }
    for (g, load) in topo.gateway_load_balancers.iter().zip(gwlb_load) {
        let region = topo.vpc(g.vpc).region.clone();
        lb_lines(&mut lines, "gwlb", &g.id, &region, load);
    }
    for (v, bytes) in topo.gwlb_endpoints.iter().zip(endpoint_bytes) {
        let region = region_of(topo, v.subnet);
        lines.push(Line {
            item: "GWLB endpoint hours",
            resource: v.id.clone(),
            unit: "hour",
            price: prices.item(region, Item::GwlbeHour),
            run: billed_hours(run_ns),
            month: month_hours(1),
        });
        let (bytes, gb) = (u128::from(bytes), u128::from(BYTES_PER_GB));
        lines.push(Line {
            item: "GWLB endpoint data",
            resource: v.id.clone(),
            unit: "GB",
            price: prices.item(region, Item::GwlbeGb),
            run: Qty::new(bytes, gb),
            month: month_of(bytes, gb),
        });
    }

    // Data between zones: out of one and into the other, each billed.
    if cross_zone > 0 {
        let (bytes, gb) = (cross_zone, u128::from(BYTES_PER_GB));
        let one_way = prices.item(default_region, Item::CrossAzGb);
        lines.push(Line {
            item: "Data between zones",
            resource: "copies (out and in)".into(),
            unit: "GB",
            price: Price {
                micro_usd: one_way.micro_usd * 2,
                basis: one_way.basis,
            },
            run: Qty::new(bytes, gb),
            month: month_of(bytes, gb),
        });
    }

    let fallback: Vec<&str> = lines
        .iter()
        .filter(|l| l.price.basis == Basis::Fallback)
        .map(|l| l.item)
        .collect();
    if !fallback.is_empty() {
        notes.push(format!(
            "the price table has no figures for this Region: {FALLBACK_REGION}'s are used \
             ({}); set settings.prices",
            fallback.join(", ")
        ));
    }
    let run_total: u128 = lines.iter().map(|l| l.run.cost(l.price)).sum();
    let month_total: u128 = lines.iter().map(|l| l.month.cost(l.price)).sum();
    let month_sources: u128 = lines
        .iter()
        .filter(|l| l.item == "EC2 mirror sources")
        .map(|l| l.month.cost(l.price))
        .sum();
    let table = sim_core::prices::regions().find(|r| r.region == default_region);
    Cost {
        session_hours: decimal(existed, NS_PER_HOUR, 6),
        billed_session_hours: billed,
        price_per_session_hour_usd: usd(u128::from(session_price.micro_usd)),
        sessions_usd: usd(u128::from(billed) * u128::from(session_price.micro_usd)),
        run_usd: usd(run_total),
        monthly_usd: usd(month_total),
        monthly_mirroring_usd: usd(month_total - month_sources),
        prices_region: table.map_or(FALLBACK_REGION, |t| t.region).to_string(),
        prices_effective: table
            .or_else(|| sim_core::prices::regions().next())
            .map_or(String::new(), |t| t.effective.to_string()),
        prices_source: table
            .or_else(|| sim_core::prices::regions().next())
            .map_or(String::new(), |t| t.source.to_string()),
        unpriced_instance_types: unpriced.keys().map(|t| t.to_string()).collect(),
        lines: lines
            .iter()
            .map(|l| CostLine {
                item: l.item.to_string(),
                resource: l.resource.clone(),
                unit: l.unit.to_string(),
                unit_price_usd: usd(u128::from(l.price.micro_usd)),
                price_from: match l.price.basis {
                    Basis::Table => "table",
                    Basis::Fallback => "table (us-east-1)",
                    Basis::Scenario => "settings",
                }
                .to_string(),
                run_quantity: l.run.decimal(6),
                run_usd: usd(l.run.cost(l.price)),
                monthly_quantity: l.month.decimal(3),
                monthly_usd: usd(l.month.cost(l.price)),
            })
            .collect(),
        notes,
    }
}
