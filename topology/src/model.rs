//! The resolved resources of a scenario.
//!
//! Vectors addressed by the typed indexes of [`crate::ids`]; string ids are
//! kept for reports and diagnostics. A `Topology` is built once (by the
//! scenario loader) and read by everything else.

use std::net::{IpAddr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use crate::filter::TrafficMirrorFilter;
use crate::ids::*;
use crate::network::{NetworkAcl, PeeringConnection, RouteTable, SecurityGroup, TransitGateway};

/// A 48-bit Ethernet address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MacAddr(pub [u8; 6]);

impl std::fmt::Display for MacAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let m = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            m[0], m[1], m[2], m[3], m[4], m[5]
        )
    }
}

/// An AWS account, and the organisation it belongs to.
#[derive(Clone, Debug, PartialEq)]
pub struct Account {
    /// Twelve digits.
    pub id: String,
    /// `o-` id of its AWS Organizations organisation.
    pub organization: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Vpc {
    /// `vpc-` id.
    pub id: String,
    pub owner: AccountIdx,
    pub region: String,
    /// The VPC's CIDR blocks, IPv4 and IPv6; the first IPv4 one is primary.
    pub cidr_blocks: Vec<IpNet>,
}

impl Vpc {
    /// The Amazon-provided DNS resolver: the primary IPv4 CIDR's base + 2.
    pub fn amazon_dns_resolver(&self) -> Option<IpAddr> {
        self.cidr_blocks.iter().find_map(|c| match c {
            IpNet::V4(v4) => {
                let base = u32::from(v4.network());
                Some(IpAddr::V4(base.wrapping_add(2).into()))
            }
            IpNet::V6(_) => None,
        })
    }

    /// Whether an address lies in one of the VPC's CIDR blocks.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.cidr_blocks.iter().any(|c| c.contains(&ip))
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Subnet {
    /// `subnet-` id.
    pub id: String,
    pub vpc: VpcIdx,
    pub availability_zone: String,
    pub cidr_block: Option<Ipv4Net>,
    pub ipv6_cidr_block: Option<Ipv6Net>,
    /// The route table in force: the explicit association, else the VPC's
    /// main table; `None` when the VPC declares no route tables (then only
    /// the implicit local routes exist).
    pub route_table: Option<RouteTableIdx>,
    /// The associated network ACL; `None` when the VPC declares none (the
    /// default ACL, which allows everything).
    pub network_acl: Option<AclIdx>,
    /// Accounts the subnet is shared with (VPC sharing).
    pub shared_with: Vec<AccountIdx>,
}

impl Subnet {
    /// Whether the address lies in one of the subnet's CIDR blocks.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(v4) => self.cidr_block.is_some_and(|c| c.contains(&v4)),
            IpAddr::V6(v6) => self.ipv6_cidr_block.is_some_and(|c| c.contains(&v6)),
        }
    }

    /// An IPv6-only subnet has no IPv4 block (SRC-04).
    pub fn is_ipv6_only(&self) -> bool {
        self.cidr_block.is_none()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Instance {
    /// `i-` id.
    pub id: String,
    /// EC2 instance type, as written (for example `m5.large`).
    pub instance_type: String,
    pub subnet: SubnetIdx,
    pub owner: AccountIdx,
    /// Bandwidth and packet budgets: the scenario's override, else the
    /// catalogue's figures; `None` when neither knows (no budget applies).
    pub network: Option<crate::instance_types::NetworkPerformance>,
    /// How long a full burst-credit balance lasts at the burst rate.
    pub burst_duration_ns: u64,
    /// The cluster placement group it runs in, if any (BW-03: 10 Gbps per
    /// flow instead of 5).
    pub cluster_placement_group: Option<String>,
}

/// `NetworkInterfaceType`, the values that matter here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InterfaceType {
    Interface,
    Efa,
    Trunk,
    Branch,
}

impl InterfaceType {
    pub fn as_str(self) -> &'static str {
        match self {
            InterfaceType::Interface => "interface",
            InterfaceType::Efa => "efa",
            InterfaceType::Trunk => "trunk",
            InterfaceType::Branch => "branch",
        }
    }
}

/// An elastic network interface.
#[derive(Clone, Debug, PartialEq)]
pub struct Eni {
    /// `eni-` id.
    pub id: String,
    /// The instance it is attached to; `None` for a requester-managed ENI
    /// declared on its own (an RDS database's, say).
    pub instance: Option<InstanceIdx>,
    pub subnet: SubnetIdx,
    pub owner: AccountIdx,
    /// The primary private IP address.
    pub private_ip: IpAddr,
    /// An IPv6 address, in a dual-stack subnet.
    pub ipv6_address: Option<Ipv6Addr>,
    pub mac: MacAddr,
    /// Maximum transmission unit in bytes (largest IP packet).
    pub mtu: u16,
    pub interface_type: InterfaceType,
    /// The AWS service that manages it, for requester-managed ENIs
    /// (`rds`, `elasticache`, `elb`, ...).
    pub requester_managed_by: Option<String>,
    /// Its security groups. SEC-01: an ENI declared with none is in its
    /// VPC's default group.
    pub security_groups: Vec<SgIdx>,
    /// SEC-01: declared with no group, so it is only in the VPC's default
    /// group. (Model: that group guards the copies it receives; its own
    /// inbound production traffic is not filtered, see docs/behaviours.md.)
    pub implicit_default_group: bool,
}

/// The resource behind a traffic mirror target (TGT-01).
#[derive(Clone, Debug, PartialEq)]
pub enum TargetResource {
    /// `network-interface`: an appliance's ENI.
    NetworkInterface(EniIdx),
    /// `network-load-balancer`: a fleet behind a Network Load Balancer.
    NetworkLoadBalancer(NlbIdx),
    /// `gateway-load-balancer-endpoint`: a fleet behind a Gateway Load
    /// Balancer, reached through an endpoint in the source's VPC.
    GatewayLoadBalancerEndpoint(VpceIdx),
}

/// A load balancer's node in one Availability Zone.
#[derive(Clone, Debug, PartialEq)]
pub struct LbNode {
    pub subnet: SubnetIdx,
    pub availability_zone: String,
    /// The node's address in the subnet.
    pub ip: IpAddr,
}

/// A Network Load Balancer with a target group of appliances.
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkLoadBalancer {
    /// Its ARN (or name), as targets refer to it.
    pub id: String,
    pub owner: AccountIdx,
    pub vpc: VpcIdx,
    /// Nodes in the zones enabled when the scenario starts (and so when its
    /// mirror target was created).
    pub nodes: Vec<LbNode>,
    pub cross_zone: bool,
    /// Whether it has a UDP listener on 4789 (TGT-05).
    pub udp_4789_listener: bool,
    /// Registered appliances (their primary ENIs).
    pub targets: Vec<EniIdx>,
    /// LB-01: how its target group checks the appliances.
    pub health_check: HealthCheck,
    /// Each registered appliance's state when the run starts.
    pub initial_state: Vec<ApplianceState>,
}

/// LB-01: a target group's health checks. A state change is noticed after
/// `unhealthy_threshold` failed checks (or `healthy_threshold` passes),
/// `interval_ns` apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HealthCheck {
    pub interval_ns: u64,
    pub healthy_threshold: u32,
    pub unhealthy_threshold: u32,
}

impl HealthCheck {
    /// AWS's defaults for a Network Load Balancer's UDP target group (TCP
    /// health checks): every 30 s, 5 passes to be healthy, 2 failures to be
    /// unhealthy (ELB API `CreateTargetGroup`).
    pub const NLB_DEFAULT: HealthCheck = HealthCheck {
        interval_ns: 30_000_000_000,
        healthy_threshold: 5,
        unhealthy_threshold: 2,
    };
    /// AWS's defaults for a Gateway Load Balancer's GENEVE target group:
    /// every 10 s, 5 passes, 2 failures (the Gateway Load Balancer guide,
    /// "Health checks for Gateway Load Balancer target groups").
    pub const GWLB_DEFAULT: HealthCheck = HealthCheck {
        interval_ns: 10_000_000_000,
        healthy_threshold: 5,
        unhealthy_threshold: 2,
    };
}

/// Why an appliance behind a load balancer is or is not healthy (TGT-06
/// corrected): one that is down receives nothing; one that only fails its
/// health check still receives what is sent to it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ApplianceState {
    #[default]
    Healthy,
    Down,
    FailsHealthCheck,
}

impl ApplianceState {
    /// Whether a health check passes.
    pub fn passes(self) -> bool {
        self == ApplianceState::Healthy
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ApplianceState::Healthy => "healthy",
            ApplianceState::Down => "down",
            ApplianceState::FailsHealthCheck => "fails its health check",
        }
    }
}

/// LB-04: what a Gateway Load Balancer keeps a flow on one appliance by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FlowStickiness {
    /// Source and destination IP and port, and protocol (the default).
    #[default]
    FiveTuple,
    /// Source and destination IP, and protocol.
    ThreeTuple,
    /// Source and destination IP.
    TwoTuple,
}

/// LB-03: what a Gateway Load Balancer does with existing flows when their
/// appliance fails or is deregistered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TargetFailover {
    /// They stay on it (and are lost) until they end: AWS's default.
    #[default]
    NoRebalance,
    /// They move to a healthy appliance at once.
    Rebalance,
}

/// A Gateway Load Balancer with its appliances.
#[derive(Clone, Debug, PartialEq)]
pub struct GatewayLoadBalancer {
    pub id: String,
    pub owner: AccountIdx,
    pub vpc: VpcIdx,
    pub nodes: Vec<LbNode>,
    pub cross_zone: bool,
    pub targets: Vec<EniIdx>,
    pub health_check: HealthCheck,
    pub initial_state: Vec<ApplianceState>,
    pub stickiness: FlowStickiness,
    pub failover: TargetFailover,
}

/// A Gateway Load Balancer endpoint (`vpce-`) in a consumer VPC.
#[derive(Clone, Debug, PartialEq)]
pub struct GwlbEndpoint {
    pub id: String,
    pub owner: AccountIdx,
    pub subnet: SubnetIdx,
    pub ip: IpAddr,
    pub gateway_load_balancer: GwlbIdx,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TrafficMirrorTarget {
    /// `tmt-` id.
    pub id: String,
    pub owner: AccountIdx,
    pub resource: TargetResource,
    pub description: Option<String>,
}

impl TrafficMirrorTarget {
    /// The AWS API's `TrafficMirrorTargetType`.
    pub fn type_name(&self) -> &'static str {
        match self.resource {
            TargetResource::NetworkInterface(_) => "network-interface",
            TargetResource::NetworkLoadBalancer(_) => "network-load-balancer",
            TargetResource::GatewayLoadBalancerEndpoint(_) => "gateway-load-balancer-endpoint",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct TrafficMirrorSession {
    /// `tms-` id.
    pub id: String,
    pub owner: AccountIdx,
    /// The source ENI (`NetworkInterfaceId`).
    pub source: EniIdx,
    pub target: TargetIdx,
    pub filter: FilterIdx,
    /// 1..=32766; 1 is evaluated first.
    pub session_number: u16,
    /// The VXLAN network identifier, 24 bits.
    pub virtual_network_id: u32,
    /// Bytes of the inner frame to keep; `None` mirrors whole packets.
    pub packet_length: Option<u16>,
    pub description: Option<String>,
}

/// Who a RAM resource share is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    Account(AccountIdx),
    /// Every account of an organisation (`o-` id).
    Organization(String),
}

/// A RAM share of traffic mirror targets (TGT-02).
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceShare {
    /// The share's name or ARN.
    pub id: String,
    pub owner: AccountIdx,
    pub targets: Vec<TargetIdx>,
    pub principals: Vec<Principal>,
    /// Whether the invitation was accepted (needed outside the owner's
    /// organisation).
    pub accepted: bool,
}

/// Everything that exists in a scenario.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Topology {
    pub accounts: Vec<Account>,
    pub vpcs: Vec<Vpc>,
    pub subnets: Vec<Subnet>,
    pub route_tables: Vec<RouteTable>,
    pub network_acls: Vec<NetworkAcl>,
    pub security_groups: Vec<SecurityGroup>,
    pub peering_connections: Vec<PeeringConnection>,
    pub transit_gateways: Vec<TransitGateway>,
    pub instances: Vec<Instance>,
    pub enis: Vec<Eni>,
    pub targets: Vec<TrafficMirrorTarget>,
    pub filters: Vec<TrafficMirrorFilter>,
    pub sessions: Vec<TrafficMirrorSession>,
    pub resource_shares: Vec<ResourceShare>,
    pub network_load_balancers: Vec<NetworkLoadBalancer>,
    pub gateway_load_balancers: Vec<GatewayLoadBalancer>,
    pub gwlb_endpoints: Vec<GwlbEndpoint>,
    /// For each ENI, its sessions in ascending session number (SES-02).
    sessions_by_source: Vec<Vec<SessionIdx>>,
}

impl Topology {
    /// Derives the indexes that the decisions use: rules sorted by rule
    /// number and each source's sessions sorted by session number. Call once
    /// after the vectors are filled.
    pub fn finish(&mut self) {
        for f in &mut self.filters {
            f.sort_rules();
        }
        for a in &mut self.network_acls {
            a.ingress_entries.sort_by_key(|e| e.rule_number);
            a.egress_entries.sort_by_key(|e| e.rule_number);
        }
        let mut by_source = vec![Vec::new(); self.enis.len()];
        for (i, s) in self.sessions.iter().enumerate() {
            by_source[s.source.index()].push(SessionIdx(i as u32));
        }
        for list in &mut by_source {
            list.sort_by_key(|s| self.sessions[s.index()].session_number);
        }
        self.sessions_by_source = by_source;
    }

    /// The sessions whose source is this ENI, in evaluation order.
    pub fn sessions_of(&self, eni: EniIdx) -> &[SessionIdx] {
        self.sessions_by_source
            .get(eni.index())
            .map_or(&[][..], |v| v.as_slice())
    }

    /// Whether the ENI is the source of at least one session.
    pub fn is_source(&self, eni: EniIdx) -> bool {
        !self.sessions_of(eni).is_empty()
    }

    pub fn eni(&self, i: EniIdx) -> &Eni {
        &self.enis[i.index()]
    }

    pub fn subnet(&self, i: SubnetIdx) -> &Subnet {
        &self.subnets[i.index()]
    }

    pub fn vpc(&self, i: VpcIdx) -> &Vpc {
        &self.vpcs[i.index()]
    }

    pub fn session(&self, i: SessionIdx) -> &TrafficMirrorSession {
        &self.sessions[i.index()]
    }

    pub fn target(&self, i: TargetIdx) -> &TrafficMirrorTarget {
        &self.targets[i.index()]
    }

    pub fn filter(&self, i: FilterIdx) -> &TrafficMirrorFilter {
        &self.filters[i.index()]
    }

    pub fn account(&self, i: AccountIdx) -> &Account {
        &self.accounts[i.index()]
    }

    /// The VPC an ENI lives in.
    pub fn vpc_of(&self, eni: EniIdx) -> &Vpc {
        self.vpc(self.subnet(self.eni(eni).subnet).vpc)
    }

    /// The instance an ENI is attached to, if any.
    pub fn instance_of(&self, eni: EniIdx) -> Option<&Instance> {
        self.eni(eni).instance.map(|i| &self.instances[i.index()])
    }

    /// The ENI that holds this address (primary or IPv6), if any.
    pub fn eni_by_ip(&self, ip: IpAddr) -> Option<EniIdx> {
        self.enis
            .iter()
            .position(|e| e.private_ip == ip || e.ipv6_address.map(IpAddr::V6) == Some(ip))
            .map(|i| EniIdx(i as u32))
    }

    /// The ENI with this id, if any.
    pub fn eni_by_id(&self, id: &str) -> Option<EniIdx> {
        self.enis
            .iter()
            .position(|e| e.id == id)
            .map(|i| EniIdx(i as u32))
    }

    /// The ENI behind a target, when the target is an ENI.
    pub fn target_eni(&self, t: TargetIdx) -> Option<EniIdx> {
        match self.target(t).resource {
            TargetResource::NetworkInterface(e) => Some(e),
            _ => None,
        }
    }

    /// SES-14: the Region a target lives in (its resource's VPC's).
    pub fn target_region(&self, t: TargetIdx) -> &str {
        let vpc = match self.target(t).resource {
            TargetResource::NetworkInterface(e) => self.subnet(self.eni(e).subnet).vpc,
            TargetResource::NetworkLoadBalancer(n) => self.network_load_balancers[n.index()].vpc,
            TargetResource::GatewayLoadBalancerEndpoint(v) => {
                self.subnet(self.gwlb_endpoints[v.index()].subnet).vpc
            }
        };
        &self.vpc(vpc).region
    }
}
