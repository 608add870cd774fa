//! The world's network as one petgraph graph: what `sim graph` draws and
//! `report.html` shows.
//!
//! Nodes are the resources a copy can meet: ENIs, instances, subnets (with
//! their zone), route tables, network ACLs, security groups, VPCs, peering
//! connections, transit gateways with their attachments and route tables,
//! load balancers with their per-zone nodes, GWLB endpoints and mirror
//! targets. Edges say how they hang together: attachment, association,
//! route, registration, target and the mirror sessions. Every hop of a
//! copy's path ([`Hop`]) is a node of this graph ([`WorldGraph::hop`]), so a
//! path can be drawn over it.

use std::collections::BTreeMap;

use petgraph::graph::{DiGraph, NodeIndex};

use crate::ids::*;
use crate::model::{TargetResource, Topology};
use crate::network::RouteTarget;
use crate::reach::{DestinationKind, Hop};

/// A node: one resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Node {
    Vpc(VpcIdx),
    Subnet(SubnetIdx),
    RouteTable(RouteTableIdx),
    NetworkAcl(AclIdx),
    SecurityGroup(SgIdx),
    Peering(PeeringIdx),
    TransitGateway(TgwIdx),
    /// A transit gateway's attachment (index among its attachments).
    TgwAttachment(TgwIdx, usize),
    /// A transit gateway's route table (index among its tables).
    TgwRouteTable(TgwIdx, usize),
    Instance(InstanceIdx),
    Eni(EniIdx),
    Nlb(NlbIdx),
    /// A Network Load Balancer's node (index among its nodes).
    NlbNode(NlbIdx, usize),
    Gwlb(GwlbIdx),
    GwlbEndpoint(VpceIdx),
    Target(TargetIdx),
}

/// How two resources are related.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edge {
    /// The first is in, or attached to, the second.
    Attachment,
    /// A subnet's route table or network ACL; an attachment's TGW route
    /// table.
    Association,
    /// A route leads there.
    Route,
    /// An appliance registered with a load balancer.
    Registration,
    /// The ENI's security group.
    Guard,
    /// A mirror target's resource.
    TargetOf,
    /// A mirror session, from its source ENI to its target.
    Session(SessionIdx),
}

/// The graph, and each resource's node.
pub struct WorldGraph {
    pub graph: DiGraph<Node, Edge>,
    index: BTreeMap<Node, NodeIndex>,
}

impl WorldGraph {
    pub fn new(topo: &Topology) -> WorldGraph {
        let mut g = WorldGraph {
            graph: DiGraph::new(),
            index: BTreeMap::new(),
        };
        for v in 0..topo.vpcs.len() {
            g.add(Node::Vpc(VpcIdx(v as u32)));
        }
        for (i, s) in topo.subnets.iter().enumerate() {
            let n = Node::Subnet(SubnetIdx(i as u32));
            g.link(n, Node::Vpc(s.vpc), Edge::Attachment);
            if let Some(rt) = s.route_table {
                g.link(n, Node::RouteTable(rt), Edge::Association);
            }
            if let Some(acl) = s.network_acl {
                g.link(n, Node::NetworkAcl(acl), Edge::Association);
            }
        }
        for (i, rt) in topo.route_tables.iter().enumerate() {
            let n = Node::RouteTable(RouteTableIdx(i as u32));
            g.link(n, Node::Vpc(rt.vpc), Edge::Attachment);
            for r in &rt.routes {
                match &r.target {
                    RouteTarget::Peering(p) => g.link(n, Node::Peering(*p), Edge::Route),
                    RouteTarget::TransitGateway(t) => {
                        g.link(n, Node::TransitGateway(*t), Edge::Route)
                    }
                    RouteTarget::Local | RouteTarget::InternetGateway(_) => {}
                }
            }
        }
        for (i, p) in topo.peering_connections.iter().enumerate() {
            let n = Node::Peering(PeeringIdx(i as u32));
            g.link(n, Node::Vpc(p.requester_vpc), Edge::Attachment);
            g.link(n, Node::Vpc(p.accepter_vpc), Edge::Attachment);
        }
        for (t, tgw) in topo.transit_gateways.iter().enumerate() {
            let t = TgwIdx(t as u32);
            g.add(Node::TransitGateway(t));
            for (a, att) in tgw.attachments.iter().enumerate() {
                g.link(
                    Node::TgwAttachment(t, a),
                    Node::TransitGateway(t),
                    Edge::Attachment,
                );
                g.link(
                    Node::TgwAttachment(t, a),
                    Node::Vpc(att.vpc),
                    Edge::Attachment,
                );
            }
            for (k, table) in tgw.route_tables.iter().enumerate() {
                g.link(
                    Node::TgwRouteTable(t, k),
                    Node::TransitGateway(t),
                    Edge::Attachment,
                );
                for &a in &table.associations {
                    g.link(
                        Node::TgwAttachment(t, a),
                        Node::TgwRouteTable(t, k),
                        Edge::Association,
                    );
                }
                for r in &table.routes {
                    if let Some(a) = r.attachment {
                        g.link(
                            Node::TgwRouteTable(t, k),
                            Node::TgwAttachment(t, a),
                            Edge::Route,
                        );
                    }
                }
            }
        }
        for (i, inst) in topo.instances.iter().enumerate() {
            g.link(
                Node::Instance(InstanceIdx(i as u32)),
                Node::Subnet(inst.subnet),
                Edge::Attachment,
            );
        }
        for (i, e) in topo.enis.iter().enumerate() {
            let n = Node::Eni(EniIdx(i as u32));
            match e.instance {
                Some(inst) => g.link(n, Node::Instance(inst), Edge::Attachment),
                None => g.link(n, Node::Subnet(e.subnet), Edge::Attachment),
            }
            for &sg in &e.security_groups {
                g.link(n, Node::SecurityGroup(sg), Edge::Guard);
            }
        }
        for (i, nlb) in topo.network_load_balancers.iter().enumerate() {
            let n = Node::Nlb(NlbIdx(i as u32));
            g.link(n, Node::Vpc(nlb.vpc), Edge::Attachment);
            for (k, node) in nlb.nodes.iter().enumerate() {
                g.link(Node::NlbNode(NlbIdx(i as u32), k), n, Edge::Attachment);
                g.link(
                    Node::NlbNode(NlbIdx(i as u32), k),
                    Node::Subnet(node.subnet),
                    Edge::Attachment,
                );
            }
            for &e in &nlb.targets {
                g.link(n, Node::Eni(e), Edge::Registration);
            }
        }
        for (i, gw) in topo.gateway_load_balancers.iter().enumerate() {
            let n = Node::Gwlb(GwlbIdx(i as u32));
            g.link(n, Node::Vpc(gw.vpc), Edge::Attachment);
            for &e in &gw.targets {
                g.link(n, Node::Eni(e), Edge::Registration);
            }
        }
        for (i, v) in topo.gwlb_endpoints.iter().enumerate() {
            let n = Node::GwlbEndpoint(VpceIdx(i as u32));
            g.link(n, Node::Subnet(v.subnet), Edge::Attachment);
            g.link(n, Node::Gwlb(v.gateway_load_balancer), Edge::Attachment);
        }
        for (i, t) in topo.targets.iter().enumerate() {
            let to = match t.resource {
                TargetResource::NetworkInterface(e) => Node::Eni(e),
                TargetResource::NetworkLoadBalancer(n) => Node::Nlb(n),
                TargetResource::GatewayLoadBalancerEndpoint(v) => Node::GwlbEndpoint(v),
            };
            g.link(Node::Target(TargetIdx(i as u32)), to, Edge::TargetOf);
        }
        for (i, s) in topo.sessions.iter().enumerate() {
            g.link(
                Node::Eni(s.source),
                Node::Target(s.target),
                Edge::Session(SessionIdx(i as u32)),
            );
        }
        g
    }

    fn add(&mut self, n: Node) -> NodeIndex {
        if let Some(&i) = self.index.get(&n) {
            return i;
        }
        let i = self.graph.add_node(n);
        self.index.insert(n, i);
        i
    }

    fn link(&mut self, a: Node, b: Node, e: Edge) {
        let (a, b) = (self.add(a), self.add(b));
        self.graph.add_edge(a, b, e);
    }

    /// The node of a resource, when the graph has it.
    pub fn node(&self, n: Node) -> Option<NodeIndex> {
        self.index.get(&n).copied()
    }

    /// The resource a hop of a copy's path passed.
    pub fn hop(hop: &Hop) -> Node {
        match *hop {
            Hop::Source { eni } => Node::Eni(eni),
            Hop::Route { table, .. } => Node::RouteTable(table),
            Hop::LocalRoute { vpc, .. } => Node::Vpc(vpc),
            Hop::Peering { pcx, .. } => Node::Peering(pcx),
            Hop::TgwAttachment { tgw, attachment } | Hop::TgwExit { tgw, attachment } => {
                Node::TgwAttachment(tgw, attachment)
            }
            Hop::TgwRoute { tgw, table, .. } => Node::TgwRouteTable(tgw, table),
            Hop::NetworkAcl { acl, .. } => Node::NetworkAcl(acl),
            Hop::SecurityGroup { sg, .. } => Node::SecurityGroup(sg),
            Hop::Arrive { to, .. } => match to {
                DestinationKind::Eni(e) => Node::Eni(e),
                DestinationKind::NlbNode(n, k) => Node::NlbNode(n, k),
                DestinationKind::GwlbEndpoint(v) => Node::GwlbEndpoint(v),
            },
        }
    }
}

impl Node {
    /// What it is, and its id (with the zone of what has one).
    pub fn label(&self, topo: &Topology) -> (&'static str, String) {
        match *self {
            Node::Vpc(v) => ("VPC", topo.vpc(v).id.clone()),
            Node::Subnet(s) => {
                let s = topo.subnet(s);
                ("subnet", format!("{} ({})", s.id, s.availability_zone))
            }
            Node::RouteTable(r) => ("route table", topo.route_tables[r.index()].id.clone()),
            Node::NetworkAcl(a) => ("network ACL", topo.network_acls[a.index()].id.clone()),
            Node::SecurityGroup(g) => {
                ("security group", topo.security_groups[g.index()].id.clone())
            }
            Node::Peering(p) => ("peering", topo.peering_connections[p.index()].id.clone()),
            Node::TransitGateway(t) => (
                "transit gateway",
                topo.transit_gateways[t.index()].id.clone(),
            ),
            Node::TgwAttachment(t, a) => (
                "TGW attachment",
                topo.transit_gateways[t.index()].attachments[a].id.clone(),
            ),
            Node::TgwRouteTable(t, k) => (
                "TGW route table",
                topo.transit_gateways[t.index()].route_tables[k].id.clone(),
            ),
            Node::Instance(i) => {
                let i = &topo.instances[i.index()];
                ("instance", format!("{} ({})", i.id, i.instance_type))
            }
            Node::Eni(e) => (
                "ENI",
                format!("{} {}", topo.eni(e).id, topo.eni(e).private_ip),
            ),
            Node::Nlb(n) => ("NLB", topo.network_load_balancers[n.index()].id.clone()),
            Node::NlbNode(n, k) => {
                let node = &topo.network_load_balancers[n.index()].nodes[k];
                (
                    "NLB node",
                    format!("{} {}", node.availability_zone, node.ip),
                )
            }
            Node::Gwlb(g) => ("GWLB", topo.gateway_load_balancers[g.index()].id.clone()),
            Node::GwlbEndpoint(v) => ("GWLB endpoint", topo.gwlb_endpoints[v.index()].id.clone()),
            Node::Target(t) => ("mirror target", topo.target(t).id.clone()),
        }
    }
}

impl Edge {
    pub fn label(&self, topo: &Topology) -> String {
        match *self {
            Edge::Attachment => "in".into(),
            Edge::Association => "associated".into(),
            Edge::Route => "route".into(),
            Edge::Registration => "registered".into(),
            Edge::Guard => "guarded by".into(),
            Edge::TargetOf => "target".into(),
            Edge::Session(s) => {
                let s = topo.session(s);
                format!("{} (#{})", s.id, s.session_number)
            }
        }
    }
}
