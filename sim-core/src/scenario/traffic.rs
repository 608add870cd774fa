//! From the scenario's `traffic` list to resolved one-way flows.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use ipnet::IpNet;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use topology::packet::proto;
use topology::services::{INSTANCE_METADATA_V4, TIME_SYNC_V4, WINDOWS_ACTIVATION};
use topology::{Diagnostic, EniIdx, ErrorCode, FlowKey, L3, Topology};

use super::context::Problems;
use super::locate::Anchor;
use super::schema::*;
use crate::rng;
use crate::traffic::{Arrivals, FlowPlan, PacketSizes};
use crate::units::{Duration, Rate};

/// At most this many flows in one scenario: the engine keeps a few dozen
/// bytes per flow, so this bounds what a file can make it allocate.
pub const MAX_FLOWS: u64 = 1_000_000;

/// One end of a flow as written.
#[derive(Clone, Copy, Debug)]
enum End {
    Eni(EniIdx),
    Ip(IpAddr),
    Net(IpNet),
    AmazonDns,
}

/// The scenario's ENIs by id and by address, looked up once per traffic
/// entry (a scan of every ENI per entry made loading quadratic at fleet
/// scale). An address names the first ENI that has it, as
/// [`Topology::eni_by_ip`] does.
struct EniIndex<'t> {
    by_id: BTreeMap<&'t str, EniIdx>,
    by_ip: BTreeMap<IpAddr, EniIdx>,
}

impl<'t> EniIndex<'t> {
    fn new(topo: &'t Topology) -> Self {
        let mut by_id = BTreeMap::new();
        let mut by_ip = BTreeMap::new();
        for (i, e) in topo.enis.iter().enumerate() {
            let idx = EniIdx(i as u32);
            by_id.entry(e.id.as_str()).or_insert(idx);
            by_ip.entry(e.private_ip).or_insert(idx);
            if let Some(v6) = e.ipv6_address {
                by_ip.entry(IpAddr::V6(v6)).or_insert(idx);
            }
        }
        EniIndex { by_id, by_ip }
    }
}

fn parse_end(s: &str, enis: &EniIndex<'_>) -> Result<End, String> {
    if s.starts_with("eni-") {
        return enis
            .by_id
            .get(s)
            .copied()
            .map(End::Eni)
            .ok_or_else(|| format!("no ENI `{s}` is declared"));
    }
    match s {
        "amazon-dns" => return Ok(End::AmazonDns),
        "instance-metadata" => return Ok(End::Ip(INSTANCE_METADATA_V4.into())),
        "time-sync" => return Ok(End::Ip(TIME_SYNC_V4.into())),
        "windows-activation" => return Ok(End::Ip(WINDOWS_ACTIVATION[0].into())),
        _ => {}
    }
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Ok(enis.by_ip.get(&ip).map_or(End::Ip(ip), |&e| End::Eni(e)));
    }
    if let Ok(net) = s.parse::<IpNet>() {
        return Ok(End::Net(net.trunc()));
    }
    Err(format!(
        "`{s}` is not an ENI id, an IP address, a CIDR block or one of \
         amazon-dns, instance-metadata, time-sync, windows-activation"
    ))
}

/// An address drawn from a CIDR block (its network address only for /32
/// and /128).
fn draw_host(net: IpNet, rng: &mut ChaCha8Rng) -> IpAddr {
    match net {
        IpNet::V4(n) => {
            let span = 1u64 << (32 - n.prefix_len());
            let off = if span <= 2 {
                0
            } else {
                rng.random_range(1..span - 1)
            };
            IpAddr::V4((u32::from(n.network()) + off as u32).into())
        }
        IpNet::V6(n) => {
            let bits = (128 - n.prefix_len()).min(64);
            let off = if bits == 0 {
                0
            } else {
                rng.random::<u64>() >> (64 - bits)
            };
            IpAddr::V6((u128::from(n.network()) | off as u128).into())
        }
    }
}

/// Resolves one end to an address and, when it is an ENI, its index.
fn resolve(
    end: End,
    other: End,
    topo: &Topology,
    enis: &EniIndex<'_>,
    rng: &mut ChaCha8Rng,
) -> Result<(IpAddr, Option<EniIdx>), String> {
    Ok(match end {
        End::Eni(e) => {
            let eni = topo.eni(e);
            // An ENI talks IPv6 to an IPv6 peer, through its IPv6 address.
            let peer_v6 = match other {
                End::Ip(ip) => ip.is_ipv6(),
                End::Net(net) => net.addr().is_ipv6(),
                End::Eni(_) | End::AmazonDns => false,
            };
            match (peer_v6, eni.ipv6_address) {
                (false, _) => (eni.private_ip, Some(e)),
                (true, _) if eni.private_ip.is_ipv6() => (eni.private_ip, Some(e)),
                (true, Some(v6)) => (IpAddr::V6(v6), Some(e)),
                (true, None) => {
                    return Err(format!(
                        "{} has no ipv6_address to talk to an IPv6 peer",
                        eni.id
                    ));
                }
            }
        }
        End::Ip(ip) => (ip, None),
        End::Net(net) => {
            let ip = draw_host(net, rng);
            (ip, enis.by_ip.get(&ip).copied())
        }
        End::AmazonDns => match other {
            End::Eni(e) => match topo.vpc_of(e).amazon_dns_resolver() {
                Some(ip) => (ip, None),
                None => return Err("the ENI's VPC has no IPv4 CIDR block".into()),
            },
            _ => {
                return Err(
                    "`amazon-dns` needs an ENI at the other end (its VPC's resolver)".into(),
                );
            }
        },
    })
}

struct Common<'a> {
    protocol: ProtocolSpec,
    arrivals: ArrivalsSpec,
    start: Option<Duration>,
    duration: Option<Duration>,
    count: Option<u32>,
    field_from: &'static str,
    field_to: &'static str,
    from: &'a str,
    to: &'a str,
    from_port: Option<u16>,
    to_port: Option<u16>,
    field_to_port: &'static str,
}

pub fn build_traffic(
    file: &ScenarioFile,
    topo: &Topology,
    poisoned: &BTreeSet<String>,
    read: &super::FileReader<'_>,
    captures: &mut Vec<crate::traffic::replay::Capture>,
    p: &mut Problems,
) -> Vec<FlowPlan> {
    let mut flows = Vec::new();
    let mut names = BTreeSet::new();
    let mut total: u64 = 0;
    let enis = EniIndex::new(topo);
    for (i, t) in file.traffic.iter().enumerate() {
        let anchor = Anchor::Item {
            list: "traffic",
            index: i,
        };
        // Entries read from a file: a capture or a flow log, each its
        // flows at once.
        let from_file = match t {
            TrafficSpec::Replay(r) => Some((r.name.as_ref(), "replay")),
            TrafficSpec::FlowLogs(f) => Some((f.name.as_ref(), "flow-logs")),
            _ => None,
        };
        if let Some((given, prefix)) = from_file {
            let name = given
                .cloned()
                .unwrap_or_else(|| format!("{prefix}-{}", i + 1));
            if !names.insert(name.clone()) {
                p.error(
                    &anchor,
                    ErrorCode::InvalidTraffic,
                    &name,
                    "name",
                    format!("another traffic entry is named `{name}`"),
                );
                continue;
            }
            let built = match t {
                TrafficSpec::Replay(r) => {
                    super::replay::build(i, &name, r, file, topo, read, captures, p)
                }
                TrafficSpec::FlowLogs(f) => {
                    super::flow_logs::build(i, &name, f, file, topo, read, p)
                }
                _ => Vec::new(),
            };
            total += built.len() as u64;
            if total > MAX_FLOWS {
                p.error(
                    &anchor,
                    ErrorCode::InvalidTraffic,
                    &name,
                    "file",
                    format!("the scenario would hold more than {MAX_FLOWS} one-way flows"),
                );
                return flows;
            }
            flows.extend(built);
            continue;
        }
        let (name, common, streams): (String, Common<'_>, Vec<(&str, Rate, SizeSpec)>) = match t {
            TrafficSpec::Flow(f) => (
                f.name.clone().unwrap_or_else(|| format!("flow-{}", i + 1)),
                Common {
                    protocol: f.protocol,
                    arrivals: f.arrivals,
                    start: f.start,
                    duration: f.duration,
                    count: f.count,
                    field_from: "from",
                    field_to: "to",
                    from: &f.from,
                    to: &f.to,
                    from_port: f.source_port,
                    to_port: f.destination_port,
                    field_to_port: "destination_port",
                },
                vec![("", f.rate, f.size)],
            ),
            TrafficSpec::Replay(_) | TrafficSpec::FlowLogs(_) => continue,
            TrafficSpec::Connection(c) => (
                c.name
                    .clone()
                    .unwrap_or_else(|| format!("connection-{}", i + 1)),
                Common {
                    protocol: c.protocol,
                    arrivals: c.arrivals,
                    start: c.start,
                    duration: c.duration,
                    count: c.count,
                    field_from: "client",
                    field_to: "server",
                    from: &c.client,
                    to: &c.server,
                    from_port: c.client_port,
                    to_port: c.server_port,
                    field_to_port: "server_port",
                },
                vec![
                    ("request", c.request.rate, c.request.size),
                    ("response", c.response.rate, c.response.size),
                ],
            ),
        };
        let start = common.start.unwrap_or_default().as_nanos();
        if start >= file.duration.as_nanos() {
            p.push(
                anchor.clone(),
                Diagnostic::warning(
                    ErrorCode::InvalidTraffic,
                    &name,
                    "start",
                    format!(
                        "starts at {} or later, the end of the run: it sends nothing",
                        file.duration
                    ),
                ),
            );
        }
        let mut err = |field: &'static str, msg: String| {
            p.error(&anchor, ErrorCode::InvalidTraffic, &name, field, msg)
        };
        if !names.insert(name.clone()) {
            err("name", format!("another traffic entry is named `{name}`"));
            continue;
        }
        let count = common.count.unwrap_or(1);
        total += u64::from(count) * streams.len() as u64;
        if count == 0 {
            err("count", "count must be at least 1".into());
            continue;
        }
        if total > MAX_FLOWS {
            err(
                "count",
                format!("the scenario would hold more than {MAX_FLOWS} one-way flows"),
            );
            return flows;
        }
        if poisoned.contains(common.from) || poisoned.contains(common.to) {
            // Its ENI could not be built; that error is reported already.
            continue;
        }
        let from = parse_end(common.from, &enis);
        let to = parse_end(common.to, &enis);
        let (from, to) = match (from, to) {
            (Ok(a), Ok(b)) => (a, b),
            (a, b) => {
                if let Err(m) = a {
                    err(common.field_from, m);
                }
                if let Err(m) = b {
                    err(common.field_to, m);
                }
                continue;
            }
        };
        let (l3, protocol, ported) = match common.protocol {
            ProtocolSpec::Tcp => (L3::Ip, proto::TCP, true),
            ProtocolSpec::Udp => (L3::Ip, proto::UDP, true),
            ProtocolSpec::Icmp => (L3::Ip, proto::ICMP, false),
            ProtocolSpec::Icmpv6 => (L3::Ip, proto::ICMPV6, false),
            ProtocolSpec::Arp => (L3::Arp, 0, false),
            ProtocolSpec::Ip(n) => (L3::Ip, n, n == proto::TCP || n == proto::UDP),
        };
        if ported && common.to_port.is_none() {
            err(
                common.field_to_port,
                "TCP and UDP traffic needs a destination port".into(),
            );
            continue;
        }
        if !ported && (common.to_port.is_some() || common.from_port.is_some()) {
            err(
                common.field_to_port,
                "ports apply only to TCP and UDP traffic".into(),
            );
            continue;
        }
        for (label, rate, _) in &streams {
            if let Err(m) = check_rate(*rate) {
                err(if label.is_empty() { "rate" } else { label }, m);
            }
        }

        let end = match common.duration {
            Some(d) => start.saturating_add(d.as_nanos()),
            None => u64::MAX,
        }
        .min(file.duration.as_nanos());
        let mut stream = rng::stream(file.seed, rng::Stream::Traffic(&name));
        // BW-03: a stream that asks more than one flow may carry (said once
        // per entry).
        let mut over_limit: Option<(&str, u64, u64)> = None;
        let mut size_failed: Vec<&str> = Vec::new();
        for k in 0..count {
            let (src, from_eni) = match resolve(from, to, topo, &enis, &mut stream) {
                Ok(r) => r,
                Err(m) => {
                    err(common.field_from, m);
                    break;
                }
            };
            let (dst, to_eni) = match resolve(to, from, topo, &enis, &mut stream) {
                Ok(r) => r,
                Err(m) => {
                    err(common.field_to, m);
                    break;
                }
            };
            if src.is_ipv4() != dst.is_ipv4() {
                err(
                    common.field_to,
                    format!("{src} and {dst} are not of one IP family"),
                );
                break;
            }
            if from_eni.is_some() && from_eni == to_eni {
                err(common.field_to, "a flow needs two different ends".into());
                break;
            }
            if l3 == L3::Arp && !src.is_ipv4() {
                err("protocol", "ARP is IPv4 only (IPv6 uses ICMPv6)".into());
                break;
            }
            let sport = match (ported, common.from_port) {
                (false, _) => 0,
                (true, Some(port)) => port,
                (true, None) => stream.random_range(49152..=65535),
            };
            let dport = common.to_port.unwrap_or(0);
            let key = FlowKey {
                l3,
                src,
                dst,
                protocol,
                src_port: sport,
                dst_port: dport,
            };
            for (label, rate, size) in &streams {
                let (key, from_eni, to_eni) = if *label == "response" {
                    (key.reversed(), to_eni, from_eni)
                } else {
                    (key, from_eni, to_eni)
                };
                let sizes = match packet_sizes(*size, &key, [from_eni, to_eni], topo) {
                    Ok(s) => s,
                    Err(m) => {
                        // One mistake in an entry of `count` flows is one
                        // error, not one per flow.
                        if !size_failed.contains(label) {
                            size_failed.push(label);
                            err(if label.is_empty() { "size" } else { label }, m);
                        }
                        continue;
                    }
                };
                let mut flow_name = name.clone();
                if count > 1 {
                    flow_name.push_str(&format!("#{}", k + 1));
                }
                if !label.is_empty() {
                    flow_name.push('/');
                    flow_name.push_str(label);
                }
                flows.push(FlowPlan {
                    name: flow_name,
                    key,
                    from_eni,
                    to_eni,
                    reply: *label == "response",
                    rejected_at_source: false,
                    rate: *rate,
                    sizes,
                    arrivals: match common.arrivals {
                        ArrivalsSpec::Constant => Arrivals::Constant,
                        ArrivalsSpec::Poisson => Arrivals::Poisson,
                    },
                    start_ns: start,
                    end_ns: end,
                    // Requests at k/n of a gap, responses half a step
                    // later: every stream of the group in its own slot.
                    stagger: (2 * k + u32::from(*label == "response"), 2 * count),
                    rng_seed: stream.random(),
                    replay: None,
                });
                let f = &flows[flows.len() - 1];
                let limit = crate::copy_plan::per_flow_limit(topo, from_eni, to_eni);
                let asked = f.peak_bps(*rate);
                if asked > limit && over_limit.is_none() {
                    over_limit = Some((label, asked, limit));
                }
            }
        }
        if let Some((label, asked, limit)) = over_limit {
            let stream = if label.is_empty() {
                String::new()
            } else {
                format!(" ({label})")
            };
            p.push(
                anchor.clone(),
                Diagnostic::warning(
                    ErrorCode::BandwidthLimit,
                    &name,
                    "rate",
                    format!(
                        "one flow{stream} asks {} but a single flow carries at most {} (BW-03): the excess is production traffic lost",
                        Rate::BitsPerSecond(asked),
                        Rate::BitsPerSecond(limit)
                    ),
                )
                .with_help("spread the traffic over more connections (count), or place both ends in one cluster placement group (10 Gbps)"),
            );
        }
    }
    flows
}

/// The fastest one flow may go: 1 Tbps, or 1,000 million packets per second.
/// A faster flow is a typo, and would keep the engine busy for hours.
pub const MAX_BITS_PER_SECOND: u64 = 1_000_000_000_000;
pub const MAX_MILLI_PACKETS_PER_SECOND: u64 = 1_000_000_000_000;

fn check_rate(rate: Rate) -> Result<(), String> {
    match rate {
        Rate::BitsPerSecond(b) if b > MAX_BITS_PER_SECOND => {
            Err(format!("{rate} is above the 1Tbps a flow may carry here"))
        }
        Rate::MilliPacketsPerSecond(m) if m > MAX_MILLI_PACKETS_PER_SECOND => Err(format!(
            "{rate} is above the 1000Mpps a flow may carry here"
        )),
        _ => Ok(()),
    }
}

/// Smallest IP packet of the flow's protocol and family.
fn min_size(key: &FlowKey) -> u16 {
    let ip = if key.is_ipv6() { 40 } else { 20 };
    let l4 = match key.protocol {
        proto::TCP => 20,
        proto::UDP | proto::ICMP | proto::ICMPV6 => 8,
        _ => 0,
    };
    ip + l4
}

fn packet_sizes(
    size: SizeSpec,
    key: &FlowKey,
    enis: [Option<EniIdx>; 2],
    topo: &Topology,
) -> Result<PacketSizes, String> {
    let to_u16 = |b: crate::units::ByteSize| u16::try_from(b.0).unwrap_or(u16::MAX);
    let sizes = match size {
        SizeSpec::Fixed(s) => PacketSizes::Fixed(to_u16(s)),
        SizeSpec::Uniform(lo, hi) => {
            if lo > hi {
                return Err(format!(
                    "Uniform({lo}, {hi}): the first bound is the larger"
                ));
            }
            PacketSizes::Uniform {
                lo: to_u16(lo),
                hi: to_u16(hi),
            }
        }
        SizeSpec::Imix => PacketSizes::Imix {
            small: if key.is_ipv6() { 60 } else { 40 },
        },
    };
    let (lo, hi) = sizes.bounds();
    if key.l3 == L3::Arp {
        // An ARP payload for IPv4 over Ethernet is 28 bytes.
        return if (lo, hi) == (28, 28) {
            Ok(sizes)
        } else {
            Err("ARP packets are 28 bytes: write Fixed(\"28B\")".into())
        };
    }
    let min = min_size(key);
    if lo < min {
        return Err(format!(
            "{lo} bytes is below the smallest packet of this protocol and family ({min} bytes)"
        ));
    }
    for eni in enis.into_iter().flatten() {
        let e = topo.eni(eni);
        if hi > e.mtu {
            return Err(format!(
                "{hi}-byte packets exceed the MTU of {} ({} bytes)",
                e.id, e.mtu
            ));
        }
    }
    if hi > 9001 {
        return Err(format!(
            "{hi}-byte packets exceed the largest MTU in a VPC (9001 bytes)"
        ));
    }
    Ok(sizes)
}
