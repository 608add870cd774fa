//! The network as a graph: VPCs joined by the peering connections and
//! transit gateways that can carry mirrored traffic. Used to explain a
//! missing hop: when a source's route table has no way to its target, the
//! graph tells whether a connection exists that a route could use.

use petgraph::algo::astar;
use petgraph::graph::{NodeIndex, UnGraph};

use crate::ids::{PeeringIdx, TgwIdx, VpcIdx};
use crate::model::Topology;
use crate::network::PeeringStatus;

/// A node of the network graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetNode {
    Vpc(VpcIdx),
    Peering(PeeringIdx),
    TransitGateway(TgwIdx),
}

/// VPCs and the connections between them that carry mirrored traffic:
/// active intra-Region peering connections and transit gateway attachments.
pub struct NetworkGraph {
    graph: UnGraph<NetNode, ()>,
    vpcs: Vec<NodeIndex>,
}

impl NetworkGraph {
    pub fn new(topo: &Topology) -> NetworkGraph {
        let mut graph = UnGraph::new_undirected();
        let vpcs: Vec<NodeIndex> = (0..topo.vpcs.len())
            .map(|v| graph.add_node(NetNode::Vpc(VpcIdx(v as u32))))
            .collect();
        for (i, p) in topo.peering_connections.iter().enumerate() {
            let (a, b) = (topo.vpc(p.requester_vpc), topo.vpc(p.accepter_vpc));
            if p.status == PeeringStatus::Active && a.region == b.region {
                let n = graph.add_node(NetNode::Peering(PeeringIdx(i as u32)));
                graph.add_edge(vpcs[p.requester_vpc.index()], n, ());
                graph.add_edge(n, vpcs[p.accepter_vpc.index()], ());
            }
        }
        for (i, t) in topo.transit_gateways.iter().enumerate() {
            let n = graph.add_node(NetNode::TransitGateway(TgwIdx(i as u32)));
            for a in &t.attachments {
                graph.add_edge(vpcs[a.vpc.index()], n, ());
            }
        }
        NetworkGraph { graph, vpcs }
    }

    /// The fewest-hop chain of connections from one VPC to another, without
    /// the end VPCs; `None` when they are not connected.
    pub fn connection(&self, from: VpcIdx, to: VpcIdx) -> Option<Vec<NetNode>> {
        let (start, goal) = (self.vpcs[from.index()], self.vpcs[to.index()]);
        let (_, path) = astar(&self.graph, start, |n| n == goal, |_| 1u32, |_| 0)?;
        Some(
            path[1..path.len().saturating_sub(1)]
                .iter()
                .map(|&n| self.graph[n])
                .collect(),
        )
    }
}

impl Topology {
    /// The connection a copy from VPC `from` takes towards VPC `to`: its id,
    /// and whether the way on crosses more than it; or, in words, why
    /// there is none.
    pub fn connection_towards(&self, from: VpcIdx, to: VpcIdx) -> Result<(String, bool), String> {
        match NetworkGraph::new(self).connection(from, to) {
            Some(chain) => match chain.first() {
                Some(NetNode::Peering(p)) => {
                    Ok((self.peering_connections[p.index()].id.clone(), false))
                }
                Some(NetNode::TransitGateway(t)) => {
                    Ok((self.transit_gateways[t.index()].id.clone(), chain.len() > 1))
                }
                _ => Err(format!(
                    "{} and {} are one network",
                    self.vpc(from).id,
                    self.vpc(to).id
                )),
            },
            None => Err(format!(
                "no active intra-Region peering or transit gateway joins {} to {}: connect them first",
                self.vpc(from).id,
                self.vpc(to).id
            )),
        }
    }

    /// How a copy from `from` could reach `to`, in words, for a route table
    /// that has no route there: the connection to use, or that none exists.
    pub fn explain_missing_route(&self, from: VpcIdx, to: VpcIdx, table: &str) -> String {
        let dest = self
            .vpc(to)
            .cidr_blocks
            .first()
            .map_or(String::new(), |c| c.to_string());
        match self.connection_towards(from, to) {
            Ok((via, further)) => format!(
                "add a route for {dest} to {via} in {table}{}",
                if further {
                    " (the way on crosses more than one gateway or peering)"
                } else {
                    ""
                }
            ),
            Err(why) => why,
        }
    }
}
