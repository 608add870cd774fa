//! From the parsed file to a [`Scenario`]: resolves ids, checks the rules of
//! the AWS API that this file format can break, assigns what the user left
//! out (VNIs, addresses, MACs, ports, owners) and expands the traffic into
//! flows.
//!
//! Every problem is collected, not only the first, each with the element and
//! field at fault so the loader can point at it. The work is split by
//! resource family: `build_network` (VPCs and what connects them),
//! `build_compute` (instances and ENIs), `build_mirror` (targets, filters,
//! sessions, shares), then `checks` (rules that span resources) and
//! `traffic`.

use std::collections::BTreeSet;

use topology::{AccountIdx, ErrorCode, Topology};

use super::Scenario;
use super::context::{DEFAULT_ACCOUNT, Names, Problems, id_anchor};
use super::locate::Anchor;
use super::schema::*;
use super::traffic::build_traffic;
use super::{
    build_compute, build_expect, build_lb, build_mirror, build_network, build_timeline, checks,
};
use crate::prices::{Item, PriceList};

pub fn build(
    mut file: ScenarioFile,
    read: &super::FileReader<'_>,
    problems: &mut Problems,
) -> Option<Scenario> {
    super::fleet::expand(&mut file, problems);
    check_unique_ids(&file, problems);
    let mut topo = Topology::default();
    let mut names = Names::default();
    build_accounts(&file, &mut topo, &mut names, problems);
    build_network::build(&file, &mut topo, &mut names, problems);
    build_compute::build(&file, &mut topo, &mut names, problems);
    build_lb::build(&file, &mut topo, &mut names, problems);
    build_mirror::build(&file, &mut topo, &mut names, problems);
    topo.finish();
    // Rules that span resources look only at what was built: an element
    // that failed is absent, not half-made, so its own error stands alone.
    checks::check(&file, &topo, problems);
    let mut captures = Vec::new();
    let flows = build_traffic(&file, &topo, &names.poisoned, read, &mut captures, problems);
    checks::warn_mtu(&topo, &flows, problems);
    let timeline = build_timeline::build(&file, &topo, &names, &flows, problems);
    let settings = build_settings(&file, problems);
    let prices = build_prices(&file, problems);
    let expect = build_expect::build(&file.expect, &topo, &names, problems);
    if problems.has_errors() {
        return None;
    }
    Some(Scenario {
        name: file.name,
        description: file.description,
        seed: file.seed,
        duration: file.duration,
        topology: topo,
        flows,
        timeline,
        settings,
        prices,
        captures,
        expect,
    })
}

/// The run's settings: the file's, over the defaults.
fn build_settings(file: &ScenarioFile, p: &mut Problems) -> crate::settings::Settings {
    let mut s = crate::settings::Settings::default();
    let Some(spec) = &file.settings else {
        return s;
    };
    if let Some(l) = spec.latency {
        let t = &mut s.latency;
        let set = |field: &mut u64, v: Option<crate::units::Duration>| {
            if let Some(v) = v {
                *field = v.as_nanos();
            }
        };
        set(&mut t.same_az_ns, l.same_az);
        set(&mut t.cross_az_ns, l.cross_az);
        set(&mut t.peering_ns, l.peering);
        set(&mut t.transit_gateway_ns, l.transit_gateway);
        set(&mut t.load_balancer_ns, l.load_balancer);
        set(&mut t.jitter_ns, l.jitter);
        set(&mut t.load_balancer_jitter_ns, l.load_balancer_jitter);
    }
    if let Some(c) = &spec.burst_credits {
        let share = match c.trim() {
            "full" => Some(100),
            "empty" => Some(0),
            other => other
                .strip_suffix('%')
                .and_then(|n| n.trim().parse::<u8>().ok())
                .filter(|n| *n <= 100),
        };
        match share {
            Some(n) => s.burst_credits_percent = n,
            None => p.error(
                &Anchor::Section("settings"),
                ErrorCode::InvalidParameterValue,
                "settings",
                "burst_credits",
                format!("`{c}` is not \"full\", \"empty\" or a share from \"0%\" to \"100%\""),
            ),
        }
    }
    if let Some(period) = spec.metrics_period {
        if period.as_nanos() < 1_000_000_000 {
            p.error(
                &Anchor::Section("settings"),
                ErrorCode::InvalidParameterValue,
                "settings",
                "metrics_period",
                format!("{period} is under a second; CloudWatch's periods are 1min and 5min"),
            );
        } else {
            s.metrics_period_ns = period.as_nanos();
        }
    }
    if let Some(g) = spec.gateway_load_balancer_endpoint {
        let bps = |r: Option<crate::units::Rate>, default: u64| match r {
            Some(crate::units::Rate::BitsPerSecond(b)) => b,
            _ => default,
        };
        let d = s.gwlb_scaling;
        s.gwlb_scaling = crate::settings::Scaling {
            start_bps: bps(g.start, d.start_bps),
            step_bps: bps(g.step, d.step_bps),
            max_bps: bps(g.max, d.max_bps),
            window_ns: g.window.map_or(d.window_ns, |w| w.as_nanos().max(1)),
            threshold_percent: g.threshold_percent.map_or(d.threshold_percent, u64::from),
        };
    }
    if let Some(pcap) = spec.pcap {
        s.pcap = pcap;
    }
    if let Some(epoch) = spec.capture_epoch {
        s.capture_epoch_ns = epoch.as_nanos();
    }
    if let Some(crate::scenario::schema::FidelitySpec::Sampled { window }) = spec.fidelity {
        let window_ns = window.map_or(crate::settings::DEFAULT_SAMPLING_WINDOW_NS, |w| {
            w.as_nanos()
        });
        match crate::settings::sampling_window_problem(window_ns, s.metrics_period_ns) {
            None => s.fidelity = crate::settings::Fidelity::Sampled { window_ns },
            Some(why) => p.error(
                &Anchor::Section("settings"),
                ErrorCode::InvalidParameterValue,
                "settings",
                "fidelity",
                why,
            ),
        }
    }
    s
}

/// The prices the run is costed at: the table's, under the file's
/// `settings.session_hour_price` and `settings.prices`.
fn build_prices(file: &ScenarioFile, p: &mut Problems) -> PriceList {
    let mut list = PriceList::default();
    let Some(spec) = &file.settings else {
        return list;
    };
    let mut price = |field: &'static str, text: &str| match crate::units::micro_usd(text) {
        Ok(v) => Some(v),
        Err(m) => {
            p.error(
                &Anchor::Section("settings"),
                ErrorCode::InvalidParameterValue,
                "settings",
                field,
                m,
            );
            None
        }
    };
    if let Some(v) = spec
        .session_hour_price
        .as_deref()
        .and_then(|t| price("session_hour_price", t))
    {
        list.set(Item::MirrorSessionHour, v);
    }
    let Some(prices) = &spec.prices else {
        return list;
    };
    for (item, text) in prices.items() {
        if let Some(v) = text.and_then(|t| price(item.name(), t)) {
            list.set(item, v);
        }
    }
    for (instance_type, text) in &prices.instances {
        if let Some(v) = price("instances", text) {
            list.set_instance(instance_type, v);
        }
    }
    list
}

fn build_accounts(file: &ScenarioFile, topo: &mut Topology, names: &mut Names, p: &mut Problems) {
    if file.accounts.is_empty() {
        names
            .accounts
            .insert(DEFAULT_ACCOUNT.to_string(), AccountIdx(0));
        topo.accounts.push(topology::Account {
            id: DEFAULT_ACCOUNT.to_string(),
            organization: None,
        });
        return;
    }
    for a in &file.accounts {
        if a.id.len() != 12 || !a.id.bytes().all(|b| b.is_ascii_digit()) {
            p.error(
                &id_anchor(&a.id),
                ErrorCode::InvalidParameterValue,
                &a.id,
                "id",
                "an account id is twelve digits",
            );
        }
        if let Some(o) = &a.organization
            && !o.starts_with("o-")
        {
            p.error(
                &id_anchor(&a.id),
                ErrorCode::InvalidParameterValue,
                &a.id,
                "organization",
                format!("`{o}` is not an organisation id (o-...)"),
            );
        }
        let idx = AccountIdx(topo.accounts.len() as u32);
        names.accounts.entry(a.id.clone()).or_insert(idx);
        topo.accounts.push(topology::Account {
            id: a.id.clone(),
            organization: a.organization.clone(),
        });
    }
}

fn check_unique_ids(file: &ScenarioFile, problems: &mut Problems) {
    let mut seen = BTreeSet::new();
    let mut ids: Vec<&str> = file.accounts.iter().map(|a| a.id.as_str()).collect();
    for v in &file.vpcs {
        ids.push(&v.id);
        ids.extend(v.subnets.iter().map(|s| s.id.as_str()));
        ids.extend(v.route_tables.iter().map(|s| s.id.as_str()));
        ids.extend(v.network_acls.iter().map(|s| s.id.as_str()));
        ids.extend(v.security_groups.iter().map(|s| s.id.as_str()));
    }
    ids.extend(file.vpc_peering_connections.iter().map(|p| p.id.as_str()));
    for t in &file.transit_gateways {
        ids.push(&t.id);
        ids.extend(t.attachments.iter().map(|a| a.id.as_str()));
        ids.extend(t.route_tables.iter().map(|a| a.id.as_str()));
    }
    for i in &file.instances {
        ids.push(&i.id);
        ids.extend(i.network_interfaces.iter().map(|e| e.id.as_str()));
    }
    ids.extend(file.network_interfaces.iter().map(|e| e.id.as_str()));
    ids.extend(file.traffic_mirror_targets.iter().map(|t| t.id.as_str()));
    ids.extend(file.traffic_mirror_filters.iter().map(|f| f.id.as_str()));
    ids.extend(file.traffic_mirror_sessions.iter().map(|s| s.id.as_str()));
    ids.extend(file.resource_shares.iter().map(|s| s.id.as_str()));
    ids.extend(file.network_load_balancers.iter().map(|s| s.id.as_str()));
    ids.extend(file.gateway_load_balancers.iter().map(|s| s.id.as_str()));
    ids.extend(
        file.gateway_load_balancer_endpoints
            .iter()
            .map(|s| s.id.as_str()),
    );
    for id in ids {
        if !seen.insert(id) {
            problems.error(
                &Anchor::SecondId(id.to_string()),
                ErrorCode::DuplicateId,
                id,
                "id",
                format!("the id `{id}` is declared more than once"),
            );
        }
    }
}
