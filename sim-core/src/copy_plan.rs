//! How a session's copies are cut, framed and carried: worked out once per
//! session ([`CopyPlan`]), applied to every copy ([`CopyPlan::cut`]).

use topology::model::TargetResource;
use topology::reach::{Blocked, Hop, Reach};
use topology::{EniIdx, GwlbIdx, NlbIdx, TargetIdx, Topology, VpceIdx};

use crate::outcome::Delivery;
use crate::settings::{Latency, Settings};

/// Inner Ethernet header carried in every copy.
pub const INNER_ETHERNET: u32 = 14;
pub use topology::packet::{GUIDE_OVERHEAD_V4, GUIDE_OVERHEAD_V6};
/// PKT-05: bytes written before the inner frame (outer IP + UDP + VXLAN), as
/// a real capture shows: 20 + 8 + 8 over IPv4, 40 + 8 + 8 over IPv6.
pub const OUTER_HEADERS_V4: u32 = 36;
pub const OUTER_HEADERS_V6: u32 = 56;
/// SES-05 (model): a copy keeps at least this much of an IPv4 frame, and of
/// an IPv6 one, whatever the packet length.
pub const MIN_COPY_V4: u32 = 35;
pub const MIN_COPY_V6: u32 = 55;
/// BW-03: the per-flow limit outside and inside a cluster placement group.
pub const PER_FLOW_BPS: u64 = 5_000_000_000;
pub const PER_FLOW_BPS_CLUSTER: u64 = 10_000_000_000;
/// How copies reach the appliances.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// Straight to the target's ENI.
    Eni(EniIdx),
    /// Through a Network Load Balancer.
    Nlb(NlbIdx),
    /// Through a Gateway Load Balancer endpoint and its load balancer.
    Gwlb(VpceIdx, GwlbIdx),
}

impl Via {
    pub fn of(topo: &Topology, target: TargetIdx) -> Via {
        match topo.target(target).resource {
            TargetResource::NetworkInterface(e) => Via::Eni(e),
            TargetResource::NetworkLoadBalancer(n) => Via::Nlb(n),
            TargetResource::GatewayLoadBalancerEndpoint(v) => {
                Via::Gwlb(v, topo.gwlb_endpoints[v.index()].gateway_load_balancer)
            }
        }
    }

    /// Whether a load balancer stands between source and appliance.
    pub fn load_balanced(self) -> bool {
        !matches!(self, Via::Eni(_))
    }
}

/// How a session's copies are cut, framed and carried, worked out once per
/// session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopyPlan {
    pub target: TargetIdx,
    pub via: Via,
    /// PKT-02: the VNI the copies carry.
    pub virtual_network_id: u32,
    /// SES-05: bytes of the inner frame to keep.
    pub packet_length: Option<u32>,
    /// MTU-01, TGT-10: the MTU that truncates copies (a standalone
    /// appliance's, or the Gateway Load Balancer's 8500) and the guide's
    /// overhead.
    pub mtu: Option<(u32, u32)>,
    /// Bytes written ahead of the inner frame.
    pub outer_headers: u32,
    /// Bytes the appliance receives beyond the copy (GENEVE, TGT-10).
    pub wrapper: u32,
    /// The path to each destination the copies may go to (one, or one per
    /// entry node of a Network Load Balancer: [`Topology::copy_paths`]).
    pub paths: Vec<PathPlan>,
    /// Largest jitter added per copy.
    pub jitter_ns: u64,
    /// Whether the path keeps copies in order (TGT-09: ENI targets do).
    pub fifo: bool,
    /// BW-03: the per-flow limit of the source.
    pub per_flow_bps: u64,
}

/// SES-05: the packet length of sessions to a Network Load Balancer that
/// set none.
pub const NLB_DEFAULT_PACKET_LENGTH: u32 = 8500;
/// TGT-10: the Gateway Load Balancer's MTU, and its GENEVE wrapping (outer
/// IPv4 20 + UDP 8 + GENEVE 8 + three AWS options 32).
pub const GWLB_MTU: u32 = 8500;
pub const GENEVE_OVERHEAD: u32 = 68;

/// The path to one destination of a session's copies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathPlan {
    /// The load balancer node (index into its nodes), for NLB targets.
    pub node: usize,
    /// Where the copies stop on the way, when they do (CON-*, TGT-04).
    pub blocked: Option<Blocked>,
    /// TGT-04 (corrected): behind a Network Load Balancer, where the last
    /// leg to each registered appliance (in registration order) stops, if
    /// it does: its subnet ACL or security groups, from the source's IP.
    pub appliances: Vec<Option<Blocked>>,
    /// One-way latency to the destination before jitter and the load
    /// balancer's own share.
    pub latency_ns: u64,
    /// Whether the destination is in another zone than the source.
    pub crosses_zones: bool,
}

/// A path's one-way latency, from its hops' kinds: the base, a zone
/// crossing between the ends, each peering connection and each transit
/// gateway crossed.
pub fn path_latency(topo: &Topology, source: EniIdx, reach: &Reach, lat: &Latency) -> u64 {
    let mut ns = lat.same_az_ns;
    for h in &reach.hops {
        match *h {
            Hop::Peering { .. } => ns += lat.peering_ns,
            Hop::TgwAttachment { .. } => ns += lat.transit_gateway_ns,
            _ => {}
        }
    }
    if crosses_zones(topo, source, reach) {
        ns += lat.cross_az_ns;
    }
    ns
}

/// Whether a path ends in another Availability Zone than its source: a
/// zone crossing, which adds latency and is billed as data transfer.
pub fn crosses_zones(topo: &Topology, source: EniIdx, reach: &Reach) -> bool {
    let zone = |s| &topo.subnet(s).availability_zone;
    reach.hops.iter().any(|h| match *h {
        Hop::Arrive { to, .. } => {
            let dest = match to {
                topology::reach::DestinationKind::Eni(e) => topo.eni(e).subnet,
                topology::reach::DestinationKind::NlbNode(n, node) => {
                    topo.network_load_balancers[n.index()].nodes[node].subnet
                }
                topology::reach::DestinationKind::GwlbEndpoint(v) => {
                    topo.gwlb_endpoints[v.index()].subnet
                }
            };
            zone(topo.eni(source).subnet) != zone(dest)
        }
        _ => false,
    })
}

/// BW-03: whether two ENIs' instances share a cluster placement group.
pub fn same_cluster(topo: &Topology, a: EniIdx, b: EniIdx) -> bool {
    let group = |e| {
        topo.instance_of(e)
            .and_then(|i| i.cluster_placement_group.as_deref())
    };
    group(a).is_some() && group(a) == group(b)
}

/// BW-03: the per-flow limit between two ends (ENIs, when they are the
/// scenario's).
pub fn per_flow_limit(topo: &Topology, a: Option<EniIdx>, b: Option<EniIdx>) -> u64 {
    match (a, b) {
        (Some(a), Some(b)) if same_cluster(topo, a, b) => PER_FLOW_BPS_CLUSTER,
        _ => PER_FLOW_BPS,
    }
}

impl CopyPlan {
    pub fn new(topo: &Topology, session: topology::SessionIdx, settings: &Settings) -> Self {
        let s = topo.session(session);
        let src = topo.eni(s.source);
        let lat = &settings.latency;
        let via = Via::of(topo, s.target);
        let dest = topo.copy_destination(s.target, 0);
        let mut paths: Vec<PathPlan> = topo
            .copy_paths(s.source, s.target)
            .into_iter()
            .map(|(node, reach)| PathPlan {
                node,
                blocked: reach.stop.as_ref().map(|stop| stop.reason),
                appliances: topo
                    .appliance_legs(s.source, s.target, node, &reach)
                    .into_iter()
                    .map(|(_, leg)| leg.stop.map(|stop| stop.reason))
                    .collect(),
                latency_ns: path_latency(topo, s.source, &reach, lat),
                crosses_zones: crosses_zones(topo, s.source, &reach),
            })
            .collect();
        // PKT-05: the outer header is IPv6 only when both ends are IPv6.
        let v6 = src.private_ip.is_ipv6() && dest.ip.is_ipv6();
        let overhead = if v6 {
            GUIDE_OVERHEAD_V6
        } else {
            GUIDE_OVERHEAD_V4
        };
        let (packet_length, mtu, wrapper) = match via {
            Via::Eni(e) => (
                s.packet_length.map(u32::from),
                Some((u32::from(topo.eni(e).mtu), overhead)),
                0,
            ),
            Via::Nlb(_) => (
                Some(s.packet_length.map_or(NLB_DEFAULT_PACKET_LENGTH, u32::from)),
                None,
                0,
            ),
            Via::Gwlb(..) => (
                s.packet_length.map(u32::from),
                Some((GWLB_MTU, overhead)),
                GENEVE_OVERHEAD,
            ),
        };
        if !matches!(via, Via::Eni(_)) {
            for p in &mut paths {
                p.latency_ns += lat.load_balancer_ns;
            }
        }
        // BW-03 (corrected): 10 Gbps only when both ends are instances in
        // one cluster placement group: the source and the appliance. A load
        // balancer is never in one.
        let cluster = match via {
            Via::Eni(e) => same_cluster(topo, s.source, e),
            _ => false,
        };
        CopyPlan {
            target: s.target,
            virtual_network_id: s.virtual_network_id,
            via,
            packet_length,
            mtu,
            outer_headers: if v6 {
                OUTER_HEADERS_V6
            } else {
                OUTER_HEADERS_V4
            },
            wrapper,
            paths,
            jitter_ns: if matches!(via, Via::Eni(_)) {
                lat.jitter_ns
            } else {
                lat.load_balancer_jitter_ns
            },
            fifo: matches!(via, Via::Eni(_)),
            per_flow_bps: if cluster {
                PER_FLOW_BPS_CLUSTER
            } else {
                PER_FLOW_BPS
            },
        }
    }

    /// The path to an entry node (index into the load balancer's nodes;
    /// 0 for other targets).
    pub fn path(&self, node: usize) -> &PathPlan {
        self.paths
            .iter()
            .find(|p| p.node == node)
            .unwrap_or(&self.paths[0])
    }

    /// The bytes of the inner frame a copy of an IP packet of `size` bytes
    /// keeps, and whether and why it was cut.
    #[inline]
    pub fn cut(&self, size: u32, ipv6: bool) -> (u32, Delivery) {
        let frame = size + INNER_ETHERNET;
        let mut kept = frame;
        let mut how = Delivery::Whole;
        // SES-05: the packet length counts bytes after the VXLAN header,
        // so it includes the inner Ethernet header.
        if let Some(n) = self.packet_length {
            let floor = if ipv6 { MIN_COPY_V6 } else { MIN_COPY_V4 };
            let cap = n.max(floor);
            if frame > cap {
                kept = cap;
                how = Delivery::TruncatedToPacketLength;
            }
        }
        // MTU-01, MTU-02: a standalone target truncates a packet of S bytes
        // when S + 54 (74 over IPv6) exceeds its MTU, keeping MTU - 54 bytes
        // of the inner IP packet.
        if let Some((mtu, overhead)) = self.mtu
            && size + overhead > mtu
        {
            let cap = mtu.saturating_sub(overhead) + INNER_ETHERNET;
            if kept > cap {
                kept = cap;
                how = Delivery::TruncatedToMtu;
            }
        }
        (kept, how)
    }
}
