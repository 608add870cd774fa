//! Where mirrored copies go: the path from a source ENI to its target's
//! ENI, hop by hop, or the hop where the copy stops (CON-01..04, TGT-04);
//! and whether a source's own security groups and network ACL let a packet
//! in at all (SRC-05).
//!
//! Like AWS Reachability Analyzer, each hop names the resource that passed
//! the copy and the route or rule it used, and a stop names the resource
//! that decided it with a stable reason code.

use std::net::IpAddr;

use crate::SubnetIdx;
use crate::ids::{
    AclIdx, EniIdx, NlbIdx, PeeringIdx, RouteTableIdx, SgIdx, TargetIdx, TgwIdx, VpcIdx, VpceIdx,
};
use crate::model::{TargetResource, Topology};
use crate::network::{AclVerdict, Probe, RouteTarget};
use crate::packet::{FlowKey, L3, proto};

/// VXLAN's UDP port: mirrored copies go to it (PKT-01).
pub const VXLAN_PORT: u16 = 4789;

/// Why a copy cannot reach its target. Codes are stable snake_case names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Blocked {
    /// No route in the source subnet's route table covers the target.
    NoRoute,
    /// The route leads to an internet gateway, which does not carry copies
    /// to a private address.
    InternetGateway,
    /// CON-02: an inter-Region peering connection does not carry mirrored
    /// traffic.
    PeeringInterRegion,
    /// The peering connection is not active (pending, rejected, deleted).
    PeeringNotActive,
    /// The target is not in the peer VPC: peering is not transitive.
    PeeringNotTransitive,
    /// The source VPC has no attachment to the transit gateway.
    TgwNoAttachment,
    /// The attachment has no subnet in the source's Availability Zone.
    TgwNoAttachmentInAz,
    /// The attachment is associated with no transit gateway route table.
    TgwNotAssociated,
    /// The transit gateway route table has no route to the target.
    TgwNoRoute,
    /// The transit gateway route is a blackhole.
    TgwBlackhole,
    /// TGT-04: the target subnet's network ACL denies UDP 4789 from the
    /// source.
    TargetNaclDeniesVxlan,
    /// TGT-04: no security group of the target admits UDP 4789 from the
    /// source.
    TargetSgDeniesVxlan,
}

impl Blocked {
    pub fn code(self) -> &'static str {
        match self {
            Blocked::NoRoute => "no_route",
            Blocked::InternetGateway => "internet_gateway",
            Blocked::PeeringInterRegion => "peering_inter_region",
            Blocked::PeeringNotActive => "peering_not_active",
            Blocked::PeeringNotTransitive => "peering_not_transitive",
            Blocked::TgwNoAttachment => "tgw_no_attachment",
            Blocked::TgwNoAttachmentInAz => "tgw_no_attachment_in_az",
            Blocked::TgwNotAssociated => "tgw_not_associated",
            Blocked::TgwNoRoute => "tgw_no_route",
            Blocked::TgwBlackhole => "tgw_blackhole",
            Blocked::TargetNaclDeniesVxlan => "target_nacl_denies_vxlan",
            Blocked::TargetSgDeniesVxlan => "target_sg_denies_vxlan",
        }
    }
}

/// One hop of a copy's path: the resource that passed it, and how, as
/// typed values (indexes into the topology). [`Hop::resource`] and
/// [`Hop::detail`] say it in words; latency and graphs read the kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hop {
    /// The copy leaves the source ENI.
    Source { eni: EniIdx },
    /// A route of the source subnet's route table (index into its routes).
    Route { table: RouteTableIdx, route: usize },
    /// The VPC's implicit local route (no route table declared).
    LocalRoute { vpc: VpcIdx, to: IpAddr },
    /// An intra-Region peering connection, crossed from one VPC to the other.
    Peering {
        pcx: PeeringIdx,
        from: VpcIdx,
        to: VpcIdx,
    },
    /// Into a transit gateway through its attachment in the source's VPC.
    TgwAttachment { tgw: TgwIdx, attachment: usize },
    /// A transit gateway route table's route (indexes into the gateway).
    TgwRoute {
        tgw: TgwIdx,
        table: usize,
        route: usize,
    },
    /// Out of a transit gateway through the attachment in the target's VPC.
    TgwExit { tgw: TgwIdx, attachment: usize },
    /// The destination subnet's network ACL allowed UDP 4789 by this rule.
    NetworkAcl {
        acl: AclIdx,
        rule: u16,
        from: IpAddr,
    },
    /// A security group of the destination admitted UDP 4789 (rule index).
    SecurityGroup {
        sg: SgIdx,
        rule: usize,
        from: IpAddr,
    },
    /// The copy arrives at its destination.
    Arrive { to: DestinationKind, ip: IpAddr },
}

/// What a copy is addressed to (PKT-03).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DestinationKind {
    /// A target's ENI, or an appliance behind a load balancer.
    Eni(EniIdx),
    /// A Network Load Balancer's node (index into its nodes).
    NlbNode(NlbIdx, usize),
    GwlbEndpoint(VpceIdx),
}

impl Hop {
    /// The id of the resource that passed the copy.
    pub fn resource<'a>(&self, topo: &'a Topology) -> &'a str {
        match *self {
            Hop::Source { eni } => &topo.eni(eni).id,
            Hop::Route { table, .. } => &topo.route_tables[table.index()].id,
            Hop::LocalRoute { vpc, .. } => &topo.vpc(vpc).id,
            Hop::Peering { pcx, .. } => &topo.peering_connections[pcx.index()].id,
            Hop::TgwAttachment { tgw, attachment } | Hop::TgwExit { tgw, attachment } => {
                &topo.transit_gateways[tgw.index()].attachments[attachment].id
            }
            Hop::TgwRoute { tgw, table, .. } => {
                &topo.transit_gateways[tgw.index()].route_tables[table].id
            }
            Hop::NetworkAcl { acl, .. } => &topo.network_acls[acl.index()].id,
            Hop::SecurityGroup { sg, .. } => &topo.security_groups[sg.index()].id,
            Hop::Arrive { to, .. } => to.id(topo),
        }
    }

    /// How it passed the copy, in words.
    pub fn detail(&self, topo: &Topology) -> String {
        match *self {
            Hop::Source { eni } => {
                let e = topo.eni(eni);
                let s = topo.subnet(e.subnet);
                format!(
                    "source {} in {} ({})",
                    e.private_ip, s.id, s.availability_zone
                )
            }
            Hop::Route { table, route } => {
                let r = &topo.route_tables[table.index()].routes[route];
                format!("route {} -> {}", r.destination_cidr_block, r.target_id)
            }
            Hop::LocalRoute { to, .. } => format!("local route to {to}"),
            Hop::Peering { from, to, .. } => format!(
                "peering {} -> {} ({})",
                topo.vpc(from).id,
                topo.vpc(to).id,
                topo.vpc(to).region
            ),
            Hop::TgwAttachment { tgw, attachment } => {
                let g = &topo.transit_gateways[tgw.index()];
                let a = &g.attachments[attachment];
                format!("attachment of {} in {}", g.id, topo.vpc(a.vpc).id)
            }
            Hop::TgwRoute { tgw, table, route } => {
                let g = &topo.transit_gateways[tgw.index()];
                let r = &g.route_tables[table].routes[route];
                format!(
                    "{} route {} -> {}",
                    if r.propagated { "propagated" } else { "static" },
                    r.destination_cidr_block,
                    r.attachment
                        .map_or("blackhole", |a| g.attachments[a].id.as_str())
                )
            }
            Hop::TgwExit { tgw, attachment } => {
                let a = &topo.transit_gateways[tgw.index()].attachments[attachment];
                format!("into {}", topo.vpc(a.vpc).id)
            }
            Hop::NetworkAcl { rule, from, .. } => {
                format!("inbound rule {rule} allows udp 4789 from {from}")
            }
            Hop::SecurityGroup { rule, from, .. } => {
                format!("inbound rule {} allows udp 4789 from {from}", rule + 1)
            }
            Hop::Arrive { to, ip } => format!("{} {ip}", to.what()),
        }
    }
}

impl DestinationKind {
    pub fn id<'a>(&self, topo: &'a Topology) -> &'a str {
        match *self {
            DestinationKind::Eni(e) => &topo.eni(e).id,
            DestinationKind::NlbNode(n, _) => &topo.network_load_balancers[n.index()].id,
            DestinationKind::GwlbEndpoint(v) => &topo.gwlb_endpoints[v.index()].id,
        }
    }

    /// What it is, for the path.
    pub fn what(&self) -> &'static str {
        match self {
            DestinationKind::Eni(_) => "target",
            DestinationKind::NlbNode(..) => "load balancer node",
            DestinationKind::GwlbEndpoint(_) => "gateway load balancer endpoint",
        }
    }
}

/// Where a copy stopped and who stopped it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stop {
    pub reason: Blocked,
    pub resource: String,
    pub detail: String,
    /// How to get past it, when the twin can tell (CON-03).
    pub hint: Option<String>,
}

/// The path of a session's copies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reach {
    pub hops: Vec<Hop>,
    /// `None` when the copies arrive.
    pub stop: Option<Stop>,
}

/// Where copies go: an address in a subnet, guarded by security groups.
#[derive(Clone, Copy, Debug)]
pub struct Destination<'a> {
    /// What it is (the path's last hop names it).
    pub kind: DestinationKind,
    pub ip: std::net::IpAddr,
    pub subnet: crate::ids::SubnetIdx,
    /// Empty: nothing filters.
    pub security_groups: &'a [SgIdx],
}

/// Why the source did not receive an inbound packet (SRC-05).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceBlock {
    NetworkAcl,
    SecurityGroup,
}

impl Topology {
    /// The nodes of a Network Load Balancer a source's copies may enter
    /// by: the node in the source's zone, or, when its zone has none, every
    /// node that existed when the target was created (one is picked per
    /// outer flow by [`Topology::nlb_node`]).
    pub fn nlb_entry_nodes(&self, nlb: NlbIdx, source: EniIdx) -> std::ops::Range<usize> {
        let az = &self.subnet(self.eni(source).subnet).availability_zone;
        let n = &self.network_load_balancers[nlb.index()];
        match n.nodes.iter().position(|x| &x.availability_zone == az) {
            Some(i) => i..i + 1,
            None => 0..n.nodes.len(),
        }
    }

    /// LB-06: the node of a Network Load Balancer that gets an outer
    /// flow's copies, decided here only: the node in the source's zone,
    /// else one of the nodes by the flow's hash.
    pub fn nlb_node(&self, nlb: NlbIdx, source: EniIdx, flow_hash: u64) -> usize {
        let nodes = self.nlb_entry_nodes(nlb, source);
        nodes.start + (flow_hash % nodes.len() as u64) as usize
    }

    /// The address the outer flow hash is taken over (PKT-04), before a
    /// node is chosen: the appliance's, the first entry node's, or the
    /// endpoint's.
    pub fn hashed_destination(&self, source: EniIdx, t: TargetIdx) -> IpAddr {
        match self.target(t).resource {
            TargetResource::NetworkLoadBalancer(n) => {
                let first = self.nlb_entry_nodes(n, source).start;
                self.network_load_balancers[n.index()].nodes[first].ip
            }
            _ => self.copy_destination(t, 0).ip,
        }
    }

    /// Where a target's copies are addressed (PKT-03): the appliance's ENI,
    /// the Network Load Balancer's node `node` (index into its nodes), or
    /// the Gateway Load Balancer endpoint.
    pub fn copy_destination(&self, t: TargetIdx, node: usize) -> Destination<'_> {
        match self.target(t).resource {
            TargetResource::NetworkInterface(e) => {
                let eni = self.eni(e);
                Destination {
                    kind: DestinationKind::Eni(e),
                    ip: eni.private_ip,
                    subnet: eni.subnet,
                    security_groups: &eni.security_groups,
                }
            }
            TargetResource::NetworkLoadBalancer(n) => {
                let node_ref = &self.network_load_balancers[n.index()].nodes[node];
                Destination {
                    kind: DestinationKind::NlbNode(n, node),
                    ip: node_ref.ip,
                    subnet: node_ref.subnet,
                    security_groups: &[],
                }
            }
            TargetResource::GatewayLoadBalancerEndpoint(v) => {
                let e = &self.gwlb_endpoints[v.index()];
                Destination {
                    kind: DestinationKind::GwlbEndpoint(v),
                    ip: e.ip,
                    subnet: e.subnet,
                    security_groups: &[],
                }
            }
        }
    }

    /// The destinations a source's copies for a target may go to, and the
    /// path to each: one, or one per entry node of a Network Load Balancer
    /// with no node in the source's zone.
    pub fn copy_paths(&self, source: EniIdx, t: TargetIdx) -> Vec<(usize, Reach)> {
        let nodes = match self.target(t).resource {
            TargetResource::NetworkLoadBalancer(n) => self.nlb_entry_nodes(n, source),
            _ => 0..1,
        };
        nodes
            .map(|node| (node, self.reach_to(source, &self.copy_destination(t, node))))
            .collect()
    }

    /// TGT-04 (corrected): behind a Network Load Balancer, the last leg from
    /// the node a path reaches to each registered appliance, in
    /// registration order (empty for other targets, or a path that stops).
    pub fn appliance_legs(
        &self,
        source: EniIdx,
        t: TargetIdx,
        node: usize,
        to_node: &Reach,
    ) -> Vec<(EniIdx, Reach)> {
        match self.target(t).resource {
            TargetResource::NetworkLoadBalancer(n) if to_node.stop.is_none() => self
                .network_load_balancers[n.index()]
            .targets
            .iter()
            .map(|&a| (a, self.appliance_reach(source, n, node, to_node, a)))
            .collect(),
            _ => Vec::new(),
        }
    }

    /// The groups of the ENI holding an address, for security group rules
    /// that reference groups.
    fn groups_of(&self, eni: Option<EniIdx>) -> &[SgIdx] {
        eni.map_or(&[][..], |e| &self.eni(e).security_groups)
    }

    /// CON-01..04, CON-03 and TGT-04: the path of copies from `source` to the
    /// ENI `target`, following the source subnet's route table by longest
    /// prefix match, across peering connections and transit gateways, to
    /// the target subnet's network ACL and the target's security groups,
    /// both asked about UDP 4789 from the source's primary IP.
    pub fn reach(&self, source: EniIdx, target: EniIdx) -> Reach {
        let t = self.eni(target);
        self.reach_to(
            source,
            &Destination {
                kind: DestinationKind::Eni(target),
                ip: t.private_ip,
                subnet: t.subnet,
                security_groups: &t.security_groups,
            },
        )
    }

    /// The path of copies from `source` to any address in the scenario's
    /// VPCs: an appliance's ENI, a load balancer node, an endpoint.
    pub fn reach_to(&self, source: EniIdx, dst: &Destination<'_>) -> Reach {
        let src = self.eni(source);
        let src_subnet = self.subnet(src.subnet);
        let dst_ip = dst.ip;
        let mut hops = vec![Hop::Source { eni: source }];
        let dst_vpc = self.subnet(dst.subnet).vpc;
        // Where a missing route goes: the source subnet's route table,
        // whichever resource the copy stopped at (an internet gateway, a
        // peering connection that does not lead there).
        let source_table = src_subnet.route_table.map_or_else(
            || format!("the main route table of {}", self.vpc(src_subnet.vpc).id),
            |rt| self.route_tables[rt.index()].id.clone(),
        );
        let stop = |hops: Vec<Hop>, reason, resource: &str, detail: String| {
            // CON-03: say what the missing hop is.
            let hint = match reason {
                Blocked::NoRoute | Blocked::InternetGateway if dst_vpc != src_subnet.vpc => {
                    Some(self.explain_missing_route(src_subnet.vpc, dst_vpc, &source_table))
                }
                _ => None,
            };
            Reach {
                hops,
                stop: Some(Stop {
                    reason,
                    resource: resource.to_string(),
                    detail,
                    hint,
                }),
            }
        };
        let mut vpc_idx = src_subnet.vpc;
        let vpc = self.vpc(vpc_idx);
        // The source subnet's route table, or the VPC's implicit local
        // routes when the scenario declares no route table.
        let route = match src_subnet.route_table {
            Some(rt) => {
                let table = &self.route_tables[rt.index()];
                match table.lookup(dst_ip) {
                    Some(route) => {
                        hops.push(Hop::Route { table: rt, route });
                        table.routes[route].target.clone()
                    }
                    None => {
                        return stop(
                            hops,
                            Blocked::NoRoute,
                            &table.id,
                            format!("no route covers {dst_ip}"),
                        );
                    }
                }
            }
            None if vpc.contains(dst_ip) => {
                hops.push(Hop::LocalRoute {
                    vpc: vpc_idx,
                    to: dst_ip,
                });
                RouteTarget::Local
            }
            None => {
                return stop(
                    hops,
                    Blocked::NoRoute,
                    &vpc.id,
                    format!(
                        "{} declares no route table and {dst_ip} is outside it",
                        vpc.id
                    ),
                );
            }
        };
        match route {
            RouteTarget::Local => {}
            RouteTarget::InternetGateway(igw) => {
                // CON-03: the route to change is the one that chose the
                // gateway.
                let prefix = hops.iter().rev().find_map(|h| match h {
                    Hop::Route { table, route } => {
                        Some(self.route_tables[table.index()].routes[*route].destination_cidr_block)
                    }
                    _ => None,
                });
                let mut r = stop(
                    hops,
                    Blocked::InternetGateway,
                    &igw,
                    format!("{dst_ip} is private: an internet gateway does not reach it"),
                );
                if let (Some(s), Some(prefix), true) =
                    (r.stop.as_mut(), prefix, dst_vpc != src_subnet.vpc)
                {
                    s.hint = Some(match self.connection_towards(src_subnet.vpc, dst_vpc) {
                        Ok((via, _)) => format!(
                            "the route for {prefix} in {source_table} leads to {igw}: point it at {via}"
                        ),
                        Err(why) => why,
                    });
                }
                return r;
            }
            RouteTarget::Peering(p) => {
                let pcx = &self.peering_connections[p.index()];
                let Some(peer) = pcx.peer_of(vpc_idx) else {
                    return stop(
                        hops,
                        Blocked::NoRoute,
                        &pcx.id,
                        format!("{} does not connect {}", pcx.id, vpc.id),
                    );
                };
                if pcx.status != crate::network::PeeringStatus::Active {
                    return stop(
                        hops,
                        Blocked::PeeringNotActive,
                        &pcx.id,
                        format!("{} is {}", pcx.id, pcx.status.as_str()),
                    );
                }
                let peer_vpc = self.vpc(peer);
                if peer_vpc.region != vpc.region {
                    return stop(
                        hops,
                        Blocked::PeeringInterRegion,
                        &pcx.id,
                        format!(
                            "{} joins {} and {}: inter-Region peering does not carry mirrored traffic",
                            pcx.id, vpc.region, peer_vpc.region
                        ),
                    );
                }
                if !peer_vpc.contains(dst_ip) {
                    return stop(
                        hops,
                        Blocked::PeeringNotTransitive,
                        &pcx.id,
                        format!(
                            "{dst_ip} is not in {}: peering is not transitive",
                            peer_vpc.id
                        ),
                    );
                }
                hops.push(Hop::Peering {
                    pcx: p,
                    from: vpc_idx,
                    to: peer,
                });
                vpc_idx = peer;
            }
            RouteTarget::TransitGateway(t) => {
                let tgw = &self.transit_gateways[t.index()];
                let Some(att) = tgw.attachment_in(vpc_idx) else {
                    return stop(
                        hops,
                        Blocked::TgwNoAttachment,
                        &tgw.id,
                        format!("{} has no attachment in {}", tgw.id, vpc.id),
                    );
                };
                let a = &tgw.attachments[att];
                let az = &src_subnet.availability_zone;
                if !a
                    .subnets
                    .iter()
                    .any(|s| &self.subnet(*s).availability_zone == az)
                {
                    return stop(
                        hops,
                        Blocked::TgwNoAttachmentInAz,
                        &a.id,
                        format!("{} has no subnet in {az}, the source's zone", a.id),
                    );
                }
                hops.push(Hop::TgwAttachment {
                    tgw: t,
                    attachment: att,
                });
                let Some(table_idx) = tgw.route_table_of(att) else {
                    return stop(
                        hops,
                        Blocked::TgwNotAssociated,
                        &a.id,
                        format!("{} is associated with no route table", a.id),
                    );
                };
                let table = &tgw.route_tables[table_idx];
                let Some(route) = table.lookup(dst_ip) else {
                    return stop(
                        hops,
                        Blocked::TgwNoRoute,
                        &table.id,
                        format!("no route covers {dst_ip}"),
                    );
                };
                let r = &table.routes[route];
                let Some(to_idx) = r.attachment else {
                    return stop(
                        hops,
                        Blocked::TgwBlackhole,
                        &table.id,
                        format!("{} is a blackhole route", r.destination_cidr_block),
                    );
                };
                let to = &tgw.attachments[to_idx];
                hops.push(Hop::TgwRoute {
                    tgw: t,
                    table: table_idx,
                    route,
                });
                let to_vpc = self.vpc(to.vpc);
                if !to_vpc.contains(dst_ip) {
                    return stop(
                        hops,
                        Blocked::NoRoute,
                        &to.id,
                        format!("{dst_ip} is not in {}, where {} leads", to_vpc.id, to.id),
                    );
                }
                hops.push(Hop::TgwExit {
                    tgw: t,
                    attachment: to_idx,
                });
                vpc_idx = to.vpc;
            }
        }
        let dst_subnet = self.subnet(dst.subnet);
        if dst_subnet.vpc != vpc_idx {
            return stop(
                hops,
                Blocked::NoRoute,
                &self.vpc(vpc_idx).id,
                format!("{} is not in {}", dst.kind.id(self), self.vpc(vpc_idx).id),
            );
        }
        // SEC-02: a rule naming a group sees the source as a member only
        // when no transit gateway on the way lacks security group
        // referencing (peering carries copies within one Region only).
        let referencing = self.referencing_along(&hops);
        let from_subnet = src.subnet;
        if let Err((reason, resource, detail)) =
            self.admission(source, referencing, from_subnet, dst, &mut hops)
        {
            return stop(hops, reason, &resource, detail);
        }
        hops.push(Hop::Arrive {
            to: dst.kind,
            ip: dst_ip,
        });
        Reach { hops, stop: None }
    }

    /// SEC-02: whether security group references still match the source
    /// after these hops: not across a transit gateway without security
    /// group referencing support.
    fn referencing_along(&self, hops: &[Hop]) -> bool {
        hops.iter().all(|h| match *h {
            Hop::TgwAttachment { tgw, .. } => {
                self.transit_gateways[tgw.index()].security_group_referencing
            }
            _ => true,
        })
    }

    /// TGT-04: whether the destination's subnet network ACL and security
    /// groups admit UDP 4789 from the source ENI's primary IP, arriving from
    /// `from_subnet` (an ACL guards a subnet's boundary: a copy from within
    /// the subnet meets none). Pushes the hops that passed it; or says why
    /// not: the reason, the resource and the rule.
    fn admission(
        &self,
        source: EniIdx,
        referencing: bool,
        from_subnet: SubnetIdx,
        dst: &Destination<'_>,
        hops: &mut Vec<Hop>,
    ) -> Result<(), (Blocked, String, String)> {
        let src = self.eni(source);
        let probe = Probe {
            remote: src.private_ip,
            protocol: proto::UDP,
            port: VXLAN_PORT,
        };
        if from_subnet != dst.subnet
            && let Some(acl_idx) = self.subnet(dst.subnet).network_acl
        {
            let acl = &self.network_acls[acl_idx.index()];
            match acl.evaluate(true, &probe) {
                AclVerdict::Allow(rule) => hops.push(Hop::NetworkAcl {
                    acl: acl_idx,
                    rule,
                    from: src.private_ip,
                }),
                AclVerdict::Deny(n) => {
                    let rule = n.map_or("*".to_string(), |n| n.to_string());
                    return Err((
                        Blocked::TargetNaclDeniesVxlan,
                        acl.id.clone(),
                        format!(
                            "inbound rule {rule} denies udp 4789 from {}",
                            src.private_ip
                        ),
                    ));
                }
            }
        }
        if dst.security_groups.is_empty() {
            return Ok(());
        }
        let groups = if referencing {
            self.groups_of(Some(source))
        } else {
            &[]
        };
        let admitted = dst.security_groups.iter().find_map(|&g| {
            let sg = &self.security_groups[g.index()];
            sg.admits(&probe, groups).map(|r| (g, r))
        });
        match admitted {
            Some((sg, rule)) => {
                hops.push(Hop::SecurityGroup {
                    sg,
                    rule,
                    from: src.private_ip,
                });
                Ok(())
            }
            None => {
                let ids: Vec<&str> = dst
                    .security_groups
                    .iter()
                    .map(|g| self.security_groups[g.index()].id.as_str())
                    .collect();
                let mut detail = format!(
                    "no inbound rule of {} allows udp 4789 from {}",
                    ids.join(", "),
                    src.private_ip
                );
                if let DestinationKind::Eni(e) = dst.kind
                    && self.eni(e).implicit_default_group
                {
                    detail.push_str(
                        " (SEC-01: declared with no group, it is in its VPC's default group, which admits only its members)",
                    );
                }
                if !referencing && groups.is_empty() {
                    detail.push_str(
                        " (SEC-02: group references do not match across a transit gateway without security group referencing)",
                    );
                }
                Err((Blocked::TargetSgDeniesVxlan, ids[0].to_string(), detail))
            }
        }
    }

    /// TGT-04 (corrected), PKT-03: the last leg behind a Network Load
    /// Balancer, from its node (reached by `to_node`) to the appliance it
    /// chose. A UDP target group
    /// keeps the client IP, so the appliance's subnet ACL and its security
    /// groups see UDP 4789 from the source ENI's primary IP. The hops end
    /// with the arrival at the appliance.
    pub fn appliance_reach(
        &self,
        source: EniIdx,
        nlb: NlbIdx,
        node: usize,
        to_node: &Reach,
        appliance: EniIdx,
    ) -> Reach {
        let node_subnet = self.network_load_balancers[nlb.index()].nodes[node].subnet;
        let a = self.eni(appliance);
        let dst = Destination {
            kind: DestinationKind::Eni(appliance),
            ip: a.private_ip,
            subnet: a.subnet,
            security_groups: &a.security_groups,
        };
        let mut hops = Vec::new();
        let referencing = self.referencing_along(&to_node.hops);
        match self.admission(source, referencing, node_subnet, &dst, &mut hops) {
            Ok(()) => {
                hops.push(Hop::Arrive {
                    to: dst.kind,
                    ip: dst.ip,
                });
                Reach { hops, stop: None }
            }
            Err((reason, resource, detail)) => Reach {
                hops,
                stop: Some(Stop {
                    reason,
                    resource,
                    detail,
                    hint: None,
                }),
            },
        }
    }

    /// SRC-05: whether an inbound packet reaches the source ENI at all. The
    /// subnet's network ACL applies when the sender is outside the subnet
    /// (ACLs are stateless, so replies are checked too); the security
    /// groups apply unless the packet answers a connection the ENI opened
    /// (security groups are stateful). ARP meets neither.
    pub fn source_admits(
        &self,
        eni: EniIdx,
        packet: &FlowKey,
        sender: Option<EniIdx>,
        reply: bool,
    ) -> Result<(), (SourceBlock, String)> {
        if packet.l3 != L3::Ip {
            return Ok(());
        }
        let e = self.eni(eni);
        let probe = Probe {
            remote: packet.src,
            protocol: packet.protocol,
            port: packet.dst_port,
        };
        let same_subnet = sender.is_some_and(|s| self.eni(s).subnet == e.subnet);
        if !same_subnet && let Some(acl) = self.subnet(e.subnet).network_acl {
            let acl = &self.network_acls[acl.index()];
            if let AclVerdict::Deny(_) = acl.evaluate(true, &probe) {
                return Err((SourceBlock::NetworkAcl, acl.id.clone()));
            }
        }
        // SEC-01 (model): an ENI declared with no group is in its VPC's
        // default group for the copies it receives; its own inbound traffic
        // is not filtered (see docs/behaviours.md).
        if !reply && !e.implicit_default_group {
            let groups = self.groups_of(sender);
            let admitted = e.security_groups.iter().any(|g| {
                self.security_groups[g.index()]
                    .admits(&probe, groups)
                    .is_some()
            });
            if !admitted {
                let first = &self.security_groups[e.security_groups[0].index()];
                return Err((SourceBlock::SecurityGroup, first.id.clone()));
            }
        }
        Ok(())
    }
}
