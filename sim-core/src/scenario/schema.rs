//! The scenario file's schema: what a user writes, field for field.
//!
//! Names follow the EC2 API in snake_case; every struct denies unknown
//! fields, so a misspelt optional field is an error rather than silently
//! ignored. These types are a deliberate boundary: the engine never sees
//! them, only the [`topology::Topology`] and flows built from them
//! (`docs/scenario-format.md` documents each field).

use ipnet::IpNet;
use schemars::JsonSchema;

/// The JSON Schema of the scenario format (`sim schema`), from these types
/// and their documentation: serde's data model, which RON writes with
/// structure names (`Vpc(id: ...)`) and enum variants (`Fixed("1500B")`).
pub fn json_schema() -> schemars::Schema {
    let mut schema = schemars::schema_for!(ScenarioFile);
    schema.insert(
        "description".into(),
        "A mirrorsim scenario (RON): serde's data model of the file. RON writes a \
         structure as Name(field: value, ...), an enum variant as Variant or \
         Variant(...), a list as [...], a map as {\"key\": value}; units are strings \
         such as \"10s\", \"2.5Gbps\", \"1500B\", \"99.9%\". See docs/scenario-format.md."
            .into(),
    );
    schema
}
use serde::Deserialize;

use crate::units::{ByteSize, Duration, Rate};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename = "Scenario", deny_unknown_fields)]
pub struct ScenarioFile {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Seeds every random stream of the run (VNIs, arrivals, sizes, ports).
    #[serde(default)]
    pub seed: u64,
    /// Simulated time to run.
    pub duration: Duration,
    /// The Region of resources that name none; `us-east-1` by default.
    #[serde(default)]
    pub region: Option<String>,
    /// The accounts; by default one, `123456789012`, owns everything.
    #[serde(default)]
    pub accounts: Vec<AccountSpec>,
    #[serde(default)]
    pub vpcs: Vec<VpcSpec>,
    #[serde(default)]
    pub vpc_peering_connections: Vec<PeeringSpec>,
    #[serde(default)]
    pub transit_gateways: Vec<TransitGatewaySpec>,
    #[serde(default)]
    pub instances: Vec<InstanceSpec>,
    /// ENIs attached to no instance of the scenario: requester-managed
    /// ENIs of RDS or ElastiCache, say.
    #[serde(default)]
    pub network_interfaces: Vec<EniSpec>,
    /// RAM shares of traffic mirror targets.
    #[serde(default)]
    pub resource_shares: Vec<ResourceShareSpec>,
    #[serde(default)]
    pub network_load_balancers: Vec<NetworkLoadBalancerSpec>,
    #[serde(default)]
    pub gateway_load_balancers: Vec<GatewayLoadBalancerSpec>,
    #[serde(default)]
    pub gateway_load_balancer_endpoints: Vec<GwlbEndpointSpec>,
    #[serde(default)]
    pub traffic_mirror_targets: Vec<TargetSpec>,
    #[serde(default)]
    pub traffic_mirror_filters: Vec<FilterSpec>,
    #[serde(default)]
    pub traffic_mirror_sessions: Vec<SessionSpec>,
    #[serde(default)]
    pub traffic: Vec<TrafficSpec>,
    /// Changes at given simulated times, as API calls.
    #[serde(default)]
    pub timeline: Vec<EventSpec>,
    /// The model's assumptions, each with a documented default.
    #[serde(default)]
    pub settings: Option<SettingsSpec>,
    /// What the run must show; checked at its end (exit code 1 if not).
    #[serde(default)]
    pub expect: Vec<ExpectSpec>,
}

/// One expectation on the run's results.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub enum ExpectSpec {
    /// A number of packets in a scope.
    Count {
        #[serde(default)]
        scope: ScopeSpec,
        count: QuantitySpec,
        #[serde(default)]
        at_least: Option<u64>,
        #[serde(default)]
        at_most: Option<u64>,
    },
    /// One number of packets as a share of another (`"99.9%"`).
    Share {
        #[serde(default)]
        scope: ScopeSpec,
        count: QuantitySpec,
        of: QuantitySpec,
        #[serde(default)]
        at_least: Option<crate::units::Share>,
        #[serde(default)]
        at_most: Option<crate::units::Share>,
    },
}

#[derive(Debug, Deserialize, Default, JsonSchema)]
pub enum ScopeSpec {
    #[default]
    Scenario,
    EachSession,
    EachTarget,
    EachSource,
    Session(String),
    Target(String),
    Source(String),
}

#[derive(Debug, Deserialize, JsonSchema)]
pub enum QuantitySpec {
    Offered,
    Mirrored,
    Delivered,
    Truncated,
    Skipped,
    Dropped,
    NotMirrored,
    Reordered,
    /// A reason code of the report (`"lb_capacity"`).
    Reason(String),
}

#[derive(Debug, Deserialize, Default, JsonSchema)]
#[serde(rename = "Settings", deny_unknown_fields)]
pub struct SettingsSpec {
    #[serde(default)]
    pub latency: Option<LatencySpec>,
    /// Period of the metric series; CloudWatch's are 1min and 5min.
    #[serde(default)]
    pub metrics_period: Option<Duration>,
    /// USD per session-hour, as a decimal string (`"0.015"`).
    #[serde(default)]
    pub session_hour_price: Option<String>,
    /// How Gateway Load Balancer endpoints scale (TGT-11).
    #[serde(default)]
    pub gateway_load_balancer_endpoint: Option<ScalingSpec>,
    /// Write a pcap per appliance into the run's output directory.
    #[serde(default)]
    pub pcap: Option<bool>,
    /// Wall-clock start of captures, as time since the Unix epoch
    /// (`"1767225600s"`, 2026-01-01T00:00:00Z, by default).
    #[serde(default)]
    pub capture_epoch: Option<Duration>,
    /// BW-05: burst credits at the start: `"full"` (the default),
    /// `"empty"`, or a share such as `"25%"`.
    #[serde(default)]
    pub burst_credits: Option<String>,
    /// Prices that replace the table's (`sim-core/data/prices.txt`) for
    /// every Region, as decimal USD strings.
    #[serde(default)]
    pub prices: Option<PricesSpec>,
    /// `Full` (the default): every packet. `Sampled(window: "100ms")`: in
    /// each steady metrics period, one window packet by packet and the rest
    /// estimated from it; every count is then marked as an estimate.
    #[serde(default)]
    pub fidelity: Option<FidelitySpec>,
}

/// `settings.fidelity`.
#[derive(Debug, Deserialize, Clone, Copy, JsonSchema)]
#[serde(rename = "Fidelity", deny_unknown_fields)]
pub enum FidelitySpec {
    Full,
    Sampled {
        /// The part of each period simulated (it must divide the period);
        /// 100ms when not given.
        #[serde(default)]
        window: Option<Duration>,
    },
}

/// `settings.prices`: each as the data file names it.
#[derive(Debug, Deserialize, Default, Clone, JsonSchema)]
#[serde(rename = "Prices", deny_unknown_fields)]
pub struct PricesSpec {
    #[serde(default)]
    pub nlb_hour: Option<String>,
    #[serde(default)]
    pub nlcu_hour: Option<String>,
    #[serde(default)]
    pub gwlb_hour: Option<String>,
    #[serde(default)]
    pub glcu_hour: Option<String>,
    #[serde(default)]
    pub gwlbe_hour: Option<String>,
    #[serde(default)]
    pub gwlbe_gb: Option<String>,
    #[serde(default)]
    pub cross_az_gb: Option<String>,
    /// Instance type to USD per hour: `{"c5n.9xlarge": "1.944"}`.
    #[serde(default)]
    pub instances: std::collections::BTreeMap<String, String>,
}

impl PricesSpec {
    /// Each item the spec can set, with its text if it does.
    pub fn items(&self) -> [(crate::prices::Item, Option<&str>); 7] {
        use crate::prices::Item;
        [
            (Item::NlbHour, self.nlb_hour.as_deref()),
            (Item::NlcuHour, self.nlcu_hour.as_deref()),
            (Item::GwlbHour, self.gwlb_hour.as_deref()),
            (Item::GlcuHour, self.glcu_hour.as_deref()),
            (Item::GwlbeHour, self.gwlbe_hour.as_deref()),
            (Item::GwlbeGb, self.gwlbe_gb.as_deref()),
            (Item::CrossAzGb, self.cross_az_gb.as_deref()),
        ]
    }
}

#[derive(Debug, Deserialize, Default, Clone, Copy, JsonSchema)]
#[serde(rename = "Scaling", deny_unknown_fields)]
pub struct ScalingSpec {
    #[serde(default)]
    pub start: Option<Rate>,
    #[serde(default)]
    pub step: Option<Rate>,
    #[serde(default)]
    pub max: Option<Rate>,
    #[serde(default)]
    pub window: Option<Duration>,
    #[serde(default)]
    pub threshold_percent: Option<u8>,
}

#[derive(Debug, Deserialize, Default, Clone, Copy, JsonSchema)]
#[serde(rename = "Latency", deny_unknown_fields)]
pub struct LatencySpec {
    #[serde(default)]
    pub same_az: Option<Duration>,
    #[serde(default)]
    pub cross_az: Option<Duration>,
    #[serde(default)]
    pub peering: Option<Duration>,
    #[serde(default)]
    pub transit_gateway: Option<Duration>,
    #[serde(default)]
    pub load_balancer: Option<Duration>,
    #[serde(default)]
    pub jitter: Option<Duration>,
    #[serde(default)]
    pub load_balancer_jitter: Option<Duration>,
}

/// One change at a given simulated time.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename = "At", deny_unknown_fields)]
pub struct EventSpec {
    pub time: Duration,
    pub action: ActionSpec,
}

/// What happens, named after the EC2 API call that does it. A misspelt
/// field of an action is an error, as everywhere else.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub enum ActionSpec {
    /// SES-12: the session stops mirroring (and being charged).
    DeleteTrafficMirrorSession(String),
    /// FLT-08: refused while a session uses the filter.
    DeleteTrafficMirrorFilter(String),
    /// TGT-03: refused while a session uses the target.
    DeleteTrafficMirrorTarget(String),
    /// SES-09: deleting a source ENI deletes its sessions (and its
    /// traffic stops); SES-10: deleting a target's ENI stops mirroring
    /// to it (not mirrored: target_deleted, SES-13) until the session gets a new target.
    DeleteNetworkInterface(String),
    /// Changes a session; absent fields stay.
    ModifyTrafficMirrorSession {
        traffic_mirror_session_id: String,
        #[serde(default)]
        traffic_mirror_target_id: Option<String>,
        #[serde(default)]
        traffic_mirror_filter_id: Option<String>,
        #[serde(default)]
        packet_length: Option<u32>,
        #[serde(default)]
        virtual_network_id: Option<u32>,
    },
    /// FLT-09: a filter's rules change for every session using it.
    ReplaceTrafficMirrorFilterRules {
        traffic_mirror_filter_id: String,
        #[serde(default)]
        ingress_filter_rules: Vec<RuleSpec>,
        #[serde(default)]
        egress_filter_rules: Vec<RuleSpec>,
    },
    /// An appliance behind a load balancer goes down (`healthy: false`) or
    /// comes back; the load balancer notices after its health checks
    /// (LB-01).
    SetTargetHealth {
        load_balancer: String,
        target: String,
        healthy: bool,
    },
    /// An appliance (instance or ENI id) changes state: `Down` receives
    /// nothing, `FailsHealthCheck` still receives; load balancers notice
    /// after their health checks (LB-01).
    SetApplianceState {
        appliance: String,
        state: ApplianceStateSpec,
    },
    /// Cross-zone load balancing on or off (TGT-06).
    ModifyLoadBalancerAttributes {
        load_balancer: String,
        cross_zone: bool,
    },
    /// Enables more zones on a load balancer (TGT-07).
    SetSubnets {
        load_balancer: String,
        subnets: Vec<String>,
    },
    /// Removes a Network Load Balancer's listener (TGT-05).
    DeleteListener { load_balancer: String, port: u16 },
    /// A Network Load Balancer takes a zone's node out of DNS (TGT-08).
    RemoveNodeFromDns {
        load_balancer: String,
        availability_zone: String,
    },
    /// A flow (every flow of an entry with `count`) changes its rate.
    SetFlowRate { flow: String, rate: Rate },
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename = "Account", deny_unknown_fields)]
pub struct AccountSpec {
    /// Twelve digits.
    pub id: String,
    /// The `o-` id of its organisation, if any.
    #[serde(default)]
    pub organization: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename = "Vpc", deny_unknown_fields)]
pub struct VpcSpec {
    pub id: String,
    /// The owning account; the first account by default.
    #[serde(default)]
    pub owner: Option<String>,
    /// The scenario's Region by default.
    #[serde(default)]
    pub region: Option<String>,
    /// IPv4 and IPv6 CIDR blocks; the first IPv4 block is the primary one.
    #[schemars(with = "Vec<String>")]
    pub cidr_blocks: Vec<IpNet>,
    #[serde(default)]
    pub subnets: Vec<SubnetSpec>,
    /// Route tables; when there are none, only the local routes exist.
    #[serde(default)]
    pub route_tables: Vec<RouteTableSpec>,
    /// Network ACLs; when there are none, the default ACL allows all.
    #[serde(default)]
    pub network_acls: Vec<NetworkAclSpec>,
    #[serde(default)]
    pub security_groups: Vec<SecurityGroupSpec>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename = "RouteTable", deny_unknown_fields)]
pub struct RouteTableSpec {
    pub id: String,
    /// The VPC's main route table, used by subnets with no association.
    #[serde(default)]
    pub main: bool,
    /// Routes besides the implicit `local` ones.
    #[serde(default)]
    pub routes: Vec<RouteSpec>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename = "Route", deny_unknown_fields)]
pub struct RouteSpec {
    #[schemars(with = "String")]
    pub destination_cidr_block: IpNet,
    /// `local`, a `pcx-`, `tgw-` or `igw-` id.
    pub target: String,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq, JsonSchema)]
pub enum AclActionSpec {
    Allow,
    Deny,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename = "NetworkAcl", deny_unknown_fields)]
pub struct NetworkAclSpec {
    pub id: String,
    /// The VPC's default ACL, used by subnets with no association.
    #[serde(default)]
    pub default: bool,
    #[serde(default)]
    pub ingress_entries: Vec<AclEntrySpec>,
    #[serde(default)]
    pub egress_entries: Vec<AclEntrySpec>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename = "Entry", deny_unknown_fields)]
pub struct AclEntrySpec {
    /// 1..=32766; lowest evaluated first.
    pub rule_number: u32,
    pub rule_action: AclActionSpec,
    /// `Tcp`, `Udp`, `Icmp`, `Icmpv6` or an IANA number; absent means all.
    #[serde(default, deserialize_with = "protocol_number")]
    #[schemars(with = "Option<ProtocolField>")]
    pub protocol: Option<u8>,
    #[schemars(with = "String")]
    pub cidr_block: IpNet,
    /// TCP and UDP only.
    #[serde(default)]
    pub port_range: Option<PortRangeSpec>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename = "SecurityGroup", deny_unknown_fields)]
pub struct SecurityGroupSpec {
    pub id: String,
    #[serde(default)]
    pub description: Option<String>,
    /// SEC-01: the VPC's default group, which ENIs declared with no group
    /// join. Without one, an implicit default group admits inbound traffic
    /// only from its own members.
    #[serde(default)]
    pub default: bool,
    /// Inbound rules; traffic no rule allows is dropped.
    #[serde(default)]
    pub ingress_rules: Vec<SgRuleSpec>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename = "SgRule", deny_unknown_fields)]
pub struct SgRuleSpec {
    /// `Tcp`, `Udp`, `Icmp`, `Icmpv6` or an IANA number; absent means all.
    #[serde(default, deserialize_with = "protocol_number")]
    #[schemars(with = "Option<ProtocolField>")]
    pub protocol: Option<u8>,
    /// TCP and UDP only.
    #[serde(default)]
    pub port_range: Option<PortRangeSpec>,
    /// Exactly one of `cidr_block` and `source_security_group_id`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub cidr_block: Option<IpNet>,
    #[serde(default)]
    pub source_security_group_id: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq, Default, JsonSchema)]
pub enum PeeringStatusSpec {
    #[default]
    Active,
    PendingAcceptance,
    Rejected,
    Deleted,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename = "Peering", deny_unknown_fields)]
pub struct PeeringSpec {
    pub id: String,
    pub requester_vpc_id: String,
    pub accepter_vpc_id: String,
    /// `Active` by default.
    #[serde(default)]
    pub status: PeeringStatusSpec,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename = "TransitGateway", deny_unknown_fields)]
pub struct TransitGatewaySpec {
    pub id: String,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub attachments: Vec<TgwAttachmentSpec>,
    #[serde(default)]
    pub route_tables: Vec<TgwRouteTableSpec>,
    /// SEC-02: `SecurityGroupReferencingSupport`, off by default.
    #[serde(default)]
    pub security_group_referencing_support: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename = "Attachment", deny_unknown_fields)]
pub struct TgwAttachmentSpec {
    pub id: String,
    pub vpc_id: String,
    /// One subnet per Availability Zone the attachment serves.
    pub subnet_ids: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename = "TgwRouteTable", deny_unknown_fields)]
pub struct TgwRouteTableSpec {
    pub id: String,
    /// Attachments whose traffic this table routes.
    #[serde(default)]
    pub associations: Vec<String>,
    /// Attachments whose VPC CIDRs propagate into this table.
    #[serde(default)]
    pub propagations: Vec<String>,
    #[serde(default)]
    pub routes: Vec<TgwRouteSpec>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename = "TgwRoute", deny_unknown_fields)]
pub struct TgwRouteSpec {
    #[schemars(with = "String")]
    pub destination_cidr_block: IpNet,
    /// The attachment; absent with `blackhole: true`.
    #[serde(default)]
    pub transit_gateway_attachment_id: Option<String>,
    #[serde(default)]
    pub blackhole: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename = "ResourceShare", deny_unknown_fields)]
pub struct ResourceShareSpec {
    pub id: String,
    /// The sharing account; the first account by default.
    #[serde(default)]
    pub owner: Option<String>,
    pub traffic_mirror_target_ids: Vec<String>,
    /// Account ids or `o-` organisation ids.
    pub principals: Vec<String>,
    /// Whether the receiving accounts accepted the invitation (needed
    /// outside the owner's organisation); true by default.
    #[serde(default = "yes")]
    pub accepted: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename = "Subnet", deny_unknown_fields)]
pub struct SubnetSpec {
    pub id: String,
    pub availability_zone: String,
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub cidr_block: Option<ipnet::Ipv4Net>,
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub ipv6_cidr_block: Option<ipnet::Ipv6Net>,
    /// The associated route table; the VPC's main table by default.
    #[serde(default)]
    pub route_table: Option<String>,
    /// The associated network ACL; the VPC's default ACL by default.
    #[serde(default)]
    pub network_acl: Option<String>,
    /// Accounts the VPC owner shares the subnet with (VPC sharing).
    #[serde(default)]
    pub shared_with: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename = "Instance", deny_unknown_fields)]
pub struct InstanceSpec {
    pub id: String,
    pub instance_type: String,
    pub subnet: String,
    /// The owning account; the subnet's VPC owner by default.
    #[serde(default)]
    pub owner: Option<String>,
    /// Bandwidth and packet figures instead of the catalogue's.
    #[serde(default)]
    pub network_performance: Option<NetworkPerformanceSpec>,
    /// The cluster placement group it runs in (10 Gbps per flow, not 5).
    #[serde(default)]
    pub cluster_placement_group: Option<String>,
    /// The instance's ENIs; the first is its primary ENI (device index 0).
    pub network_interfaces: Vec<EniSpec>,
}

/// An instance's network figures, each overriding the catalogue's.
#[derive(Debug, Deserialize, Clone, Copy, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkPerformanceSpec {
    /// Sustained bandwidth, each way.
    #[serde(default)]
    pub baseline: Option<Rate>,
    /// Burst bandwidth of "up to" types; the baseline by default.
    #[serde(default)]
    pub burst: Option<Rate>,
    /// Packets per second, each way (an assumption unless measured).
    #[serde(default)]
    pub pps: Option<Rate>,
    /// How long a full credit balance lasts at the burst rate.
    #[serde(default)]
    pub burst_duration: Option<Duration>,
}

#[derive(Debug, Deserialize, Default, JsonSchema)]
#[serde(rename = "Eni", deny_unknown_fields)]
pub struct EniSpec {
    pub id: String,
    /// Only for ENIs declared on their own: the subnet (an instance's ENIs
    /// live in its subnet).
    #[serde(default)]
    pub subnet: Option<String>,
    /// Only for ENIs declared on their own: the owning account.
    #[serde(default)]
    pub owner: Option<String>,
    /// `interface` by default; `efa`, `trunk` and `branch` cannot be
    /// mirror sources.
    #[serde(default)]
    pub interface_type: Option<String>,
    /// The AWS service managing a requester-managed ENI (`rds`,
    /// `elasticache`, `elb`, ...).
    #[serde(default)]
    pub requester_managed_by: Option<String>,
    /// Security group ids; none means the twin filters nothing here.
    #[serde(default)]
    pub security_groups: Vec<String>,
    /// Primary private IP; by default the first free address of the subnet
    /// after the four AWS reserves.
    #[serde(default)]
    pub private_ip: Option<std::net::IpAddr>,
    /// An IPv6 address in the subnet's IPv6 CIDR block (dual stack).
    #[serde(default)]
    pub ipv6_address: Option<std::net::Ipv6Addr>,
    /// By default derived from the ENI id (locally administered, `02:...`).
    #[serde(default)]
    pub mac: Option<String>,
    /// Maximum IP packet size, 576..=9001; 9001 by default.
    #[serde(default)]
    pub mtu: Option<u16>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq, JsonSchema)]
pub enum ListenerProtocol {
    Tcp,
    Udp,
    TcpUdp,
    Tls,
}

#[derive(Debug, Deserialize, Clone, Copy, JsonSchema)]
#[serde(rename = "Listener", deny_unknown_fields)]
pub struct ListenerSpec {
    pub protocol: ListenerProtocol,
    pub port: u16,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename = "NetworkLoadBalancer", deny_unknown_fields)]
pub struct NetworkLoadBalancerSpec {
    /// Its ARN (or a name), as targets name it.
    pub id: String,
    #[serde(default)]
    pub owner: Option<String>,
    pub vpc_id: String,
    /// One subnet per enabled Availability Zone: a node in each.
    pub subnets: Vec<String>,
    #[serde(default)]
    pub cross_zone: bool,
    /// Mirroring needs a UDP (or TCP_UDP) listener on 4789.
    #[serde(default)]
    pub listeners: Vec<ListenerSpec>,
    /// Registered appliances: instance ids (their primary ENI) or ENI ids.
    #[serde(default)]
    pub targets: Vec<String>,
    /// LB-01: the target group's health checks (AWS's defaults when absent).
    #[serde(default)]
    pub health_check: Option<HealthCheckSpec>,
    /// Appliances that are not healthy when the run starts, and why.
    #[serde(default)]
    pub target_health: Vec<TargetHealthSpec>,
    /// N appliances of one type, spread over its subnets and registered
    /// (`scenario::fleet`).
    #[serde(default)]
    pub fleet: Option<FleetSpec>,
}

/// `fleet: Fleet(count: 4, instance_type: "c5n.xlarge")`.
#[derive(Debug, Deserialize, Clone, JsonSchema)]
#[serde(rename = "Fleet", deny_unknown_fields)]
pub struct FleetSpec {
    pub count: u32,
    pub instance_type: String,
    /// The appliances' security groups; none filter nothing.
    #[serde(default)]
    pub security_groups: Vec<String>,
    /// Each appliance's figures instead of the catalogue's (what the
    /// appliance's software keeps up with, say).
    #[serde(default)]
    pub network_performance: Option<NetworkPerformanceSpec>,
}

/// LB-01: `HealthCheckIntervalSeconds`, `HealthyThresholdCount`,
/// `UnhealthyThresholdCount`; absent fields keep AWS's defaults.
#[derive(Debug, Deserialize, Clone, Copy, JsonSchema)]
#[serde(rename = "HealthCheck", deny_unknown_fields)]
pub struct HealthCheckSpec {
    #[serde(default)]
    pub interval: Option<Duration>,
    #[serde(default)]
    pub healthy_threshold: Option<u32>,
    #[serde(default)]
    pub unhealthy_threshold: Option<u32>,
}

/// Why an appliance is or is not healthy (TGT-06 corrected).
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq, JsonSchema)]
pub enum ApplianceStateSpec {
    Healthy,
    /// Receives nothing.
    Down,
    /// Fails its health check but still receives what is sent to it.
    FailsHealthCheck,
}

/// An appliance's state when the run starts.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename = "TargetHealth", deny_unknown_fields)]
pub struct TargetHealthSpec {
    /// An instance id (its primary ENI) or an ENI id among the targets.
    pub target: String,
    pub state: ApplianceStateSpec,
}

/// LB-04: `stickiness.type` of a GENEVE target group.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq, Default, JsonSchema)]
pub enum FlowStickinessSpec {
    #[default]
    FiveTuple,
    ThreeTuple,
    TwoTuple,
}

/// LB-03: `target_failover.on_deregistration` / `on_unhealthy`.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq, Default, JsonSchema)]
pub enum TargetFailoverSpec {
    #[default]
    NoRebalance,
    Rebalance,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename = "GatewayLoadBalancer", deny_unknown_fields)]
pub struct GatewayLoadBalancerSpec {
    pub id: String,
    #[serde(default)]
    pub owner: Option<String>,
    pub vpc_id: String,
    pub subnets: Vec<String>,
    #[serde(default)]
    pub cross_zone: bool,
    #[serde(default)]
    pub targets: Vec<String>,
    #[serde(default)]
    pub health_check: Option<HealthCheckSpec>,
    #[serde(default)]
    pub target_health: Vec<TargetHealthSpec>,
    /// LB-04: five-tuple by default.
    #[serde(default)]
    pub flow_stickiness: FlowStickinessSpec,
    /// LB-03: `NoRebalance` by default.
    #[serde(default)]
    pub target_failover: TargetFailoverSpec,
    /// As a Network Load Balancer's.
    #[serde(default)]
    pub fleet: Option<FleetSpec>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename = "GatewayLoadBalancerEndpoint", deny_unknown_fields)]
pub struct GwlbEndpointSpec {
    /// `vpce-` id.
    pub id: String,
    #[serde(default)]
    pub owner: Option<String>,
    pub subnet_id: String,
    /// The Gateway Load Balancer's ARN, or its name when no other has it.
    pub gateway_load_balancer: String,
    /// Its address; the first free one of the subnet by default.
    #[serde(default)]
    pub private_ip: Option<std::net::IpAddr>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename = "Target", deny_unknown_fields)]
pub struct TargetSpec {
    pub id: String,
    /// The owning account; the resource's owner by default.
    #[serde(default)]
    pub owner: Option<String>,
    /// Exactly one of the three: the appliance's ENI...
    #[serde(default)]
    pub network_interface_id: Option<String>,
    /// ... a Network Load Balancer (its ARN, or its name when no other
    /// load balancer has it) ...
    #[serde(default)]
    pub network_load_balancer_arn: Option<String>,
    /// ... or a Gateway Load Balancer endpoint.
    #[serde(default)]
    pub gateway_load_balancer_endpoint_id: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename = "Filter", deny_unknown_fields)]
pub struct FilterSpec {
    pub id: String,
    /// The owning account; the first account by default.
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// `["amazon-dns"]` or empty.
    #[serde(default)]
    pub network_services: Vec<NetworkService>,
    #[serde(default)]
    pub ingress_filter_rules: Vec<RuleSpec>,
    #[serde(default)]
    pub egress_filter_rules: Vec<RuleSpec>,
}

/// `TrafficMirrorNetworkService`, written as the API spells it.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq, JsonSchema)]
#[serde(try_from = "String")]
pub enum NetworkService {
    AmazonDns,
}

impl TryFrom<String> for NetworkService {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        match s.as_str() {
            "amazon-dns" => Ok(NetworkService::AmazonDns),
            _ => Err(format!(
                "`{s}` is not a traffic mirror network service: the only one is \"amazon-dns\""
            )),
        }
    }
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq, JsonSchema)]
pub enum RuleActionSpec {
    Accept,
    Reject,
}

#[derive(Debug, Deserialize, Clone, Copy, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PortRangeSpec {
    pub from_port: u16,
    pub to_port: u16,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename = "Rule", deny_unknown_fields)]
pub struct RuleSpec {
    /// `tmfr-` id; generated from the filter id when absent.
    #[serde(default)]
    pub id: Option<String>,
    pub rule_number: u32,
    pub rule_action: RuleActionSpec,
    /// `Tcp`, `Udp`, `Icmp`, `Icmpv6` or an IANA number; absent means all
    /// protocols.
    #[serde(default, deserialize_with = "protocol_number")]
    #[schemars(with = "Option<ProtocolField>")]
    pub protocol: Option<u8>,
    #[serde(default)]
    pub source_port_range: Option<PortRangeSpec>,
    #[serde(default)]
    pub destination_port_range: Option<PortRangeSpec>,
    #[schemars(with = "String")]
    pub source_cidr_block: IpNet,
    #[schemars(with = "String")]
    pub destination_cidr_block: IpNet,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename = "Session", deny_unknown_fields)]
pub struct SessionSpec {
    pub id: String,
    /// The account creating the session; the source ENI's owner by default.
    #[serde(default)]
    pub owner: Option<String>,
    /// The source ENI.
    pub network_interface_id: String,
    pub traffic_mirror_target_id: String,
    pub traffic_mirror_filter_id: String,
    pub session_number: u32,
    /// 0..=16777215; drawn from the seed when absent (SES-04).
    #[serde(default)]
    pub virtual_network_id: Option<u32>,
    /// 1..=8500 bytes of the inner frame; absent mirrors whole packets.
    #[serde(default)]
    pub packet_length: Option<u32>,
    #[serde(default)]
    pub description: Option<String>,
}

/// A rule's protocol as written: a name, as traffic writes it, or an IANA
/// number (the API's `Protocol`).
#[derive(Deserialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "a protocol: Tcp, Udp, Icmp, Icmpv6, or an IANA number from 0 to 255 (6 is TCP)"
)]
enum ProtocolField {
    Number(u8),
    Name(ProtocolName),
}

#[derive(Deserialize, JsonSchema)]
enum ProtocolName {
    Tcp,
    Udp,
    Icmp,
    Icmpv6,
}

/// A rule's protocol number, from a name or a number.
fn protocol_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u8>, D::Error> {
    Ok(Option::<ProtocolField>::deserialize(d)?.map(|p| match p {
        ProtocolField::Number(n) => n,
        ProtocolField::Name(ProtocolName::Tcp) => 6,
        ProtocolField::Name(ProtocolName::Udp) => 17,
        ProtocolField::Name(ProtocolName::Icmp) => 1,
        ProtocolField::Name(ProtocolName::Icmpv6) => 58,
    }))
}

/// The protocol of a flow.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq, JsonSchema)]
pub enum ProtocolSpec {
    Tcp,
    Udp,
    Icmp,
    Icmpv6,
    /// Address resolution: not IP; never mirrored.
    Arp,
    /// Any other IP protocol, by IANA number (47 GRE, 50 ESP, ...).
    Ip(u8),
}

/// Packet sizes: the IP packet's length, header included.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq, JsonSchema)]
pub enum SizeSpec {
    Fixed(ByteSize),
    /// Uniform over the inclusive range.
    Uniform(ByteSize, ByteSize),
    /// Simple IMIX: 40, 576 and 1500 bytes in the ratio 7:4:1.
    Imix,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq, Default, JsonSchema)]
pub enum ArrivalsSpec {
    /// Evenly spaced packets at exactly the rate.
    #[default]
    Constant,
    /// Exponential gaps with the rate as mean (a Poisson process).
    Poisson,
}

/// One direction of a connection.
#[derive(Debug, Deserialize, Clone, Copy, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StreamSpec {
    pub rate: Rate,
    pub size: SizeSpec,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub enum TrafficSpec {
    Flow(FlowSpec),
    Connection(ConnectionSpec),
    Replay(ReplaySpec),
    FlowLogs(FlowLogsSpec),
}

/// VPC Flow Logs records as traffic (`scenario::flow_logs`): each record a
/// one-way flow at the ENI that logged it.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FlowLogsSpec {
    #[serde(default)]
    pub name: Option<String>,
    /// A flow log file, relative to the scenario file: the default
    /// version-2 format, or a custom one whose first line names the fields
    /// (as delivered to S3); plain or gzip.
    pub file: String,
}

/// A capture taken at an ENI, replayed through the pipeline at its
/// recorded times.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplaySpec {
    #[serde(default)]
    pub name: Option<String>,
    /// A classic pcap (Ethernet), relative to the scenario file.
    pub file: String,
    /// The ENI it was taken at: a frame to its MAC or IP arrived there
    /// (ingress), one from it left (egress).
    pub eni: String,
    /// Replays this many times faster (1 by default).
    #[serde(default)]
    pub speed: Option<u32>,
    /// Plays the capture this many times in a row (1 by default).
    #[serde(default)]
    pub loops: Option<u32>,
    /// When the capture's first frame plays.
    #[serde(default)]
    pub start: Option<Duration>,
}

/// One-way traffic from `from` to `to`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FlowSpec {
    #[serde(default)]
    pub name: Option<String>,
    /// An ENI id, an IP address, a CIDR block (each flow draws an address)
    /// or a service name (`amazon-dns`, `instance-metadata`, `time-sync`).
    pub from: String,
    pub to: String,
    pub protocol: ProtocolSpec,
    /// Drawn from the ephemeral range 49152..=65535 when absent.
    #[serde(default)]
    pub source_port: Option<u16>,
    #[serde(default)]
    pub destination_port: Option<u16>,
    pub rate: Rate,
    pub size: SizeSpec,
    #[serde(default)]
    pub arrivals: ArrivalsSpec,
    #[serde(default)]
    pub start: Option<Duration>,
    /// Until the end of the run when absent.
    #[serde(default)]
    pub duration: Option<Duration>,
    /// How many such flows, each with its own source port (and address,
    /// when `from` is a CIDR block) and the full rate each.
    #[serde(default)]
    pub count: Option<u32>,
}

/// Two-way traffic: a client's requests and the server's responses, each
/// at its own rate.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectionSpec {
    #[serde(default)]
    pub name: Option<String>,
    pub client: String,
    pub server: String,
    pub protocol: ProtocolSpec,
    #[serde(default)]
    pub client_port: Option<u16>,
    #[serde(default)]
    pub server_port: Option<u16>,
    pub request: StreamSpec,
    pub response: StreamSpec,
    #[serde(default)]
    pub arrivals: ArrivalsSpec,
    #[serde(default)]
    pub start: Option<Duration>,
    #[serde(default)]
    pub duration: Option<Duration>,
    /// How many such connections.
    #[serde(default)]
    pub count: Option<u32>,
}
