//! The network around the mirror: route tables, VPC peering, transit
//! gateways, network ACLs and security groups, each with the one decision
//! it makes about a packet.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::filter::PortRange;
use crate::ids::{AccountIdx, PeeringIdx, SgIdx, SubnetIdx, TgwIdx, VpcIdx};
use crate::packet::proto;

/// Where a route sends traffic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouteTarget {
    /// Within the VPC.
    Local,
    /// A VPC peering connection (`pcx-`).
    Peering(PeeringIdx),
    /// A transit gateway (`tgw-`).
    TransitGateway(TgwIdx),
    /// An internet gateway (`igw-`): never a way to a private target.
    InternetGateway(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub destination_cidr_block: IpNet,
    pub target: RouteTarget,
    /// How the route is written in the file (`local`, `pcx-...`).
    pub target_id: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RouteTable {
    /// `rtb-` id.
    pub id: String,
    pub vpc: VpcIdx,
    /// Whether this is the VPC's main route table (used by subnets with no
    /// explicit association).
    pub main: bool,
    /// The routes as written, plus the implicit `local` routes for the
    /// VPC's CIDR blocks.
    pub routes: Vec<Route>,
}

impl RouteTable {
    /// CON-03: the most specific route that covers the address (its
    /// index in `routes`).
    pub fn lookup(&self, ip: IpAddr) -> Option<usize> {
        self.routes
            .iter()
            .enumerate()
            .filter(|(_, r)| r.destination_cidr_block.contains(&ip))
            .max_by_key(|(_, r)| r.destination_cidr_block.prefix_len())
            .map(|(i, _)| i)
    }
}

/// `VpcPeeringConnectionStateReasonCode`, the states that matter here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeeringStatus {
    Active,
    PendingAcceptance,
    Rejected,
    Deleted,
}

impl PeeringStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PeeringStatus::Active => "active",
            PeeringStatus::PendingAcceptance => "pending-acceptance",
            PeeringStatus::Rejected => "rejected",
            PeeringStatus::Deleted => "deleted",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct PeeringConnection {
    /// `pcx-` id.
    pub id: String,
    pub requester_vpc: VpcIdx,
    pub accepter_vpc: VpcIdx,
    pub status: PeeringStatus,
}

impl PeeringConnection {
    /// The VPC at the other end from `from`, if `from` is one of its ends.
    pub fn peer_of(&self, from: VpcIdx) -> Option<VpcIdx> {
        if from == self.requester_vpc {
            Some(self.accepter_vpc)
        } else if from == self.accepter_vpc {
            Some(self.requester_vpc)
        } else {
            None
        }
    }
}

/// A VPC attachment of a transit gateway.
#[derive(Clone, Debug, PartialEq)]
pub struct TgwAttachment {
    /// `tgw-attach-` id.
    pub id: String,
    pub vpc: VpcIdx,
    /// The subnets the attachment has an interface in (one per AZ).
    pub subnets: Vec<SubnetIdx>,
}

/// A transit gateway route.
#[derive(Clone, Debug, PartialEq)]
pub struct TgwRoute {
    pub destination_cidr_block: IpNet,
    /// The attachment (index into the gateway's attachments); `None` is a
    /// blackhole route.
    pub attachment: Option<usize>,
    /// Static, or propagated from an attachment.
    pub propagated: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TgwRouteTable {
    /// `tgw-rtb-` id.
    pub id: String,
    /// Static routes as written, then the routes propagated from the
    /// attachments that propagate into this table.
    pub routes: Vec<TgwRoute>,
    /// Attachments (indexes) associated with this table.
    pub associations: Vec<usize>,
}

impl TgwRouteTable {
    /// The most specific route; a static route wins over a propagated one
    /// of the same prefix, as in AWS.
    pub fn lookup(&self, ip: IpAddr) -> Option<usize> {
        self.routes
            .iter()
            .enumerate()
            .filter(|(_, r)| r.destination_cidr_block.contains(&ip))
            .max_by_key(|(_, r)| (r.destination_cidr_block.prefix_len(), !r.propagated))
            .map(|(i, _)| i)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct TransitGateway {
    /// `tgw-` id.
    pub id: String,
    pub owner: AccountIdx,
    pub region: String,
    pub attachments: Vec<TgwAttachment>,
    pub route_tables: Vec<TgwRouteTable>,
    /// SEC-02: security group referencing support (off by default): only
    /// then does a rule naming a group match members across the gateway.
    pub security_group_referencing: bool,
}

impl TransitGateway {
    /// The attachment of this gateway in a VPC, if any.
    pub fn attachment_in(&self, vpc: VpcIdx) -> Option<usize> {
        self.attachments.iter().position(|a| a.vpc == vpc)
    }

    /// The route table an attachment is associated with (its index).
    pub fn route_table_of(&self, attachment: usize) -> Option<usize> {
        self.route_tables
            .iter()
            .position(|t| t.associations.contains(&attachment))
    }
}

/// Allow or deny, for network ACL entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AclAction {
    Allow,
    Deny,
}

/// One network ACL entry.
#[derive(Clone, Debug, PartialEq)]
pub struct AclEntry {
    pub rule_number: u16,
    pub rule_action: AclAction,
    /// IANA protocol; `None` is all (`-1`).
    pub protocol: Option<u8>,
    pub cidr_block: IpNet,
    /// TCP and UDP only.
    pub port_range: Option<PortRange>,
}

/// What a network ACL said, and which entry said it (`None`: the final
/// catch-all `*` deny entry).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AclVerdict {
    Allow(u16),
    Deny(Option<u16>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct NetworkAcl {
    /// `acl-` id.
    pub id: String,
    pub vpc: VpcIdx,
    /// Inbound entries, sorted by rule number.
    pub ingress_entries: Vec<AclEntry>,
    /// Outbound entries, sorted by rule number.
    pub egress_entries: Vec<AclEntry>,
}

/// A packet as network ACLs and security groups see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Probe {
    /// The address at the far end (the source for inbound checks).
    pub remote: IpAddr,
    pub protocol: u8,
    /// The local port (the destination port for inbound checks).
    pub port: u16,
}

/// Whether an entry or rule with this protocol and port range covers the
/// probe.
fn covers(protocol: Option<u8>, ports: Option<PortRange>, probe: &Probe) -> bool {
    if protocol.is_some_and(|p| p != probe.protocol) {
        return false;
    }
    match ports {
        None => true,
        Some(r) => {
            (probe.protocol == proto::TCP || probe.protocol == proto::UDP) && r.contains(probe.port)
        }
    }
}

impl NetworkAcl {
    /// Entries are evaluated in ascending rule number; the first that
    /// matches decides; none matching, the `*` entry denies.
    pub fn evaluate(&self, inbound: bool, probe: &Probe) -> AclVerdict {
        let entries = if inbound {
            &self.ingress_entries
        } else {
            &self.egress_entries
        };
        for e in entries {
            if e.cidr_block.contains(&probe.remote) && covers(e.protocol, e.port_range, probe) {
                return match e.rule_action {
                    AclAction::Allow => AclVerdict::Allow(e.rule_number),
                    AclAction::Deny => AclVerdict::Deny(Some(e.rule_number)),
                };
            }
        }
        AclVerdict::Deny(None)
    }
}

/// Where a security group rule admits traffic from.
#[derive(Clone, Debug, PartialEq)]
pub enum SgSource {
    Cidr(IpNet),
    /// Members of this security group.
    Group(SgIdx),
}

#[derive(Clone, Debug, PartialEq)]
pub struct SgRule {
    /// IANA protocol; `None` is all (`-1`).
    pub protocol: Option<u8>,
    pub port_range: Option<PortRange>,
    pub source: SgSource,
    pub description: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SecurityGroup {
    /// `sg-` id.
    pub id: String,
    pub vpc: VpcIdx,
    pub ingress_rules: Vec<SgRule>,
}

impl SecurityGroup {
    /// The first inbound rule that admits the probe. `remote_groups` are
    /// the groups of the sending ENI, when it is one of the scenario's.
    pub fn admits(&self, probe: &Probe, remote_groups: &[SgIdx]) -> Option<usize> {
        self.ingress_rules.iter().position(|r| {
            covers(r.protocol, r.port_range, probe)
                && match &r.source {
                    SgSource::Cidr(net) => net.contains(&probe.remote),
                    SgSource::Group(g) => remote_groups.contains(g),
                }
        })
    }
}
