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

use topology::evidence::Fact;
use topology::filter::FilterRule;
use topology::packet::{L3, proto};
use topology::reach::SourceBlock;
use topology::services::NeverMirrored;
use topology::{Decision, Direction, EniIdx, FlowKey, SessionIdx, Topology};

use crate::delivery::{LbView, Via};
use crate::engine::Simulation;
use crate::outcome::{Delivery, DropReason, NotMirroredReason as N, Outcome};
use crate::resolved::Scenario;
use crate::results::COPY_SERIES;
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
    /// The session that decided (accepted or rejected) the packet, the
    /// rule number that did (absent for the `amazon-dns` service), and the
    /// appliance its copy goes to: the ids the run counts it under.
    pub session: Option<String>,
    pub rule: Option<u16>,
    pub appliance: Option<String>,
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

/// Says in words what [`Topology::decide_at`] reported, step by step:
/// SRC-03, SRC-05, then each session in session-number order and each rule
/// in rule-number order until one decides (SES-02, FLT-01..06). The
/// decision itself is the function's, never made again here.
fn narrate(
    x: &mut Explanation,
    topo: &Topology,
    q: &PacketQuery,
    facts: &[Fact],
    decision: Decision,
) {
    let dir = match q.direction {
        Direction::Ingress => "ingress",
        Direction::Egress => "egress",
    };
    let what = |si: SessionIdx| {
        let s = topo.session(si);
        format!("session {} (number {})", s.id, s.session_number)
    };
    let filter_of = |si: SessionIdx| topo.filter(topo.session(si).filter);
    for fact in facts {
        let st = match fact {
            Fact::NeverMirrored(kind) => step(
                Mark::Stop,
                "never mirrored",
                format!(
                    "{} traffic is never mirrored (SRC-03)",
                    never_mirrored_name(*kind)
                ),
            ),
            Fact::Mirrorable => step(
                Mark::Pass,
                "never mirrored",
                "not ARP, DHCP, instance metadata, Time Sync or Windows activation",
            ),
            Fact::SourceAdmits => step(
                Mark::Pass,
                "source admits it",
                "the subnet's network ACL and the ENI's security groups let it in (SRC-05)",
            ),
            Fact::SourceBlocked { resource, .. } => {
                step(Mark::Stop, "source admits it", resource.clone())
            }
            Fact::SessionDeleted(si) => step(Mark::Note, what(*si), "deleted by then: skipped"),
            Fact::AmazonDns { session, enabled } => {
                let f = filter_of(*session);
                if *enabled {
                    step(
                        Mark::Pass,
                        what(*session),
                        format!(
                            "Amazon DNS traffic, and filter {} enables amazon-dns: mirrored (FLT-06)",
                            f.id
                        ),
                    )
                } else {
                    step(
                        Mark::Note,
                        what(*session),
                        format!(
                            "Amazon DNS traffic; filter {} lacks the amazon-dns service: passed on (FLT-06)",
                            f.id
                        ),
                    )
                }
            }
            Fact::NoRulesForDirection(si) => step(
                Mark::Note,
                what(*si),
                format!(
                    "filter {} has no {dir} rules: passed on (FLT-02)",
                    filter_of(*si).id
                ),
            ),
            Fact::Rules(si) => step(
                Mark::Note,
                what(*si),
                format!("filter {}, {dir} rules", filter_of(*si).id),
            ),
            Fact::Rule {
                session,
                rule,
                matched,
            } => {
                let r = &filter_of(*session).rules(q.direction)[*rule as usize];
                let name = format!("  rule {}", r.rule_number);
                if !matched {
                    step(Mark::Note, name, format!("{}: no match", describe_rule(r)))
                } else {
                    let accept = r.rule_action == topology::RuleAction::Accept;
                    step(
                        if accept { Mark::Pass } else { Mark::Stop },
                        name,
                        format!(
                            "{}: matches, {} (FLT-01; SES-02: no later session sees it)",
                            describe_rule(r),
                            if accept { "mirrored" } else { "not mirrored" }
                        ),
                    )
                }
            }
            Fact::NoRuleMatched(_) => step(
                Mark::Note,
                "  no rule matched",
                "the next session looks at it (SES-02)",
            ),
        };
        x.steps.push(st);
    }
    match decision {
        Decision::Mirror { mirror, .. } => {
            x.session = Some(topo.session(mirror.session).id.clone());
            if let topology::decision::AcceptedBy::Rule(i) = mirror.accepted_by {
                x.rule = Some(filter_of(mirror.session).rules(q.direction)[i as usize].rule_number);
            }
        }
        Decision::Rejected { session, rule, .. } => {
            x.session = Some(topo.session(session).id.clone());
            x.rule = Some(filter_of(session).rules(q.direction)[rule as usize].rule_number);
        }
        _ => {}
    }
    let reason = match decision {
        Decision::Mirror { .. } => return,
        Decision::NeverMirrored(k) => N::NeverMirrored(k),
        Decision::BlockedAtSource(SourceBlock::NetworkAcl) => N::SourceNetworkAcl,
        Decision::BlockedAtSource(SourceBlock::SecurityGroup) => N::SourceSecurityGroup,
        Decision::Rejected { .. } => N::FilterReject,
        Decision::AmazonDnsNotEnabled { .. } => N::AmazonDnsNotEnabled,
        Decision::NoRuleMatched { .. } => N::NoRuleMatched,
        Decision::NoRulesForDirection { .. } => N::NoRulesForDirection,
    };
    if matches!(
        decision,
        Decision::AmazonDnsNotEnabled { .. }
            | Decision::NoRuleMatched { .. }
            | Decision::NoRulesForDirection { .. }
    ) {
        x.steps
            .push(step(Mark::Stop, "sessions", "no session mirrors it"));
    }
    x.settle(Outcome::NotMirrored(reason));
}

/// What the load balancer looked like to this outer flow, as
/// [`delivery::route`] saw it: its node, the cross-zone setting, the
/// appliances it may choose from (TGT-05..08).
fn lb_view(v: &LbView, nlb: bool) -> String {
    let how = match (nlb, v.by_flow_hash) {
        (false, _) => " (the endpoint's zone)",
        (true, false) => " (the source's zone)",
        (true, true) => " (none in the source's zone: by flow hash)",
    };
    let listener = if v.listener {
        ""
    } else {
        "; no UDP 4789 listener"
    };
    let node_state = if v.zone_enabled {
        ""
    } else {
        ", a zone no longer enabled"
    };
    let mut s = format!(
        "node in {}{how}{listener}{node_state}; cross-zone {}; {} of the {} appliances it may send to are healthy as its health checks last judged ({} registered); flows kept by {} (LB-04)",
        v.node_zone,
        if v.cross_zone { "on" } else { "off" },
        v.healthy,
        v.in_scope,
        v.registered,
        v.stickiness
    );
    if v.fail_open {
        s.push_str("; none is healthy, so it fails open and sends to all of them (LB-02)");
    }
    if v.kept {
        s.push_str(
            "; this existing flow stays on the appliance it was given (no_rebalance, LB-03)",
        );
    }
    s
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
        session: None,
        rule: None,
        appliance: None,
    };
    let (world, pipeline) = sim.state();
    let topo = world.topology();
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
    // SRC-03, SRC-05, SES-02, FLT-*: the pipeline's own decision, with
    // the facts it reported.
    let sender = topo.eni_by_ip(q.key.src);
    let mut facts: Vec<Fact> = Vec::new();
    let decision = topo.decide_at(
        eni,
        q.direction,
        &q.key,
        sender,
        q.reply,
        world.sessions_existing(),
        &mut facts,
    );
    narrate(&mut x, topo, q, &facts, decision);
    let Decision::Mirror { mirror, .. } = decision else {
        return Ok(x);
    };
    let si = mirror.session;
    let session = topo.session(si);
    let plan = pipeline.plan(si).clone();
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
    if world.session_inactive(si) {
        x.steps.push(step(
            Mark::Stop,
            "session",
            format!(
                "{} is inactive: its shared target was deleted by its owner (TGT-13)",
                session.id
            ),
        ));
        x.settle(Outcome::NotMirrored(N::SessionInactive));
        return Ok(x);
    }
    if world.target_resource_deleted(plan.target) {
        x.steps.push(step(
            Mark::Stop,
            "target",
            format!(
                "the resource of {} is deleted: no copy is made and nothing is spent (SES-10, SES-13)",
                topo.target(plan.target).id
            ),
        ));
        x.settle(Outcome::NotMirrored(N::TargetDeleted));
        return Ok(x);
    }
    // CON-01..05, TGT-04, TGT-05..08, LB-06: where this outer flow's
    // copies go, as the run decides it: the node, the path to it, the
    // appliance.
    let route = crate::delivery::route(
        world,
        &plan,
        eni,
        &q.key,
        scenario.settings.latency.cross_az_ns,
        sim.placed(eni, &q.key),
        true,
    );
    let dest = topo.copy_destination(plan.target, route.node);
    let reach = topo.reach_to(eni, &dest);
    for h in &reach.hops {
        x.steps.push(step(
            Mark::Pass,
            "path",
            format!("{}: {}", h.resource(topo), h.detail(topo)),
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
    if let Some(v) = &route.lb {
        x.steps.push(step(
            Mark::Note,
            "load balancer",
            lb_view(v, matches!(plan.via, Via::Nlb(_))),
        ));
    }
    // TGT-04 (corrected): behind a Network Load Balancer, the last leg to
    // the appliance placed, judged from the source's IP. The run's route
    // decided it; the leg's hops say it in words.
    if let (Via::Nlb(n), Some(placed)) = (plan.via, route.placed) {
        let leg = topo.appliance_reach(eni, n, route.node, &reach, placed);
        for h in &leg.hops {
            x.steps.push(step(
                Mark::Pass,
                "appliance path",
                format!(
                    "{}: {} (the NLB keeps the source's IP)",
                    h.resource(topo),
                    h.detail(topo)
                ),
            ));
        }
        if let (Err(DropReason::Unreachable(reason)), Some(stop)) = (route.appliance, &leg.stop) {
            x.appliance = Some(topo.eni(placed).id.clone());
            x.steps.push(step(
                Mark::Stop,
                "appliance path",
                format!(
                    "{}: {} ({}): the NLB chose {}, whose own ACL or security group drops the copy (TGT-04)",
                    stop.resource,
                    stop.detail,
                    reason.code(),
                    topo.eni(placed).id
                ),
            ));
            x.settle(Outcome::Dropped(DropReason::Unreachable(reason)));
            return Ok(x);
        }
    }
    let appliance = match route.appliance {
        Ok(a) => a,
        Err(lost) => {
            let lost = Outcome::Dropped(lost);
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
    x.appliance = Some(a.id.clone());
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
    // LB-01, TGT-06: an appliance that is down receives nothing; a load
    // balancer keeps choosing it until its health checks say so.
    if world.appliance_down(appliance) {
        let checks = match plan.via {
            Via::Nlb(n) => Some(topo.network_load_balancers[n.index()].health_check),
            Via::Gwlb(_, g) => Some(topo.gateway_load_balancers[g.index()].health_check),
            Via::Eni(_) => None,
        };
        let why = match checks {
            Some(hc) => format!(
                "; the load balancer notices after {} failed health checks {} apart (LB-01), or keeps the flow on it (LB-03)",
                hc.unhealthy_threshold,
                crate::time::Instant(hc.interval_ns)
            ),
            None => String::new(),
        };
        x.steps.push(step(
            Mark::Stop,
            "appliance",
            format!("{} is down: it receives nothing{why}", a.id),
        ));
        x.settle(Outcome::Dropped(DropReason::ApplianceDown));
        return Ok(x);
    }
    // BW-01..04, TGT-06 budgets: shared by every packet, so what the run
    // measured in the metrics period around the instant.
    let instance = topo
        .instance_of(eni)
        .map(|i| (i.id.clone(), i.instance_type.clone(), i.network));
    let target = session.target;
    let target_id = topo.target(target).id.clone();
    let fifo = plan.fifo;
    // The run's series period (the metrics period, coarser for long runs).
    let period = crate::results::series_period(
        scenario.settings.metrics_period_ns,
        scenario.duration.as_nanos(),
    );
    let bin = (at_ns / period) as usize;
    let (from, to) = (bin as u64 * period, ((bin as u64 + 1) * period).min(end));
    let credit_instance = topo.eni(eni).instance;
    let (outer_src, outer_dst, outer_port) = (
        topo.eni(eni).private_ip,
        topo.hashed_destination(eni, plan.target),
        topology::packet::outer_source_port(&q.key),
    );
    sim.run_until(to.saturating_sub(1));
    let (_, pipeline) = sim.state();
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
    // BW-05: an "up to" instance's credits at the end of the period.
    let budget = match credit_instance
        .and_then(|i| pipeline.results.credits.get(i.index()))
        .and_then(Option::as_ref)
    {
        Some(c) => {
            // The last period end the run has passed.
            let (held, at) = match c.balance_bits.len().min(bin + 1) {
                0 => (c.start_bits, 0),
                k => (c.balance_bits[k - 1], k as u64 * period),
            };
            format!(
                "{budget}; burst credits {}% of {} Mbit at {} (they started at {}%: BW-05)",
                u128::from(held) * 100 / u128::from(c.capacity_bits.max(1)),
                c.capacity_bits / 1_000_000,
                show_time(at),
                u128::from(c.start_bits) * 100 / u128::from(c.capacity_bits.max(1)),
            )
        }
        None => budget,
    };
    // BW-03: the outer flow this copy is limited in, and its limit.
    let budget = format!(
        "{budget}; per-flow limit {} on the outer flow {} -> {} port {} (BW-03)",
        crate::units::Rate::BitsPerSecond(plan.per_flow_bps),
        outer_src,
        outer_dst,
        outer_port
    );
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
