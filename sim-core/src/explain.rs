//! `sim explain`: the fate of one packet at one source ENI, step by step,
//! as the run's state stands at a given instant (sessions deleted or
//! modified, filters changed, appliances failed by then).
//!
//! It walks the same functions the pipeline uses (never-mirrored check,
//! source admission, sessions and filters, copy plan, load balancer
//! choice), only saying what each decided; the budget step reads what the
//! run measured around that instant, since budgets are shared by every
//! packet of the instance.

use std::net::IpAddr;

use topology::filter::FilterRule;
use topology::packet::{L3, proto};
use topology::reach::SourceBlock;
use topology::services::{self, NeverMirrored};
use topology::{Decision, Direction, EniIdx, FlowKey, SessionIdx, Topology};

use crate::copy_plan::Via;
use crate::engine::Simulation;
use crate::outcome::{Delivery, DropReason, NotMirroredReason as N, Outcome};
use crate::pipeline::Observation;
use crate::results::COPY_SERIES;
use crate::scenario::Scenario;
use crate::units::Duration;

/// The packet to explain, as `sim explain --packet` reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PacketQuery {
    pub key: FlowKey,
    pub direction: Direction,
    /// The source ENI's id.
    pub eni: String,
    /// IP packet bytes.
    pub size: u32,
    /// The packet answers a connection the ENI opened (security groups
    /// are stateful).
    pub reply: bool,
}

/// How a step ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// The packet (or its copy) went on.
    Pass,
    /// It stopped here.
    Stop,
    /// Something to know, no verdict.
    Note,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub mark: Mark,
    /// What was checked (`session tms-1`, `rule 100`, `route table`).
    pub what: String,
    pub detail: String,
}

/// The whole story.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    pub packet: String,
    pub at: Duration,
    pub steps: Vec<Step>,
    /// `not_mirrored`, `skipped`, `dropped` or `delivered`, and the reason
    /// code, as the report would count the packet; the skip is a share.
    pub outcome: &'static str,
    pub reason: &'static str,
    /// What may still befall it that depends on the other packets (the
    /// budgets): said, not decided.
    pub caveat: Option<String>,
}

impl Explanation {
    /// The packet ends here, as the report would count it.
    fn settle(&mut self, o: Outcome) {
        self.outcome = o.category().code();
        self.reason = o.reason();
    }
}

/// Reads `tcp 198.51.100.7:51000 -> 10.0.1.10:443 ingress at eni-0a1
/// [size 1500B] [reply]`. Protocols: tcp, udp, icmp, icmpv6, or a number;
/// IPv6 addresses with a port in brackets (`[2600:1f18::10]:443`).
pub fn parse_packet(text: &str) -> Result<PacketQuery, String> {
    let usage =
        "expected `PROTOCOL SRC[:PORT] -> DST[:PORT] ingress|egress at ENI-ID [size N] [reply]`";
    let words: Vec<&str> = text.split_whitespace().collect();
    let [protocol, src, arrow, dst, direction, at, eni, rest @ ..] = words.as_slice() else {
        return Err(format!("`{text}`: {usage}"));
    };
    if *arrow != "->" || *at != "at" {
        return Err(format!("`{text}`: {usage}"));
    }
    let protocol = match protocol.to_ascii_lowercase().as_str() {
        "tcp" => proto::TCP,
        "udp" => proto::UDP,
        "icmp" => proto::ICMP,
        "icmpv6" => proto::ICMPV6,
        n => n.parse::<u8>().map_err(|_| {
            format!("`{protocol}` is not a protocol: tcp, udp, icmp, icmpv6 or 0-255")
        })?,
    };
    let ports = protocol == proto::TCP || protocol == proto::UDP;
    let (src, src_port) = endpoint(src, ports)?;
    let (dst, dst_port) = endpoint(dst, ports)?;
    if src.is_ipv4() != dst.is_ipv4() {
        return Err(format!(
            "`{text}`: the two addresses are of different families"
        ));
    }
    let direction = match *direction {
        "ingress" => Direction::Ingress,
        "egress" => Direction::Egress,
        d => return Err(format!("`{d}` is not a direction: ingress or egress")),
    };
    let mut size = 1500;
    let mut reply = false;
    let mut rest = rest.iter();
    while let Some(w) = rest.next() {
        match *w {
            "reply" => reply = true,
            "size" => {
                let v = rest
                    .next()
                    .ok_or("`size` needs a value, like `size 1500B`")?;
                let b: crate::units::ByteSize = v.parse()?;
                let min = if src.is_ipv4() { 20 } else { 40 };
                if b.0 < min || b.0 > 9001 {
                    return Err(format!("size {v}: an IP packet is {min} to 9001 bytes"));
                }
                size = b.0 as u32;
            }
            other => return Err(format!("`{other}` is not understood: {usage}")),
        }
    }
    Ok(PacketQuery {
        key: FlowKey {
            l3: L3::Ip,
            src,
            dst,
            protocol,
            src_port,
            dst_port,
        },
        direction,
        eni: eni.to_string(),
        size,
        reply,
    })
}

impl std::fmt::Display for PacketQuery {
    /// The query as `parse_packet` reads it, sizes and all.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let k = &self.key;
        let proto = protocol_name(k.protocol);
        let end = |ip: IpAddr, port: u16| match (k.has_ports(), ip) {
            (false, _) => ip.to_string(),
            (true, IpAddr::V4(a)) => format!("{a}:{port}"),
            (true, IpAddr::V6(a)) => format!("[{a}]:{port}"),
        };
        let dir = match self.direction {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        };
        write!(
            f,
            "{proto} {} -> {} {dir} at {} size {}B{}",
            end(k.src, k.src_port),
            end(k.dst, k.dst_port),
            self.eni,
            self.size,
            if self.reply { " reply" } else { "" }
        )
    }
}

/// `10.0.0.1:443`, `10.0.0.1`, `[2600::1]:443`, `2600::1`.
fn endpoint(text: &str, ports: bool) -> Result<(IpAddr, u16), String> {
    let (addr, port) = if let Some(rest) = text.strip_prefix('[') {
        let (a, p) = rest
            .split_once("]:")
            .ok_or_else(|| format!("`{text}`: write an IPv6 address with a port as [ADDR]:PORT"))?;
        (a, Some(p))
    } else if text.matches(':').count() == 1 {
        let (a, p) = text.split_once(':').unwrap_or((text, ""));
        (a, Some(p))
    } else {
        (text, None)
    };
    let ip: IpAddr = addr
        .parse()
        .map_err(|_| format!("`{addr}` is not an IP address"))?;
    let port = match (port, ports) {
        (Some(p), true) => p
            .parse::<u16>()
            .map_err(|_| format!("`{p}` is not a port (0-65535)"))?,
        (None, true) => return Err(format!("`{text}`: TCP and UDP need a port")),
        (Some(_), false) => return Err(format!("`{text}`: only TCP and UDP have ports")),
        (None, false) => 0,
    };
    Ok((ip, port))
}

/// `tcp`, `udp`, `icmp`, `icmpv6`, or the number, as `parse_packet` reads
/// them.
fn protocol_name(p: u8) -> String {
    match p {
        proto::TCP => "tcp".into(),
        proto::UDP => "udp".into(),
        proto::ICMP => "icmp".into(),
        proto::ICMPV6 => "icmpv6".into(),
        p => p.to_string(),
    }
}

/// `tcp 10.0.0.1:1 -> 10.0.0.2:443`, as a rule sees it.
fn describe_rule(r: &FilterRule) -> String {
    let proto = match r.protocol {
        None => "all".to_string(),
        Some(p @ (proto::TCP | proto::UDP | proto::ICMP | proto::ICMPV6)) => protocol_name(p),
        Some(p) => format!("protocol {p}"),
    };
    let ports = |p: Option<topology::filter::PortRange>| match p {
        None => String::new(),
        Some(p) if p.from_port == p.to_port => format!(":{}", p.from_port),
        Some(p) => format!(":{}-{}", p.from_port, p.to_port),
    };
    format!(
        "{} {proto} {}{} -> {}{}",
        r.rule_action.as_str(),
        r.source_cidr_block,
        ports(r.source_port_range),
        r.destination_cidr_block,
        ports(r.destination_port_range)
    )
}

fn step(mark: Mark, what: impl Into<String>, detail: impl Into<String>) -> Step {
    Step {
        mark,
        what: what.into(),
        detail: detail.into(),
    }
}

fn never_mirrored_name(kind: NeverMirrored) -> &'static str {
    match kind {
        NeverMirrored::Arp => "ARP",
        NeverMirrored::Dhcp => "DHCP",
        NeverMirrored::InstanceMetadata => "Instance metadata",
        NeverMirrored::TimeSync => "Amazon Time Sync",
        NeverMirrored::WindowsActivation => "Windows activation",
    }
}

/// A time for people: `0s` rather than `0ns`.
pub fn show_time(ns: u64) -> String {
    if ns == 0 {
        "0s".into()
    } else {
        Duration(ns).to_string()
    }
}

/// SES-02, FLT-01..06: each session in session-number order, each rule in
/// rule-number order, until one decides. Returns the mirroring session.
fn sessions(
    x: &mut Explanation,
    topo: &Topology,
    active: &[bool],
    eni: EniIdx,
    q: &PacketQuery,
) -> Option<SessionIdx> {
    let dns = services::is_amazon_dns(&q.key, topo.vpc_of(eni).amazon_dns_resolver());
    let dir = match q.direction {
        Direction::Ingress => "ingress",
        Direction::Egress => "egress",
    };
    let mut any_rules = false;
    for &si in topo.sessions_of(eni) {
        let s = topo.session(si);
        let what = format!("session {} (number {})", s.id, s.session_number);
        if !active.get(si.index()).copied().unwrap_or(true) {
            x.steps
                .push(step(Mark::Note, what, "deleted by then: skipped"));
            continue;
        }
        let f = topo.filter(s.filter);
        if dns {
            if f.amazon_dns {
                x.steps.push(step(
                    Mark::Pass,
                    what,
                    format!(
                        "Amazon DNS traffic, and filter {} enables amazon-dns: mirrored (FLT-06)",
                        f.id
                    ),
                ));
                return Some(si);
            }
            x.steps.push(step(
                Mark::Note,
                what,
                format!("Amazon DNS traffic; filter {} lacks the amazon-dns service: passed on (FLT-06)", f.id),
            ));
            continue;
        }
        let rules = f.rules(q.direction);
        if rules.is_empty() {
            x.steps.push(step(
                Mark::Note,
                what,
                format!("filter {} has no {dir} rules: passed on (FLT-02)", f.id),
            ));
            continue;
        }
        any_rules = true;
        x.steps.push(step(
            Mark::Note,
            what,
            format!("filter {}, {dir} rules", f.id),
        ));
        for r in rules {
            let rule = format!("  rule {}", r.rule_number);
            if !r.matches(&q.key) {
                x.steps.push(step(
                    Mark::Note,
                    rule,
                    format!("{}: no match", describe_rule(r)),
                ));
                continue;
            }
            let accept = r.rule_action == topology::RuleAction::Accept;
            x.steps.push(step(
                if accept { Mark::Pass } else { Mark::Stop },
                rule,
                format!(
                    "{}: matches, {} (FLT-01; SES-02: no later session sees it)",
                    describe_rule(r),
                    if accept { "mirrored" } else { "not mirrored" }
                ),
            ));
            if accept {
                return Some(si);
            }
            x.settle(Outcome::NotMirrored(N::FilterReject));
            return None;
        }
        x.steps.push(step(
            Mark::Note,
            "  no rule matched",
            "the next session looks at it (SES-02)",
        ));
    }
    x.settle(Outcome::NotMirrored(if dns {
        N::AmazonDnsNotEnabled
    } else if any_rules {
        N::NoRuleMatched
    } else {
        N::NoRulesForDirection
    }));
    x.steps
        .push(step(Mark::Stop, "sessions", "no session mirrors it"));
    None
}

/// What the load balancer looks like to this outer flow: its node, the
/// cross-zone setting, the appliances it may choose from (TGT-05..08).
fn lb_state(
    topo: &Topology,
    pipeline: &crate::pipeline::Pipeline,
    via: &Via,
    eni: EniIdx,
    target: topology::TargetIdx,
    key: &FlowKey,
) -> Option<String> {
    let hash = crate::pipeline::outer_flow_hash(topo, eni, target, key);
    let src_zone = &topo.subnet(topo.eni(eni).subnet).availability_zone;
    let (node, targets, state, healthy, extra) = match *via {
        Via::Eni(_) => return None,
        Via::Nlb(n) => {
            let nlb = &topo.network_load_balancers[n.index()];
            let node = crate::lb::nlb_node(topo, n, src_zone, hash).to_string();
            let how = if &node == src_zone {
                "the source's zone"
            } else {
                "none in the source's zone: by flow hash"
            };
            let state = &pipeline.nlb[n.index()];
            let listener = if state.listener {
                ""
            } else {
                "; no UDP 4789 listener"
            };
            (
                node,
                &nlb.targets,
                state,
                &pipeline.nlb_healthy[n.index()],
                format!(" ({how}){listener}"),
            )
        }
        Via::Gwlb(v, g) => {
            let zone = topo
                .subnet(topo.gwlb_endpoints[v.index()].subnet)
                .availability_zone
                .clone();
            (
                zone,
                &topo.gateway_load_balancers[g.index()].targets,
                &pipeline.gwlb[g.index()],
                &pipeline.gwlb_healthy[g.index()],
                " (the endpoint's zone)".to_string(),
            )
        }
    };
    let eligible = crate::lb::eligible(topo, &node, targets, state, healthy).count();
    let node_state = if state.zones.contains(&node) {
        ""
    } else {
        ", a zone no longer enabled"
    };
    Some(format!(
        "node in {node}{extra}{node_state}; cross-zone {}; {eligible} of {} appliances healthy and reachable from it",
        if state.cross_zone { "on" } else { "off" },
        targets.len()
    ))
}

/// Explains `q` at `at` (clamped to the run). The ENI must be a mirror
/// source of the scenario.
pub fn explain(scenario: &Scenario, q: &PacketQuery, at: Duration) -> Result<Explanation, String> {
    let topo0 = &scenario.topology;
    let eni = topo0
        .enis
        .iter()
        .position(|e| e.id == q.eni)
        .map(|i| EniIdx(i as u32))
        .ok_or_else(|| format!("no network interface `{}` in this scenario", q.eni))?;
    if !topo0.is_source(eni) {
        return Err(format!(
            "`{}` is the source of no traffic mirror session: nothing at it is mirrored",
            q.eni
        ));
    }
    let end = scenario.duration.as_nanos();
    let at_ns = at.as_nanos().min(end.saturating_sub(1));
    let mut sim = Simulation::new(scenario);
    sim.run_until(at_ns);
    let mut x = Explanation {
        packet: q.to_string(),
        at: Duration(at_ns),
        steps: Vec::new(),
        outcome: "not_mirrored",
        reason: "",
        caveat: None,
    };
    let (topo, active, pipeline) = sim.state();
    let e = topo.eni(eni);
    let own = match q.direction {
        Direction::Ingress => q.key.dst,
        Direction::Egress => q.key.src,
    };
    if own != e.private_ip && e.ipv6_address.map(IpAddr::V6) != Some(own) {
        x.steps.push(step(
            Mark::Note,
            "address",
            format!(
                "{} is not an address of {}; the filters are asked anyway",
                own, e.id
            ),
        ));
    }
    // SRC-03
    if let Some(kind) = services::never_mirrored(&q.key) {
        x.steps.push(step(
            Mark::Stop,
            "never mirrored",
            format!(
                "{} traffic is never mirrored (SRC-03)",
                never_mirrored_name(kind)
            ),
        ));
        x.settle(Outcome::NotMirrored(N::NeverMirrored(kind)));
        return Ok(x);
    }
    x.steps.push(step(
        Mark::Pass,
        "never mirrored",
        "not ARP, DHCP, instance metadata, Time Sync or Windows activation",
    ));
    // SRC-05
    if q.direction == Direction::Ingress {
        let sender = topo.eni_by_ip(q.key.src);
        match topo.source_admits(eni, &q.key, sender, q.reply) {
            Ok(()) => x.steps.push(step(
                Mark::Pass,
                "source admits it",
                "the subnet's network ACL and the ENI's security groups let it in (SRC-05)",
            )),
            Err((block, why)) => {
                x.steps.push(step(Mark::Stop, "source admits it", why));
                x.settle(Outcome::NotMirrored(match block {
                    SourceBlock::NetworkAcl => N::SourceNetworkAcl,
                    SourceBlock::SecurityGroup => N::SourceSecurityGroup,
                }));
                return Ok(x);
            }
        }
    }
    let Some(si) = sessions(&mut x, topo, active, eni, q) else {
        return Ok(x);
    };
    // The narration and the pipeline's own decision agree.
    debug_assert!(matches!(
        topo.decide(eni, q.direction, &q.key, active),
        Decision::Mirror { mirror, .. } if mirror.session == si
    ));
    let session = topo.session(si);
    let plan = *pipeline.plan(si.index());
    // SES-05, MTU-01..02, PKT-05, TGT-10
    let (kept, how) = plan.cut(q.size, q.key.is_ipv6());
    let frame = q.size + 14;
    let cut = match how {
        Delivery::Whole => "whole".to_string(),
        Delivery::TruncatedToPacketLength => {
            format!("cut to the session's packet length, {kept} bytes (SES-05)")
        }
        Delivery::TruncatedToMtu => "cut to fit the target's MTU (MTU-01)".to_string(),
    };
    let wrapper = if plan.wrapper > 0 {
        format!(
            ", {} with the GENEVE wrapping (TGT-10)",
            kept + plan.outer_headers + plan.wrapper
        )
    } else {
        String::new()
    };
    x.steps.push(step(
        Mark::Pass,
        "copy",
        format!(
            "keeps {kept} of the {frame}-byte frame ({cut}); VNI {}; {} bytes as an outer IP packet{wrapper}",
            session.virtual_network_id,
            kept + plan.outer_headers
        ),
    ));
    x.settle(Outcome::Delivered(how));
    // CON-01..05, TGT-04: the path to the target, or to the load
    // balancer's node or endpoint.
    let dest = topo.copy_destination(eni, plan.target);
    let reach = topo.reach_to(eni, &dest);
    for h in &reach.hops {
        x.steps.push(step(
            Mark::Pass,
            "path",
            format!("{}: {}", h.resource, h.detail),
        ));
    }
    if let Some(stop) = &reach.stop {
        let mut detail = format!(
            "{}: {} ({})",
            stop.resource,
            stop.detail,
            stop.reason.code()
        );
        if let Some(h) = &stop.hint {
            detail.push_str(&format!("; {h}"));
        }
        x.steps.push(step(Mark::Stop, "path", detail));
        x.settle(Outcome::Dropped(DropReason::Unreachable(stop.reason)));
        return Ok(x);
    }
    // TGT-05..08: the load balancer's choice for this outer flow.
    let sender = topo.eni_by_ip(q.key.src);
    let mut obs = Observation::new(topo, eni, q.direction, &q.key, sender, q.reply, active, 0);
    pipeline.choose(topo, &mut obs, &q.key);
    if let Some(fleet) = lb_state(topo, pipeline, &plan.via, eni, plan.target, &q.key) {
        x.steps.push(step(Mark::Note, "load balancer", fleet));
    }
    let appliance = match (obs.appliance, obs.lost) {
        (Some(a), _) => a,
        (None, lost) => {
            let lost = Outcome::Dropped(lost.unwrap_or(DropReason::NoHealthyTarget));
            x.steps.push(step(
                Mark::Stop,
                "load balancer",
                format!("no appliance for this outer flow ({})", lost.reason()),
            ));
            x.settle(lost);
            return Ok(x);
        }
    };
    let a = topo.eni(appliance);
    let zone = &topo.subnet(a.subnet).availability_zone;
    let owner = topo
        .instance_of(appliance)
        .map(|i| format!(" ({}, {})", i.id, i.instance_type))
        .unwrap_or_default();
    let what = match plan.via {
        Via::Eni(_) => "target",
        Via::Nlb(_) | Via::Gwlb(..) => "load balancer",
    };
    x.steps.push(step(
        Mark::Pass,
        what,
        format!("appliance {}{owner} in {zone}", a.id),
    ));
    // BW-01..04, TGT-06 budgets: shared by every packet, so what the run
    // measured in the metrics period around the instant.
    let instance = topo
        .instance_of(eni)
        .map(|i| (i.id.clone(), i.instance_type.clone(), i.network));
    let target = session.target;
    let target_id = topo.target(target).id.clone();
    let fifo = plan.fifo;
    let period = scenario.settings.metrics_period_ns.max(1);
    let bin = (at_ns / period) as usize;
    let (from, to) = (bin as u64 * period, ((bin as u64 + 1) * period).min(end));
    sim.run_until(to.saturating_sub(1));
    let (_, _, pipeline) = sim.state();
    let field = |name: &str| COPY_SERIES.iter().position(|f| *f == name).unwrap_or(0);
    let sbin = pipeline.results.sessions[si.index()]
        .series
        .bins
        .get(bin)
        .copied()
        .unwrap_or_default();
    let (sent, skipped) = (sbin[field("sent")], sbin[field("skipped")]);
    let budget = match &instance {
        Some((id, ty, Some(n))) => format!(
            "{id} ({ty}): {} baseline, {} burst, {} each way",
            crate::units::Rate::BitsPerSecond(n.baseline_bps),
            crate::units::Rate::BitsPerSecond(n.burst_bps),
            crate::units::Rate::MilliPacketsPerSecond(n.pps.saturating_mul(1000))
        ),
        Some((id, ty, None)) => format!("{id} ({ty}): no budget modelled"),
        None => "no instance: no budget modelled".into(),
    };
    let window = format!("{} to {}", show_time(from), show_time(to));
    let made = sent + skipped;
    if skipped > 0 {
        let milli = skipped as u128 * 100_000 / made.max(1) as u128;
        let share = format!("{}.{:03}%", milli / 1000, milli % 1000);
        x.caveat = Some(format!(
            "or skipped: {share} of the session's copies were, in {window}"
        ));
        x.steps.push(step(
            Mark::Note,
            "source budget",
            format!(
                "{budget}; in {window} the session skipped {skipped} of {made} copies ({share}): production goes first (BW-01..04), so this copy may be skipped"
            ),
        ));
    } else {
        x.steps.push(step(
            Mark::Pass,
            "source budget",
            format!("{budget}; in {window} the session skipped none of its {made} copies"),
        ));
    }
    let tbin = pipeline.results.targets[target.index()]
        .series
        .bins
        .get(bin)
        .copied()
        .unwrap_or_default();
    let dropped = tbin[field("dropped")];
    let reordered = tbin[field("reordered")];
    x.steps.push(step(
        if dropped > 0 { Mark::Note } else { Mark::Pass },
        "appliance",
        format!(
            "in {window}, target {} dropped {dropped} copies and saw {reordered} out of order{}",
            target_id,
            if fifo {
                " (an ENI target keeps order, TGT-09)"
            } else {
                ""
            }
        ),
    ));
    Ok(x)
}
