//! `sim import aws` against the topologies it should reproduce: a topology
//! written as the AWS CLI's describe outputs (a test helper, `describe`:
//! EC2, elbv2, RAM and Organizations, in `ACCOUNT/REGION/` folders when
//! there is more than one account or Region), imported, and compared with
//! the original: accounts and organisations, VPCs, subnets, routing,
//! transit gateways, ENIs, security groups, load balancers and their
//! attributes, endpoints, RAM shares and the mirror configuration.
//!
//! - every shipped scenario;
//! - generated designs (proptest): one or two accounts, peered VPCs,
//!   ACLs, group and CIDR rules, NLB targets, shares accepted or not.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError};
use serde_json::{Value, json};
use topology::network::SgSource;
use topology::{TargetResource, Topology};

use crate::common::*;

/// Where the describe outputs of a snapshot go: one file per call and
/// account, in `ACCOUNT/REGION/` folders when the topology has more than
/// one account or Region (flat otherwise, as a one-account snapshot may be).
pub(crate) struct Snapshot {
    folders: bool,
    pub(crate) files: std::collections::BTreeMap<String, Value>,
}

impl Snapshot {
    /// Appends `item` to the `key` list of `file` in `account`'s folder.
    fn put(&mut self, account: &str, region: &str, file: &str, key: &str, item: Value) {
        let path = if self.folders {
            format!("{account}/{region}/{file}")
        } else {
            file.to_string()
        };
        let doc = self.files.entry(path).or_insert_with(|| json!({ key: [] }));
        doc[key].as_array_mut().unwrap().push(item);
    }

    pub(crate) fn write(&self, dir: &std::path::Path) {
        for (path, v) in &self.files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, serde_json::to_string_pretty(v).unwrap()).unwrap();
        }
    }
}

fn protocol(p: Option<u8>) -> String {
    p.map_or("-1".to_string(), |p| p.to_string())
}

/// The topology as the AWS CLI's describe outputs (EC2, elbv2, RAM and
/// Organizations), each in its owner's folder; a peering connection
/// between two accounts is listed by both, as AWS does.
pub(crate) fn describe(t: &Topology) -> Snapshot {
    let account = |a: topology::AccountIdx| t.accounts[a.index()].id.clone();
    let regions: std::collections::BTreeSet<&str> =
        t.vpcs.iter().map(|v| v.region.as_str()).collect();
    let mut snap = Snapshot {
        folders: t.accounts.len() > 1 || regions.len() > 1,
        files: Default::default(),
    };
    let home = t
        .vpcs
        .first()
        .map_or("us-east-1", |v| v.region.as_str())
        .to_string();
    let vpc_home = |v: topology::VpcIdx| (account(t.vpc(v).owner), t.vpc(v).region.clone());
    for a in &t.accounts {
        if let Some(o) = &a.organization {
            snap.files.insert(
                if snap.folders {
                    format!("{}/{home}/organization.json", a.id)
                } else {
                    "organization.json".into()
                },
                json!({ "Organization": { "Id": o, "Arn": format!("arn:aws:organizations::{}:organization/{o}", a.id) } }),
            );
        }
    }
    for v in &t.vpcs {
        let cidrs: Vec<Value> = v
            .cidr_blocks
            .iter()
            .filter(|c| c.addr().is_ipv4())
            .map(|c| json!({ "CidrBlock": c.to_string(), "CidrBlockState": { "State": "associated" } }))
            .collect();
        let v6: Vec<Value> = v
            .cidr_blocks
            .iter()
            .filter(|c| c.addr().is_ipv6())
            .map(|c| json!({ "Ipv6CidrBlock": c.to_string(), "Ipv6CidrBlockState": { "State": "associated" } }))
            .collect();
        snap.put(
            &account(v.owner),
            &v.region,
            "vpcs.json",
            "Vpcs",
            json!({ "VpcId": v.id, "OwnerId": account(v.owner), "State": "available",
                    "CidrBlockAssociationSet": cidrs, "Ipv6CidrBlockAssociationSet": v6 }),
        );
    }
    for s in &t.subnets {
        let (a, r) = vpc_home(s.vpc);
        let mut v = json!({ "SubnetId": s.id, "VpcId": t.vpc(s.vpc).id, "AvailabilityZone": s.availability_zone,
                            "OwnerId": a, "State": "available" });
        if let Some(c) = s.cidr_block {
            v["CidrBlock"] = c.to_string().into();
        }
        if let Some(c) = s.ipv6_cidr_block {
            v["Ipv6CidrBlockAssociationSet"] = json!([{ "Ipv6CidrBlock": c.to_string(), "Ipv6CidrBlockState": { "State": "associated" } }]);
        }
        snap.put(&a, &r, "subnets.json", "Subnets", v);
    }
    for (k, rt) in t.route_tables.iter().enumerate() {
        let (a, r) = vpc_home(rt.vpc);
        let mut associations = Vec::new();
        if rt.main {
            associations.push(json!({ "Main": true, "RouteTableId": rt.id }));
        }
        for s in t
            .subnets
            .iter()
            .filter(|s| s.route_table.is_some_and(|x| x.index() == k))
        {
            if !rt.main {
                associations
                    .push(json!({ "Main": false, "RouteTableId": rt.id, "SubnetId": s.id }));
            }
        }
        let routes: Vec<Value> = rt
            .routes
            .iter()
            .map(|route| {
                let mut v = json!({ "DestinationCidrBlock": route.destination_cidr_block.to_string(), "State": "active" });
                match &route.target {
                    topology::network::RouteTarget::Local => v["GatewayId"] = "local".into(),
                    topology::network::RouteTarget::InternetGateway(g) => v["GatewayId"] = g.clone().into(),
                    topology::network::RouteTarget::Peering(_) => v["VpcPeeringConnectionId"] = route.target_id.clone().into(),
                    topology::network::RouteTarget::TransitGateway(_) => v["TransitGatewayId"] = route.target_id.clone().into(),
                }
                v
            })
            .collect();
        snap.put(&a, &r, "route-tables.json", "RouteTables",
            json!({ "RouteTableId": rt.id, "VpcId": t.vpc(rt.vpc).id, "OwnerId": a, "Associations": associations, "Routes": routes }));
    }
    for (k, acl) in t.network_acls.iter().enumerate() {
        let (a, r) = vpc_home(acl.vpc);
        let entry = |e: &topology::network::AclEntry, egress: bool| {
            let mut v = json!({ "RuleNumber": e.rule_number, "Protocol": protocol(e.protocol), "Egress": egress,
                "RuleAction": if e.rule_action == topology::network::AclAction::Allow { "allow" } else { "deny" } });
            if e.cidr_block.addr().is_ipv4() {
                v["CidrBlock"] = e.cidr_block.to_string().into();
            } else {
                v["Ipv6CidrBlock"] = e.cidr_block.to_string().into();
            }
            if let Some(p) = e.port_range {
                v["PortRange"] = json!({ "From": p.from_port, "To": p.to_port });
            }
            v
        };
        let mut entries: Vec<Value> = acl
            .ingress_entries
            .iter()
            .map(|e| entry(e, false))
            .collect();
        entries.extend(acl.egress_entries.iter().map(|e| entry(e, true)));
        // The implicit deny every ACL ends in, as AWS lists it.
        for egress in [false, true] {
            entries.push(json!({ "RuleNumber": 32767, "Protocol": "-1", "RuleAction": "deny", "Egress": egress, "CidrBlock": "0.0.0.0/0" }));
        }
        let associations: Vec<Value> = t
            .subnets
            .iter()
            .filter(|s| s.network_acl.is_some_and(|x| x.index() == k))
            .map(|s| json!({ "NetworkAclId": acl.id, "SubnetId": s.id }))
            .collect();
        snap.put(&a, &r, "network-acls.json", "NetworkAcls",
            json!({ "NetworkAclId": acl.id, "VpcId": t.vpc(acl.vpc).id, "OwnerId": a, "IsDefault": false,
                    "Entries": entries, "Associations": associations }));
    }
    for g in t
        .security_groups
        .iter()
        .filter(|g| !g.id.starts_with("default ("))
    {
        let (a, r) = vpc_home(g.vpc);
        let permissions: Vec<Value> = g
            .ingress_rules
            .iter()
            .map(|rule| {
                let mut p = json!({ "IpProtocol": protocol(rule.protocol), "IpRanges": [], "Ipv6Ranges": [], "UserIdGroupPairs": [] });
                if let Some(range) = rule.port_range {
                    p["FromPort"] = range.from_port.into();
                    p["ToPort"] = range.to_port.into();
                }
                match &rule.source {
                    SgSource::Cidr(c) if c.addr().is_ipv4() => p["IpRanges"] = json!([{ "CidrIp": c.to_string() }]),
                    SgSource::Cidr(c) => p["Ipv6Ranges"] = json!([{ "CidrIpv6": c.to_string() }]),
                    SgSource::Group(s) => {
                        p["UserIdGroupPairs"] = json!([{ "GroupId": t.security_groups[s.index()].id }])
                    }
                }
                p
            })
            .collect();
        snap.put(&a, &r, "security-groups.json", "SecurityGroups",
            json!({ "GroupId": g.id, "VpcId": t.vpc(g.vpc).id, "OwnerId": a, "IpPermissions": permissions }));
    }
    for p in &t.peering_connections {
        let info = |v: topology::VpcIdx| json!({ "VpcId": t.vpc(v).id, "OwnerId": account(t.vpc(v).owner), "Region": t.vpc(v).region });
        let item = json!({ "VpcPeeringConnectionId": p.id, "RequesterVpcInfo": info(p.requester_vpc),
                           "AccepterVpcInfo": info(p.accepter_vpc), "Status": { "Code": p.status.as_str() } });
        let (a, r) = vpc_home(p.requester_vpc);
        snap.put(
            &a,
            &r,
            "peering.json",
            "VpcPeeringConnections",
            item.clone(),
        );
        let (b, rb) = vpc_home(p.accepter_vpc);
        if b != a {
            snap.put(&b, &rb, "peering.json", "VpcPeeringConnections", item);
        }
    }
    for g in &t.transit_gateways {
        let a = account(g.owner);
        let mut v = json!({ "TransitGatewayId": g.id, "OwnerId": a, "State": "available" });
        if g.security_group_referencing {
            v["Options"] = json!({ "SecurityGroupReferencingSupport": "enable" });
        }
        snap.put(&a, &g.region, "transit-gateways.json", "TransitGateways", v);
        for x in &g.attachments {
            let subnets: Vec<&str> = x.subnets.iter().map(|s| t.subnet(*s).id.as_str()).collect();
            snap.put(&a, &g.region, "tgw-vpc-attachments.json", "TransitGatewayVpcAttachments",
                json!({ "TransitGatewayAttachmentId": x.id, "TransitGatewayId": g.id, "VpcId": t.vpc(x.vpc).id,
                        "VpcOwnerId": account(t.vpc(x.vpc).owner), "State": "available", "SubnetIds": subnets }));
        }
        for (k, x) in g.attachments.iter().enumerate() {
            let mut v = json!({ "TransitGatewayAttachmentId": x.id, "TransitGatewayId": g.id, "ResourceType": "vpc",
                                "ResourceId": t.vpc(x.vpc).id, "State": "available" });
            if let Some(rt) = g
                .route_tables
                .iter()
                .find(|rt| rt.associations.contains(&k))
            {
                v["Association"] =
                    json!({ "TransitGatewayRouteTableId": rt.id, "State": "associated" });
            }
            snap.put(
                &a,
                &g.region,
                "tgw-attachments.json",
                "TransitGatewayAttachments",
                v,
            );
        }
        for rt in &g.route_tables {
            snap.put(&a, &g.region, "tgw-route-tables.json", "TransitGatewayRouteTables",
                json!({ "TransitGatewayRouteTableId": rt.id, "TransitGatewayId": g.id, "State": "available" }));
            let mut propagating: Vec<usize> = rt
                .routes
                .iter()
                .filter(|r| r.propagated)
                .filter_map(|r| r.attachment)
                .collect();
            propagating.sort();
            propagating.dedup();
            for k in propagating {
                snap.put(&a, &g.region, &format!("propagations-{}.json", rt.id), "TransitGatewayRouteTablePropagations",
                    json!({ "TransitGatewayAttachmentId": g.attachments[k].id, "ResourceType": "vpc", "State": "enabled" }));
            }
            let routes: Vec<Value> = rt
                .routes
                .iter()
                .filter(|r| !r.propagated)
                .map(|r| match r.attachment {
                    Some(k) => json!({ "DestinationCidrBlock": r.destination_cidr_block.to_string(), "Type": "static", "State": "active",
                                       "TransitGatewayAttachments": [{ "TransitGatewayAttachmentId": g.attachments[k].id, "ResourceType": "vpc" }] }),
                    None => json!({ "DestinationCidrBlock": r.destination_cidr_block.to_string(), "Type": "static", "State": "blackhole" }),
                })
                .collect();
            snap.files.insert(
                if snap.folders {
                    format!("{a}/{}/routes-{}.json", g.region, rt.id)
                } else {
                    format!("routes-{}.json", rt.id)
                },
                json!({ "Routes": routes, "AdditionalRoutesAvailable": false }),
            );
        }
    }
    // An ENI the scenario gives no group (SEC-01: its VPC's default group,
    // which the scenario does not declare) is listed with none, and that
    // group not at all: the scenario said nothing of them.
    let eni = |e: &topology::Eni, index: usize| {
        let groups: Vec<Value> = e
            .security_groups
            .iter()
            .filter(|_| !e.implicit_default_group)
            .map(|g| json!({ "GroupId": t.security_groups[g.index()].id }))
            .collect();
        json!({ "NetworkInterfaceId": e.id, "SubnetId": t.subnet(e.subnet).id, "OwnerId": account(e.owner),
                "PrivateIpAddress": e.private_ip.to_string(), "Groups": groups,
                "InterfaceType": "interface", "Attachment": { "DeviceIndex": index } })
    };
    for (i, inst) in t.instances.iter().enumerate() {
        let nics: Vec<Value> = t
            .enis
            .iter()
            .filter(|e| e.instance.is_some_and(|x| x.index() == i))
            .enumerate()
            .map(|(k, e)| eni(e, k))
            .collect();
        let r = t.vpc(t.subnet(inst.subnet).vpc).region.clone();
        snap.put(&account(inst.owner), &r, "instances.json", "Reservations",
            json!({ "Instances": [{ "InstanceId": inst.id, "InstanceType": inst.instance_type,
                                    "SubnetId": t.subnet(inst.subnet).id, "NetworkInterfaces": nics }] }));
    }
    for e in t
        .enis
        .iter()
        .filter(|e| e.instance.is_none() && e.requester_managed_by.is_none())
    {
        let mut v = eni(e, 0);
        v.as_object_mut().unwrap().remove("Attachment");
        let r = t.vpc(t.subnet(e.subnet).vpc).region.clone();
        snap.put(&account(e.owner), &r, "enis.json", "NetworkInterfaces", v);
    }
    let member = |e: &topology::EniIdx| {
        t.instance_of(*e)
            .map_or_else(|| t.eni(*e).id.clone(), |i| i.id.clone())
    };
    let balancers = t
        .network_load_balancers
        .iter()
        .map(|n| {
            (
                &n.id,
                n.owner,
                n.vpc,
                &n.nodes,
                n.cross_zone,
                &n.targets,
                "network",
                n.udp_4789_listener,
            )
        })
        .chain(t.gateway_load_balancers.iter().map(|g| {
            (
                &g.id,
                g.owner,
                g.vpc,
                &g.nodes,
                g.cross_zone,
                &g.targets,
                "gateway",
                false,
            )
        }));
    for (k, (arn, owner, vpc, nodes, cross_zone, targets, kind, udp)) in balancers.enumerate() {
        let (a, r) = (account(owner), t.vpc(vpc).region.clone());
        let name = topology::short_name(arn);
        let zones: Vec<Value> = nodes
            .iter()
            .map(|x| json!({ "SubnetId": t.subnet(x.subnet).id, "ZoneName": x.availability_zone }))
            .collect();
        snap.put(&a, &r, "load-balancers.json", "LoadBalancers",
            json!({ "LoadBalancerArn": arn, "LoadBalancerName": name, "Type": kind, "VpcId": t.vpc(vpc).id, "AvailabilityZones": zones }));
        if udp {
            snap.put(
                &a,
                &r,
                "listeners.json",
                "Listeners",
                json!({ "LoadBalancerArn": arn, "Port": 4789, "Protocol": "UDP" }),
            );
        }
        let tg = format!("{name}-tg");
        let mut group = json!({ "TargetGroupArn": format!("{arn}/tg"), "TargetGroupName": tg, "TargetType": "instance", "LoadBalancerArns": [arn] });
        let (check, failover) = match kind {
            "gateway" => {
                let g = &t.gateway_load_balancers[k - t.network_load_balancers.len()];
                (g.health_check, Some((g.failover, g.stickiness)))
            }
            _ => (t.network_load_balancers[k].health_check, None),
        };
        group["HealthCheckIntervalSeconds"] = (check.interval_ns / 1_000_000_000).into();
        group["HealthyThresholdCount"] = check.healthy_threshold.into();
        group["UnhealthyThresholdCount"] = check.unhealthy_threshold.into();
        snap.put(&a, &r, "target-groups.json", "TargetGroups", group);
        for e in targets.iter() {
            snap.put(
                &a,
                &r,
                &format!("health-{tg}.json"),
                "TargetHealthDescriptions",
                json!({ "Target": { "Id": member(e) }, "TargetHealth": { "State": "healthy" } }),
            );
        }
        if targets.is_empty() {
            snap.files.insert(
                if snap.folders {
                    format!("{a}/{r}/health-{tg}.json")
                } else {
                    format!("health-{tg}.json")
                },
                json!({ "TargetHealthDescriptions": [] }),
            );
        }
        snap.put(
            &a,
            &r,
            &format!("{name}-attributes.json"),
            "Attributes",
            json!({ "Key": "load_balancing.cross_zone.enabled", "Value": cross_zone.to_string() }),
        );
        if let Some((failover, stickiness)) = failover {
            let value = if failover == topology::model::TargetFailover::Rebalance {
                "rebalance"
            } else {
                "no_rebalance"
            };
            for key in [
                "target_failover.on_deregistration",
                "target_failover.on_unhealthy",
            ] {
                snap.put(
                    &a,
                    &r,
                    &format!("{tg}-attributes.json"),
                    "Attributes",
                    json!({ "Key": key, "Value": value }),
                );
            }
            let sticky = match stickiness {
                topology::model::FlowStickiness::FiveTuple => None,
                topology::model::FlowStickiness::ThreeTuple => Some("source_ip_dest_ip_proto"),
                topology::model::FlowStickiness::TwoTuple => Some("source_ip_dest_ip"),
            };
            snap.put(
                &a,
                &r,
                &format!("{tg}-attributes.json"),
                "Attributes",
                json!({ "Key": "stickiness.enabled", "Value": sticky.is_some().to_string() }),
            );
            if let Some(ty) = sticky {
                snap.put(
                    &a,
                    &r,
                    &format!("{tg}-attributes.json"),
                    "Attributes",
                    json!({ "Key": "stickiness.type", "Value": ty }),
                );
            }
            snap.put(&a, &r, "services.json", "ServiceConfigurations",
                json!({ "ServiceName": format!("com.amazonaws.vpce.{r}.vpce-svc-{name}"), "GatewayLoadBalancerArns": [arn] }));
        }
    }
    for v in &t.gwlb_endpoints {
        let g = &t.gateway_load_balancers[v.gateway_load_balancer.index()];
        let r = t.vpc(t.subnet(v.subnet).vpc).region.clone();
        snap.put(&account(v.owner), &r, "endpoints.json", "VpcEndpoints",
            json!({ "VpcEndpointId": v.id, "VpcEndpointType": "GatewayLoadBalancer",
                    "VpcId": t.vpc(t.subnet(v.subnet).vpc).id,
                    "ServiceName": format!("com.amazonaws.vpce.{r}.vpce-svc-{}", topology::short_name(&g.id)),
                    "SubnetIds": [t.subnet(v.subnet).id] }));
    }
    for x in &t.targets {
        let mut v = json!({ "TrafficMirrorTargetId": x.id, "OwnerId": account(x.owner), "Type": "network-interface" });
        if let Some(d) = &x.description {
            v["Description"] = d.clone().into();
        }
        match x.resource {
            TargetResource::NetworkInterface(e) => {
                v["NetworkInterfaceId"] = t.eni(e).id.clone().into()
            }
            TargetResource::NetworkLoadBalancer(n) => {
                v["NetworkLoadBalancerArn"] = t.network_load_balancers[n.index()].id.clone().into()
            }
            TargetResource::GatewayLoadBalancerEndpoint(e) => {
                v["GatewayLoadBalancerEndpointId"] = t.gwlb_endpoints[e.index()].id.clone().into()
            }
        }
        snap.put(
            &account(x.owner),
            &home,
            "targets.json",
            "TrafficMirrorTargets",
            v,
        );
    }
    let rule = |r: &topology::FilterRule| {
        let mut v = json!({ "RuleNumber": r.rule_number, "RuleAction": r.rule_action.as_str(),
                            "SourceCidrBlock": r.source_cidr_block.to_string(),
                            "DestinationCidrBlock": r.destination_cidr_block.to_string() });
        if let Some(p) = r.protocol {
            v["Protocol"] = p.into();
        }
        if let Some(d) = &r.description {
            v["Description"] = d.clone().into();
        }
        for (key, range) in [
            ("SourcePortRange", r.source_port_range),
            ("DestinationPortRange", r.destination_port_range),
        ] {
            if let Some(range) = range {
                v[key] = json!({ "FromPort": range.from_port, "ToPort": range.to_port });
            }
        }
        v
    };
    for f in &t.filters {
        snap.put(&account(f.owner), &home, "filters.json", "TrafficMirrorFilters",
            json!({ "TrafficMirrorFilterId": f.id,
                    "IngressFilterRules": f.ingress_filter_rules.iter().map(rule).collect::<Vec<_>>(),
                    "EgressFilterRules": f.egress_filter_rules.iter().map(rule).collect::<Vec<_>>(),
                    "NetworkServices": if f.amazon_dns { json!(["amazon-dns"]) } else { json!([]) } }));
    }
    for s in &t.sessions {
        snap.put(&account(s.owner), &home, "sessions.json", "TrafficMirrorSessions",
            json!({ "TrafficMirrorSessionId": s.id, "OwnerId": account(s.owner),
                    "NetworkInterfaceId": t.eni(s.source).id, "TrafficMirrorTargetId": t.target(s.target).id,
                    "TrafficMirrorFilterId": t.filters[s.filter.index()].id, "SessionNumber": s.session_number,
                    "VirtualNetworkId": s.virtual_network_id, "PacketLength": s.packet_length }));
    }
    // RAM: each share's resources and principals, as its owner's
    // get-resource-share-associations lists them; a subnet shared with
    // accounts (VPC sharing) is a share of its own.
    let share_arn =
        |owner: &str, id: &str| format!("arn:aws:ram:{home}:{owner}:resource-share/{id}");
    for sh in &t.resource_shares {
        let owner = account(sh.owner);
        let arn = share_arn(&owner, &sh.id);
        let org = t.accounts[sh.owner.index()].organization.clone();
        for x in &sh.targets {
            snap.put(&owner, &home, "ram-associations.json", "resourceShareAssociations",
                json!({ "resourceShareArn": arn, "resourceShareName": sh.id, "associationType": "RESOURCE", "status": "ASSOCIATED",
                        "associatedEntity": format!("arn:aws:ec2:{home}:{owner}:traffic-mirror-target/{}", t.target(*x).id) }));
        }
        for p in &sh.principals {
            let (entity, external) = match p {
                topology::Principal::Account(a) => (
                    account(*a),
                    org.is_none() || t.accounts[a.index()].organization != org,
                ),
                topology::Principal::Organization(o) => (
                    format!("arn:aws:organizations::{owner}:organization/{o}"),
                    false,
                ),
            };
            let status = if external && !sh.accepted {
                "ASSOCIATING"
            } else {
                "ASSOCIATED"
            };
            snap.put(&owner, &home, "ram-associations.json", "resourceShareAssociations",
                json!({ "resourceShareArn": arn, "resourceShareName": sh.id, "associationType": "PRINCIPAL",
                        "status": status, "external": external, "associatedEntity": entity }));
        }
    }
    for s in t.subnets.iter().filter(|s| !s.shared_with.is_empty()) {
        let owner = account(t.vpc(s.vpc).owner);
        let arn = share_arn(&owner, &format!("share-{}", s.id));
        snap.put(
            &owner,
            &home,
            "ram-associations.json",
            "resourceShareAssociations",
            json!({ "resourceShareArn": arn, "associationType": "RESOURCE", "status": "ASSOCIATED",
                    "associatedEntity": format!("arn:aws:ec2:{home}:{owner}:subnet/{}", s.id) }),
        );
        for a in &s.shared_with {
            snap.put(&owner, &home, "ram-associations.json", "resourceShareAssociations",
                json!({ "resourceShareArn": arn, "associationType": "PRINCIPAL", "status": "ASSOCIATED",
                        "external": false, "associatedEntity": account(*a) }));
        }
    }
    snap
}

/// The id of what a target points at: an ENI, an NLB, an endpoint.
fn resource_of(t: &Topology, x: &topology::TrafficMirrorTarget) -> String {
    match x.resource {
        TargetResource::NetworkInterface(e) => t.eni(e).id.clone(),
        TargetResource::NetworkLoadBalancer(n) => t.network_load_balancers[n.index()].id.clone(),
        TargetResource::GatewayLoadBalancerEndpoint(e) => t.gwlb_endpoints[e.index()].id.clone(),
    }
}

/// What the import must keep: ids and the fields that decide mirroring.
fn fingerprint(t: &Topology) -> Vec<String> {
    let mut out = Vec::new();
    let account = |a: topology::AccountIdx| t.accounts[a.index()].id.clone();
    for a in &t.accounts {
        out.push(format!("account {} {:?}", a.id, a.organization));
    }
    for v in &t.vpcs {
        out.push(format!(
            "vpc {} of {} in {} {:?}",
            v.id,
            account(v.owner),
            v.region,
            v.cidr_blocks
        ));
    }
    for s in &t.subnets {
        let shared: Vec<String> = s.shared_with.iter().map(|a| account(*a)).collect();
        out.push(format!(
            "subnet {} {} {:?} in {} routes {:?} acl {:?} shared {shared:?}",
            s.id,
            s.availability_zone,
            s.cidr_block,
            t.vpc(s.vpc).id,
            s.route_table.map(|r| &t.route_tables[r.index()].id),
            s.network_acl.map(|a| &t.network_acls[a.index()].id),
        ));
    }
    for r in &t.route_tables {
        let routes: Vec<String> = r
            .routes
            .iter()
            .map(|x| format!("{}>{}", x.destination_cidr_block, x.target_id))
            .collect();
        out.push(format!("rtb {} main {} {routes:?}", r.id, r.main));
    }
    for a in &t.network_acls {
        out.push(format!(
            "acl {} {:?} {:?}",
            a.id, a.ingress_entries, a.egress_entries
        ));
    }
    for p in &t.peering_connections {
        out.push(format!(
            "pcx {} {} {} {:?}",
            p.id,
            t.vpc(p.requester_vpc).id,
            t.vpc(p.accepter_vpc).id,
            p.status
        ));
    }
    for g in &t.transit_gateways {
        let attachments: Vec<String> = g
            .attachments
            .iter()
            .map(|x| format!("{} {} {}", x.id, t.vpc(x.vpc).id, x.subnets.len()))
            .collect();
        let mut tables: Vec<String> = g
            .route_tables
            .iter()
            .map(|rt| {
                let mut routes: Vec<String> = rt
                    .routes
                    .iter()
                    .map(|r| {
                        format!(
                            "{} {:?} {}",
                            r.destination_cidr_block,
                            r.attachment.map(|k| &g.attachments[k].id),
                            r.propagated
                        )
                    })
                    .collect();
                routes.sort();
                let associated: Vec<&str> = rt
                    .associations
                    .iter()
                    .map(|k| g.attachments[*k].id.as_str())
                    .collect();
                format!("{} {associated:?} {routes:?}", rt.id)
            })
            .collect();
        tables.sort();
        out.push(format!(
            "tgw {} of {} sg-ref {} {attachments:?} {tables:?}",
            g.id,
            account(g.owner),
            g.security_group_referencing
        ));
    }
    for i in &t.instances {
        out.push(format!(
            "instance {} {} of {}",
            i.id,
            i.instance_type,
            account(i.owner)
        ));
    }
    for e in &t.enis {
        if e.requester_managed_by.is_none() {
            out.push(format!(
                "eni {} {} in {} of {} groups {}",
                e.id,
                e.private_ip,
                t.subnet(e.subnet).id,
                account(e.owner),
                e.security_groups.len()
            ));
        }
    }
    for g in &t.security_groups {
        out.push(format!("sg {} {} rules", g.id, g.ingress_rules.len()));
    }
    for n in &t.network_load_balancers {
        out.push(format!(
            "nlb {} nodes {} targets {} cross {} check {:?}",
            n.id,
            n.nodes.len(),
            n.targets.len(),
            n.cross_zone,
            n.health_check
        ));
    }
    for g in &t.gateway_load_balancers {
        out.push(format!(
            "gwlb {} nodes {} targets {} cross {} check {:?} {:?} {:?}",
            g.id,
            g.nodes.len(),
            g.targets.len(),
            g.cross_zone,
            g.health_check,
            g.failover,
            g.stickiness
        ));
    }
    for v in &t.gwlb_endpoints {
        out.push(format!(
            "vpce {} of {} in {}",
            v.id,
            account(v.owner),
            t.subnet(v.subnet).id
        ));
    }
    for x in &t.targets {
        let resource = resource_of(t, x);
        out.push(format!(
            "target {} of {} {resource}",
            x.id,
            account(x.owner)
        ));
    }
    for f in &t.filters {
        out.push(format!(
            "filter {} of {} {:?} {:?} {}",
            f.id,
            account(f.owner),
            f.ingress_filter_rules,
            f.egress_filter_rules,
            f.amazon_dns
        ));
    }
    for s in &t.sessions {
        out.push(format!(
            "session {} of {} {} {} {} {} {} {:?}",
            s.id,
            account(s.owner),
            t.eni(s.source).id,
            t.target(s.target).id,
            t.filters[s.filter.index()].id,
            s.session_number,
            s.virtual_network_id,
            s.packet_length
        ));
    }
    for sh in &t.resource_shares {
        let targets: Vec<&str> = sh
            .targets
            .iter()
            .map(|x| t.target(*x).id.as_str())
            .collect();
        let mut principals: Vec<String> = sh
            .principals
            .iter()
            .map(|p| match p {
                topology::Principal::Account(a) => account(*a),
                topology::Principal::Organization(o) => o.clone(),
            })
            .collect();
        principals.sort();
        // Acceptance matters only for principals outside the owner's
        // organisation (TGT-02).
        let org = &t.accounts[sh.owner.index()].organization;
        let external = sh.principals.iter().any(|p| {
            matches!(p, topology::Principal::Account(a) if org.is_none() || t.accounts[a.index()].organization != *org)
        });
        out.push(format!(
            "share {} of {} {targets:?} {principals:?} accepted {}",
            sh.id,
            account(sh.owner),
            sh.accepted || !external
        ));
    }
    // Declaration order may differ (groups come per VPC); what exists may not.
    out.sort();
    out
}

/// Writes `t` as a snapshot, imports it, and compares the topologies.
fn survives(t: &Topology, dir: &std::path::Path, what: &str) {
    let snap = dir.join("snapshot");
    describe(t).write(&snap);
    let (text, again) = imported(
        &["import", "aws", snap.to_str().unwrap()],
        &dir.join("imported.ron"),
    );
    let (a, b) = (fingerprint(&again.topology), fingerprint(t));
    if a != b {
        let only_imported: Vec<&String> = a.iter().filter(|x| !b.contains(x)).collect();
        let only_original: Vec<&String> = b.iter().filter(|x| !a.contains(x)).collect();
        panic!(
            "{what}: the import differs\nimported only: {only_imported:#?}\noriginal only: {only_original:#?}\n{text}"
        );
    }
}

#[test]
fn every_shipped_scenario_survives_describe_and_import() {
    // Every scenario under scenarios/, routing, accounts, RAM shares and
    // load balancer attributes included.
    let mut compared = 0;
    for path in scenario_files() {
        let Ok(loaded) = load_file(&path, &path.display().to_string()) else {
            continue;
        };
        let dir = tempfile::tempdir().unwrap();
        survives(
            &loaded.scenario.topology,
            dir.path(),
            &path.display().to_string(),
        );
        compared += 1;
    }
    assert!(compared >= 20, "compared {compared} scenarios");
}

/// A generated design: VPCs in one or two accounts, peered to the first,
/// with subnets in two zones, route tables, network ACLs, security groups
/// (CIDR and group rules), instances, an appliance ENI target and
/// optionally a Network Load Balancer target, filters, sessions, and a RAM
/// share of the targets when a second account mirrors to them.
#[derive(Debug, Clone)]
struct Design {
    accounts: usize,
    same_organization: bool,
    accepted: bool,
    vpcs: Vec<VpcDesign>,
    nlb: Option<bool>,
    rules: Vec<(u16, bool, Option<u8>, u8, u8)>,
}

type SgRuleDesign = (Option<u8>, Option<(u16, u16)>, bool);

#[derive(Debug, Clone)]
struct VpcDesign {
    subnets: usize,
    ipv6: bool,
    acl: Option<Vec<(u16, bool, Option<u8>)>>,
    /// (protocol, port range, by group rather than CIDR).
    sg_rules: Vec<SgRuleDesign>,
    instances: usize,
}

fn design() -> impl Strategy<Value = Design> {
    let vpc = (
        1..=2usize,
        any::<bool>(),
        proptest::option::of(proptest::collection::vec(
            (
                1..=300u16,
                any::<bool>(),
                proptest::option::of(prop_oneof![Just(6u8), Just(17u8)]),
            ),
            0..3,
        )),
        proptest::collection::vec(
            (
                proptest::option::of(prop_oneof![Just(6u8), Just(17u8), Just(1u8)]),
                proptest::option::of((0..=4000u16, 4000..=65535u16)),
                any::<bool>(),
            ),
            0..3,
        ),
        1..=3usize,
    )
        .prop_map(|(subnets, ipv6, acl, sg_rules, instances)| VpcDesign {
            subnets,
            ipv6,
            acl,
            sg_rules,
            instances,
        });
    (
        1..=2usize,
        any::<bool>(),
        any::<bool>(),
        proptest::collection::vec(vpc, 1..=3),
        proptest::option::of(any::<bool>()),
        proptest::collection::vec(
            (
                1..=100u16,
                any::<bool>(),
                proptest::option::of(prop_oneof![Just(6u8), Just(17u8)]),
                0..=3u8,
                0..=3u8,
            ),
            1..4,
        ),
    )
        .prop_map(
            |(accounts, same_organization, accepted, vpcs, nlb, rules)| Design {
                accounts,
                same_organization,
                accepted,
                vpcs,
                nlb,
                rules,
            },
        )
}

/// The design as a scenario file.
fn render(d: &Design) -> String {
    let account = |k: usize| format!("{}", 111_111_111_111u64 * (1 + (k % d.accounts) as u64));
    let owner = |v: usize| account(v);
    let cidrs = ["0.0.0.0/0", "10.0.0.0/8", "10.0.0.0/16", "192.168.0.0/16"];
    let mut out =
        String::from("Scenario(name: \"generated\", duration: \"1s\", region: \"us-east-1\",\n");
    let orgs: Vec<String> = (0..d.accounts)
        .map(|k| {
            let org = if d.same_organization || k == 0 {
                "o-aaaa00000001"
            } else {
                "o-bbbb00000001"
            };
            format!("Account(id: \"{}\", organization: \"{org}\")", account(k))
        })
        .collect();
    out += &format!("    accounts: [{}],\n    vpcs: [\n", orgs.join(", "));
    for (v, vd) in d.vpcs.iter().enumerate() {
        let mut blocks = vec![format!("\"10.{v}.0.0/16\"")];
        if vd.ipv6 {
            blocks.push(format!("\"2600:1f14:{v}::/56\""));
        }
        out += &format!(
            "        Vpc(id: \"vpc-{v:017}\", owner: \"{}\", cidr_blocks: [{}], subnets: [\n",
            owner(v),
            blocks.join(", ")
        );
        for s in 0..vd.subnets {
            let zone = if s == 0 { "a" } else { "b" };
            let acl = if vd.acl.is_some() {
                format!(", network_acl: \"acl-{v:017}\"")
            } else {
                String::new()
            };
            let v6 = if vd.ipv6 {
                format!(", ipv6_cidr_block: \"2600:1f14:{v}:{s}::/64\"")
            } else {
                String::new()
            };
            out += &format!(
                "            Subnet(id: \"subnet-{v}{s:016}\", availability_zone: \"us-east-1{zone}\", cidr_block: \"10.{v}.{s}.0/24\"{v6}{acl}),\n"
            );
        }
        // Routes to the peer: the first VPC to every other, each other to the first.
        let routes: Vec<String> = if v == 0 {
            (1..d.vpcs.len())
                .map(|p| {
                    format!(
                        "Route(destination_cidr_block: \"10.{p}.0.0/16\", target: \"pcx-{p:017}\")"
                    )
                })
                .collect()
        } else {
            vec![format!(
                "Route(destination_cidr_block: \"10.0.0.0/16\", target: \"pcx-{v:017}\")"
            )]
        };
        out += &format!(
            "        ], route_tables: [RouteTable(id: \"rtb-{v:017}\", main: true, routes: [{}])],\n",
            routes.join(", ")
        );
        if let Some(entries) = &vd.acl {
            let mut numbers = std::collections::BTreeSet::new();
            let list: Vec<String> = entries
                .iter()
                .filter(|(n, ..)| numbers.insert(*n))
                .map(|(n, allow, p)| {
                    let proto = p.map_or(String::new(), |p| format!(", protocol: {p}"));
                    let ports = if p.is_some() { ", port_range: (from_port: 4789, to_port: 4789)" } else { "" };
                    format!(
                        "Entry(rule_number: {n}, rule_action: {}{proto}, cidr_block: \"10.0.0.0/8\"{ports})",
                        if *allow { "Allow" } else { "Deny" }
                    )
                })
                .collect();
            out += &format!(
                "        network_acls: [NetworkAcl(id: \"acl-{v:017}\", ingress_entries: [{}], egress_entries: [Entry(rule_number: 100, rule_action: Allow, cidr_block: \"0.0.0.0/0\")])],\n",
                list.join(", ")
            );
        }
        let rules: Vec<String> = vd
            .sg_rules
            .iter()
            .map(|(p, ports, by_group)| {
                let mut x = p.map_or(String::new(), |p| format!("protocol: {p}, "));
                if let (Some((f, t)), Some(6 | 17)) = (ports, p) {
                    x += &format!("port_range: (from_port: {f}, to_port: {t}), ");
                }
                if *by_group {
                    x += &format!("source_security_group_id: \"sg-{v:017}\"");
                } else {
                    x += "cidr_block: \"10.0.0.0/8\"";
                }
                format!("SgRule({x})")
            })
            .collect();
        out += &format!(
            "        security_groups: [SecurityGroup(id: \"sg-{v:017}\", ingress_rules: [{}])]),\n",
            rules.join(", ")
        );
    }
    out += "    ],\n    vpc_peering_connections: [\n";
    for p in 1..d.vpcs.len() {
        out += &format!(
            "        Peering(id: \"pcx-{p:017}\", requester_vpc_id: \"vpc-{p:017}\", accepter_vpc_id: \"vpc-{:017}\"),\n",
            0
        );
    }
    out += "    ],\n    instances: [\n";
    let mut enis = Vec::new();
    for (v, vd) in d.vpcs.iter().enumerate() {
        for i in 0..vd.instances {
            let s = i % vd.subnets;
            let id = format!("{v}{i:015}");
            out += &format!(
                "        Instance(id: \"i-{id}\", instance_type: \"c5n.large\", subnet: \"subnet-{v}{s:016}\", owner: \"{}\",\n            network_interfaces: [Eni(id: \"eni-{id}\", private_ip: \"10.{v}.{s}.{}\", security_groups: [\"sg-{v:017}\"])]),\n",
                owner(v),
                10 + i
            );
            enis.push((v, i, format!("eni-{id}")));
        }
    }
    out += "    ],\n";
    // The appliance: the first VPC's last instance; an NLB in the first VPC
    // to its other instances when there are any.
    let appliance = enis.iter().rfind(|(v, ..)| *v == 0).unwrap().2.clone();
    let first = &d.vpcs[0];
    let mut targets = vec![format!(
        "Target(id: \"tmt-0appliance000001\", owner: \"{}\", network_interface_id: \"{appliance}\")",
        owner(0)
    )];
    if let Some(cross) = d.nlb {
        let subnets: Vec<String> = (0..first.subnets)
            .map(|s| format!("\"subnet-0{s:016}\""))
            .collect();
        let members: Vec<String> = (0..first.instances)
            .map(|i| format!("\"i-0{i:015}\""))
            .collect();
        out += &format!(
            "    network_load_balancers: [NetworkLoadBalancer(id: \"arn:aws:elasticloadbalancing:us-east-1:{}:loadbalancer/net/gen/0123456789abcdef\", vpc_id: \"vpc-{:017}\", subnets: [{}], cross_zone: {cross}, listeners: [Listener(protocol: Udp, port: 4789)], targets: [{}])],\n",
            owner(0),
            0,
            subnets.join(", "),
            members.join(", ")
        );
        targets.push(format!(
            "Target(id: \"tmt-0nlb000000000001\", owner: \"{}\", network_load_balancer_arn: \"arn:aws:elasticloadbalancing:us-east-1:{}:loadbalancer/net/gen/0123456789abcdef\")",
            owner(0), owner(0)
        ));
    }
    out += &format!("    traffic_mirror_targets: [{}],\n", targets.join(", "));
    if d.accounts > 1 && d.vpcs.len() > 1 {
        let ids: Vec<String> = (0..targets.len())
            .map(|k| {
                if k == 0 {
                    "\"tmt-0appliance000001\"".to_string()
                } else {
                    "\"tmt-0nlb000000000001\"".to_string()
                }
            })
            .collect();
        let principal = if d.same_organization {
            "\"o-aaaa00000001\"".to_string()
        } else {
            format!("\"{}\"", account(1))
        };
        out += &format!(
            "    resource_shares: [ResourceShare(id: \"share-appliance\", owner: \"{}\", traffic_mirror_target_ids: [{}], principals: [{principal}], accepted: {})],\n",
            owner(0),
            ids.join(", "),
            d.accepted
        );
    }
    let rule = |(n, accept, p, src, dst): &(u16, bool, Option<u8>, u8, u8)| {
        let proto = p.map_or(String::new(), |p| format!(", protocol: {p}"));
        format!(
            "Rule(rule_number: {n}, rule_action: {}{proto}, source_cidr_block: \"{}\", destination_cidr_block: \"{}\")",
            if *accept { "Accept" } else { "Reject" },
            cidrs[*src as usize],
            cidrs[*dst as usize]
        )
    };
    let mut numbers = std::collections::BTreeSet::new();
    let rules: Vec<String> = d
        .rules
        .iter()
        .filter(|r| numbers.insert(r.0))
        .map(rule)
        .collect();
    let filters: Vec<String> = (0..d.accounts.min(d.vpcs.len()))
        .map(|k| {
            format!(
                "Filter(id: \"tmf-{k:017}\", owner: \"{}\", ingress_filter_rules: [{}], egress_filter_rules: [{}])",
                account(k),
                rules.join(", "),
                rules.first().cloned().unwrap_or_default()
            )
        })
        .collect();
    out += &format!(
        "    traffic_mirror_filters: [{}],\n    traffic_mirror_sessions: [\n",
        filters.join(", ")
    );
    for (v, i, eni) in &enis {
        if *eni == appliance
            || (*v > 0
                && d.accounts > 1
                && v % d.accounts != 0
                && !d.accepted
                && !d.same_organization)
        {
            continue;
        }
        let target = if d.nlb.is_some() && i % 2 == 1 {
            "tmt-0nlb000000000001"
        } else {
            "tmt-0appliance000001"
        };
        out += &format!(
            "        Session(id: \"tms-{v}{i:016}\", owner: \"{}\", network_interface_id: \"{eni}\", traffic_mirror_target_id: \"{target}\", traffic_mirror_filter_id: \"tmf-{:017}\", session_number: {}, virtual_network_id: {}),\n",
            owner(*v),
            v % d.accounts.min(d.vpcs.len()),
            i + 1,
            1000 + v * 10 + i
        );
    }
    out += "    ],\n    traffic: [],\n)\n";
    out
}

proptest! {
    #![proptest_config(Config::with_cases(96))]

    #[test]
    fn generated_designs_survive_describe_and_import(d in design()) {
        let text = render(&d);
        let loaded = sim_core::load("generated.ron", &text, &Default::default());
        // Designs AWS would refuse are not what this property is about.
        let Ok(loaded) = loaded else {
            return Err(TestCaseError::reject("AWS would refuse the design"));
        };
        let dir = tempfile::tempdir().unwrap();
        survives(&loaded.scenario.topology, dir.path(), &text);
    }
}

/// The snapshot fixtures under `tests/fixtures/aws/` beside the scenarios
/// they describe: the guide's four examples (its first is also
/// `guide-example`, written by hand), a transit gateway hub with two
/// spokes, an NLB fleet in two zones, and a GWLB with endpoints in two
/// spoke VPCs.
const FIXTURES: [(&str, &str); 6] = [
    ("guide-tcp-single-appliance", "tcp-single-appliance"),
    ("guide-tcp-udp-split", "tcp-udp-split"),
    ("guide-non-local-vpc", "non-local-vpc"),
    ("guide-gwlb-two-spokes", "gwlb-spokes"),
    ("tgw-hub-two-spokes", "transit-gateway"),
    ("nlb-fleet-two-zones", "nlb-fleet"),
];

/// Writes the fixtures again from their scenarios. Run it by hand after a
/// change to a scenario's topology (`cargo nextest run --run-ignored only
/// write_snapshot_fixtures`), then read the diff: the files are the
/// import's input, kept as the CLI prints them.
#[test]
#[ignore]
fn write_snapshot_fixtures() {
    for (fixture, scenario) in FIXTURES {
        let path = root().join(format!("scenarios/{scenario}.ron"));
        let loaded = load_file(&path, scenario).unwrap();
        let dir = root().join("tests/fixtures/aws").join(fixture);
        let _ = std::fs::remove_dir_all(&dir);
        let mut snap = describe(&loaded.scenario.topology);
        // As a snapshot keeps them: ACCOUNT/REGION/ folders.
        if !snap.folders {
            let home = loaded.scenario.topology.vpcs[0].region.clone();
            let owner = loaded.scenario.topology.accounts[0].id.clone();
            snap.files = std::mem::take(&mut snap.files)
                .into_iter()
                .map(|(f, v)| (format!("{owner}/{home}/{f}"), v))
                .collect();
        }
        snap.write(&dir);
    }
}

#[test]
fn each_snapshot_fixture_imports_to_a_design_that_runs_as_its_hand_written_scenario() {
    // The import of each fixture, with the hand-written scenario's traffic,
    // timeline and settings, gives the same report, byte for byte. One
    // thing the snapshot cannot say is taken from the scenario: each ENI's
    // MTU, which the operating system sets and no describe call shows
    // (an import says 9001, the default of current instance types).
    for (fixture, scenario) in FIXTURES {
        let path = root().join(format!("scenarios/{scenario}.ron"));
        let original = load_file(&path, scenario).unwrap().scenario;
        let dir = tempfile::tempdir().unwrap();
        let snap = root().join("tests/fixtures/aws").join(fixture);
        let out = dir.path().join("imported.ron");
        let (_, imported_scenario) = imported(&["import", "aws", snap.to_str().unwrap()], &out);
        assert_ok(&sim(&["check", out.to_str().unwrap()]));
        let mut topology = imported_scenario.topology;
        let ids = |t: &Topology| {
            (
                t.enis.iter().map(|e| e.id.clone()).collect::<Vec<_>>(),
                t.targets.iter().map(|x| x.id.clone()).collect::<Vec<_>>(),
                t.sessions.iter().map(|x| x.id.clone()).collect::<Vec<_>>(),
                t.instances.iter().map(|x| x.id.clone()).collect::<Vec<_>>(),
            )
        };
        // The traffic names ENIs by position: the same order, or the
        // comparison means nothing.
        assert_eq!(ids(&topology), ids(&original.topology), "{fixture}");
        for (e, o) in topology.enis.iter_mut().zip(&original.topology.enis) {
            e.mtu = o.mtu;
        }
        let mut hybrid = original.clone();
        hybrid.topology = topology;
        let (a, b) = (run_loaded(hybrid), run_loaded(original));
        assert_eq!(
            reports::to_json(&a.report),
            reports::to_json(&b.report),
            "{fixture} against scenarios/{scenario}.ron"
        );
    }
}

/// The mirror configuration without its ids (which a plan leaves unknown
/// until apply): per session, its source, what its target points at, its
/// number, packet length and filter.
fn mirror_configuration(t: &Topology) -> Vec<String> {
    let mut out: Vec<String> = t
        .sessions
        .iter()
        .map(|s| {
            let target = resource_of(t, t.target(s.target));
            let f = &t.filters[s.filter.index()];
            let rules = |list: &[topology::FilterRule]| {
                list.iter()
                    .map(|r| {
                        format!(
                            "{} {:?} {:?} {:?} {:?} {} {} {:?}",
                            r.rule_number,
                            r.rule_action,
                            r.protocol,
                            r.source_port_range,
                            r.destination_port_range,
                            r.source_cidr_block,
                            r.destination_cidr_block,
                            r.description
                        )
                    })
                    .collect::<Vec<_>>()
            };
            format!(
                "{} #{} -> {target} length {:?} filter {:?} {:?} dns {} {:?}",
                t.eni(s.source).id,
                s.session_number,
                s.packet_length,
                rules(&f.ingress_filter_rules),
                rules(&f.egress_filter_rules),
                f.amazon_dns,
                t.target(s.target).description,
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn export_terraform_then_its_plan_then_import_terraform_gives_the_same_mirror_configuration() {
    // tests/fixtures/terraform/NAME.tf is `sim export terraform` of the
    // scenario, and NAME.plan.json the `terraform show -json` of a plan
    // that applies it (built by plan_from_hcl.py: the AWS provider cannot
    // be downloaded here). Imported over a snapshot of the scenario's
    // network without its mirror resources, the plan gives the same
    // sessions, targets and filters, with placeholder ids.
    for name in ["filter-examples", "gwlb-spokes"] {
        let path = root().join(format!("scenarios/{name}.ron"));
        let original = load_file(&path, name).unwrap().scenario;
        let dir = tempfile::tempdir().unwrap();
        let hcl = dir.path().join("mirror.tf");
        assert_ok(&sim(&[
            "export",
            "terraform",
            path.to_str().unwrap(),
            "-o",
            hcl.to_str().unwrap(),
        ]));
        assert_eq!(
            std::fs::read_to_string(&hcl).unwrap(),
            std::fs::read_to_string(root().join(format!("tests/fixtures/terraform/{name}.tf")))
                .unwrap(),
            "{name}: the export changed; build the plan fixture again (plan_from_hcl.py)"
        );
        let mut snap = describe(&original.topology);
        snap.files.retain(|f, _| {
            !["targets.json", "filters.json", "sessions.json"]
                .iter()
                .any(|m| f.ends_with(m))
        });
        let base = dir.path().join("base");
        snap.write(&base);
        let plan = root().join(format!("tests/fixtures/terraform/{name}.plan.json"));
        let (text, again) = imported(
            &[
                "import",
                "terraform",
                plan.to_str().unwrap(),
                "--base",
                base.to_str().unwrap(),
            ],
            &dir.path().join("planned.ron"),
        );
        assert!(text.contains("// Values known only after apply, as placeholders:"));
        assert_eq!(
            mirror_configuration(&again.topology),
            mirror_configuration(&original.topology),
            "{name}\n{text}"
        );
    }
}

#[test]
fn import_terraform_adds_rules_to_the_base_and_follows_child_modules() {
    // Over the guide's example snapshot, a plan that:
    // - adds an egress rule (UDP, number 200) to the existing Filter 1;
    // - opens the web group to HTTPS with aws_security_group_rule, and to
    //   IPv6 HTTP with aws_vpc_security_group_ingress_rule;
    // - creates, in a child module `module.mirror`, a target on the
    //   appliance ENI and a session from a planned ENI to it, whose
    //   references are relative to the module.
    let dir = tempfile::tempdir().unwrap();
    let change = |address: &str, kind: &str, after: Value, unknown: Value| {
        json!({ "address": address, "mode": "managed", "type": kind, "name": address.rsplit('.').next(),
                "change": { "actions": ["create"], "before": null, "after": after, "after_unknown": unknown } })
    };
    let plan = json!({
        "format_version": "1.2",
        "resource_changes": [
            change("aws_ec2_traffic_mirror_filter_rule.udp_out", "aws_ec2_traffic_mirror_filter_rule",
                json!({ "traffic_mirror_filter_id": "tmf-0f1f1f1f1f1f1f1f1", "traffic_direction": "egress", "rule_number": 200,
                        "rule_action": "accept", "protocol": 17, "source_cidr_block": "0.0.0.0/0", "destination_cidr_block": "0.0.0.0/0",
                        "destination_port_range": [], "source_port_range": [] }),
                json!({ "id": true })),
            change("aws_security_group_rule.https", "aws_security_group_rule",
                json!({ "type": "ingress", "security_group_id": "sg-0web000000000001", "protocol": "tcp", "from_port": 443,
                        "to_port": 443, "cidr_blocks": ["0.0.0.0/0"], "self": false, "source_security_group_id": null }),
                json!({ "id": true })),
            change("aws_security_group_rule.egress_ignored", "aws_security_group_rule",
                json!({ "type": "egress", "security_group_id": "sg-0web000000000001", "protocol": "-1", "from_port": 0,
                        "to_port": 0, "cidr_blocks": ["0.0.0.0/0"] }),
                json!({ "id": true })),
            change("aws_vpc_security_group_ingress_rule.http6", "aws_vpc_security_group_ingress_rule",
                json!({ "security_group_id": "sg-0web000000000001", "ip_protocol": "tcp", "from_port": 80, "to_port": 80,
                        "cidr_ipv6": "::/0" }),
                json!({ "id": true, "arn": true })),
            change("module.mirror.aws_network_interface.extra", "aws_network_interface",
                json!({ "subnet_id": "subnet-0c0ffee00000001", "private_ips": ["10.0.1.20"], "security_groups": ["sg-0web000000000001"] }),
                json!({ "id": true })),
            change("module.mirror.aws_ec2_traffic_mirror_target.ids", "aws_ec2_traffic_mirror_target",
                json!({ "network_interface_id": "eni-0appliance0000001", "description": "IDS" }),
                json!({ "id": true })),
            change("module.mirror.aws_ec2_traffic_mirror_session.extra", "aws_ec2_traffic_mirror_session",
                json!({ "session_number": 1, "traffic_mirror_filter_id": "tmf-0f1f1f1f1f1f1f1f1" }),
                json!({ "id": true, "network_interface_id": true, "traffic_mirror_target_id": true, "virtual_network_id": true })),
        ],
        "configuration": { "root_module": { "module_calls": { "mirror": { "module": { "resources": [
            { "address": "aws_ec2_traffic_mirror_session.extra", "expressions": {
                "network_interface_id": { "references": ["aws_network_interface.extra.id", "aws_network_interface.extra"] },
                "traffic_mirror_target_id": { "references": ["aws_ec2_traffic_mirror_target.ids.id", "aws_ec2_traffic_mirror_target.ids"] } } }
        ] } } } } }
    });
    let path = dir.path().join("change.plan.json");
    std::fs::write(&path, plan.to_string()).unwrap();
    let (text, s) = imported(
        &[
            "import",
            "terraform",
            path.to_str().unwrap(),
            "--base",
            "tests/fixtures/aws/guide-example",
        ],
        &dir.path().join("planned.ron"),
    );
    let t = &s.topology;
    let filter = t
        .filters
        .iter()
        .find(|f| f.id == "tmf-0f1f1f1f1f1f1f1f1")
        .unwrap();
    // The base's ingress rule 100 stays; the plan's egress rule 200 joins.
    assert_eq!(
        (
            filter.ingress_filter_rules.len(),
            filter.egress_filter_rules.len()
        ),
        (1, 1)
    );
    assert_eq!(
        (
            filter.egress_filter_rules[0].rule_number,
            filter.egress_filter_rules[0].protocol
        ),
        (200, Some(17))
    );
    // The web group: its one base rule, then HTTPS and IPv6 HTTP (the
    // egress rule is not modelled).
    let web = t
        .security_groups
        .iter()
        .find(|g| g.id == "sg-0web000000000001")
        .unwrap();
    assert_eq!(web.ingress_rules.len(), 3, "{text}");
    assert_eq!(
        web.ingress_rules[1].port_range.map(|r| r.from_port),
        Some(443)
    );
    assert_eq!(
        web.ingress_rules[2].port_range.map(|r| r.from_port),
        Some(80)
    );
    // The module's session: its ENI and target are the module's own.
    let session = t.sessions.iter().find(|x| x.id.contains("extra")).unwrap();
    assert_eq!(t.eni(session.source).private_ip.to_string(), "10.0.1.20");
    assert_eq!(t.target(session.target).description.as_deref(), Some("IDS"));
    // Rules of a filter that is nowhere: an error naming it, nothing written.
    let mut broken = plan.clone();
    broken["resource_changes"][0]["change"]["after"]["traffic_mirror_filter_id"] =
        "tmf-0nowhere".into();
    std::fs::write(&path, broken.to_string()).unwrap();
    let out = dir.path().join("x.ron");
    let o = sim(&[
        "import",
        "terraform",
        path.to_str().unwrap(),
        "--base",
        "tests/fixtures/aws/guide-example",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_exit_2_saying(
        &o,
        "rules of tmf-0nowhere, which is neither in the plan nor in the base snapshot",
    );
    assert!(!out.exists());
}

/// Checks `v` against the botocore shape `shape` of shapes.json: every
/// key a member, every value of its type. Returns the first mismatch.
fn conforms(shapes: &Value, shape: &str, v: &Value, at: &str) -> Result<(), String> {
    let s = &shapes[shape];
    if let Some(members) = s.get("structure").and_then(Value::as_object) {
        let obj = v
            .as_object()
            .ok_or(format!("{at}: not an object ({shape})"))?;
        for (k, x) in obj {
            let m = members
                .get(k)
                .and_then(Value::as_str)
                .ok_or(format!("{at}.{k}: not a member of {shape}"))?;
            conforms(shapes, m, x, &format!("{at}.{k}"))?;
        }
        Ok(())
    } else if let Some(m) = s.get("list").and_then(Value::as_str) {
        let list = v.as_array().ok_or(format!("{at}: not a list ({shape})"))?;
        list.iter()
            .enumerate()
            .try_for_each(|(i, x)| conforms(shapes, m, x, &format!("{at}[{i}]")))
    } else {
        let ok = match s["scalar"].as_str().unwrap_or_default() {
            "string" | "timestamp" | "blob" => v.is_string() || v.is_null(),
            "integer" | "long" | "float" | "double" => v.is_number() || v.is_null(),
            "boolean" => v.is_boolean() || v.is_null(),
            _ => true,
        };
        if ok {
            Ok(())
        } else {
            Err(format!("{at}: {v} is not a {} ({shape})", s["scalar"]))
        }
    }
}

fn conforms_file(shapes: &Value, v: &Value, file: &str) -> Result<(), String> {
    for (key, x) in v.as_object().ok_or(format!("{file}: not an object"))? {
        let root = shapes["roots"][key].as_str().ok_or(format!(
            "{file}: {key} is not a key the describe calls print"
        ))?;
        conforms(&shapes["shapes"], root, x, &format!("{file}: $.{key}"))?;
    }
    Ok(())
}

#[test]
fn snapshot_fixtures_and_the_describe_helper_keep_the_aws_cli_output_shapes() {
    // tests/fixtures/aws/shapes.json is extracted from botocore's service
    // models (extract_shapes.py), which define what the CLI prints: every
    // key of every fixture must be a member of its shape, with a value of
    // its type. A misspelt key would otherwise be ignored by the import and
    // by its tests alike.
    let shapes: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/fixtures/aws/shapes.json")).unwrap(),
    )
    .unwrap();
    let mut checked = 0;
    let mut stack = vec![root().join("tests/fixtures/aws")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json")
                && p.file_name().unwrap() != "shapes.json"
            {
                let v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
                if let Err(e) = conforms_file(&shapes, &v, &p.display().to_string()) {
                    panic!("{e}");
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "checked {checked} files");
    for path in scenario_files() {
        let Ok(loaded) = load_file(&path, &path.display().to_string()) else {
            continue;
        };
        for (file, v) in &describe(&loaded.scenario.topology).files {
            if let Err(e) = conforms_file(&shapes, v, file) {
                panic!("{}: {e}", path.display());
            }
        }
    }
}

#[test]
fn tgt_02_import_reads_acceptance_of_a_ram_share_across_organisations() {
    // cross-account-shared-target: 333333333333 (another organisation)
    // uses the security account's target through rs-monitor-partner.
    let path = root().join("scenarios/cross-account-shared-target.ron");
    let t = load_file(&path, "x").unwrap().scenario.topology;
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    let mut described = describe(&t);
    let associations = "111111111111/us-east-1/ram-associations.json";
    // The invitation not yet accepted: the association is ASSOCIATING.
    for a in described.files.get_mut(associations).unwrap()["resourceShareAssociations"]
        .as_array_mut()
        .unwrap()
    {
        if a["associatedEntity"] == "333333333333" {
            a["status"] = "ASSOCIATING".into();
        }
    }
    // An organisational unit principal: not modelled, so a note.
    described.files.get_mut(associations).unwrap()["resourceShareAssociations"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "resourceShareArn": "arn:aws:ram:us-east-1:111111111111:resource-share/rs-monitor-org",
                      "associationType": "PRINCIPAL", "status": "ASSOCIATED", "external": false,
                      "associatedEntity": "arn:aws:organizations::111111111111:ou/o-sec0000001/ou-ab12-cdef3456" }));
    described.write(&snap);
    let out = dir.path().join("pending.ron");
    assert_ok(&sim(&[
        "import",
        "aws",
        snap.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]));
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.contains(r#"principals: ["333333333333"], accepted: false)"#),
        "{text}"
    );
    assert!(
        text.contains("// - RAM associations of resources or principals the twin does not model")
    );
    // TGT-02: the partner's session cannot use the target yet.
    let o = sim(&["check", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // The partner accepts: its get-resource-share-invitations says so.
    std::fs::write(
        snap.join("333333333333/us-east-1/invitations.json"),
        json!({ "resourceShareInvitations": [{
            "resourceShareInvitationArn": "arn:aws:ram:us-east-1:111111111111:resource-share-invitation/i-1",
            "resourceShareArn": "arn:aws:ram:us-east-1:111111111111:resource-share/rs-monitor-partner",
            "senderAccountId": "111111111111", "receiverAccountId": "333333333333", "status": "ACCEPTED" }] })
        .to_string(),
    )
    .unwrap();
    let (text, s) = imported(
        &["import", "aws", snap.to_str().unwrap()],
        &dir.path().join("accepted.ron"),
    );
    assert!(!text.contains("accepted: false"));
    let share = s
        .topology
        .resource_shares
        .iter()
        .find(|x| x.id == "rs-monitor-partner")
        .unwrap();
    assert!(share.accepted);
}

#[test]
fn the_snapshot_script_makes_the_calls_the_import_reads() {
    // scripts/aws-snapshot.sh against a stand-in for the AWS CLI
    // (tests/fixtures/aws/fake-cli/aws) that answers from a fixture: the
    // snapshot it writes imports to the same topology as the fixture.
    // RAM and Organizations answer AccessDenied: skipped, with a message.
    for fixture in [
        "guide-gwlb-two-spokes",
        "nlb-fleet-two-zones",
        "tgw-hub-two-spokes",
    ] {
        let region = root().join(format!(
            "tests/fixtures/aws/{fixture}/123456789012/us-east-1"
        ));
        let dir = tempfile::tempdir().unwrap();
        let snap = dir.path().join("snap");
        let path = format!(
            "{}:{}",
            root().join("tests/fixtures/aws/fake-cli").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let o = std::process::Command::new("bash")
            .arg(root().join("scripts/aws-snapshot.sh"))
            .arg(&snap)
            .env("PATH", path)
            .env("FAKE_AWS_SNAPSHOT", &region)
            .output()
            .unwrap();
        assert_ok(&o);
        assert!(stderr(&o).contains("aws-snapshot: skipped ram get-resource-share-associations"));
        assert!(
            snap.join("123456789012/us-east-1/describe-vpcs.json")
                .exists()
        );
        let (_, scripted) = imported(
            &["import", "aws", snap.to_str().unwrap()],
            &dir.path().join("a.ron"),
        );
        let (_, direct) = imported(
            &[
                "import",
                "aws",
                region.parent().unwrap().parent().unwrap().to_str().unwrap(),
            ],
            &dir.path().join("b.ron"),
        );
        assert_eq!(
            fingerprint(&scripted.topology),
            fingerprint(&direct.topology),
            "{fixture}"
        );
    }
}

#[test]
fn import_with_the_teams_expect_block_makes_a_run_that_fails_when_it_breaks() {
    // The guide's example with its flow log: 120 HTTPS packets in, all
    // mirrored and delivered (tests/cli.rs works the log out by hand). The
    // team expects every copy delivered (holds) or, in a second file, no
    // more than 100 mirrored packets (breaks: 120 > 100).
    let dir = tempfile::tempdir().unwrap();
    let log = root().join("tests/fixtures/aws/guide-example.flow.log");
    for (expect, code) in [
        (
            "// every copy arrives\n[\n    Count(scope: EachSession, count: Dropped, at_most: 0),\n]\n",
            0,
        ),
        ("[Count(count: Mirrored, at_most: 100)]", 1),
    ] {
        let file = dir.path().join("expect.ron");
        std::fs::write(&file, expect).unwrap();
        let out = dir.path().join("mine.ron");
        assert_ok(&sim(&[
            "import",
            "aws",
            "tests/fixtures/aws/guide-example",
            "--flow-logs",
            log.to_str().unwrap(),
            "--expect",
            file.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]));
        assert!(
            std::fs::read_to_string(&out)
                .unwrap()
                .contains("// The team's expectations, from")
        );
        let o = sim(&["run", out.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(code), "{expect}\n{}", stderr(&o));
    }
    // A file that is not a RON list: its place, exit 2, nothing written.
    let file = dir.path().join("broken.ron");
    std::fs::write(&file, "[Count(count: Mirrored,\n  at_most: ]").unwrap();
    let out = dir.path().join("none.ron");
    let o = sim(&[
        "import",
        "aws",
        "tests/fixtures/aws/guide-example",
        "--expect",
        file.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_exit_2_saying(&o, "broken.ron:2:");
    assert!(!out.exists());
}
