//! The test helper `describe`: a topology as the AWS CLI's describe
//! outputs (EC2, elbv2, RAM and Organizations), in `ACCOUNT/REGION/`
//! folders when there is more than one account or Region.

use serde_json::{Value, json};
use topology::network::SgSource;
use topology::{TargetResource, Topology};

/// Where the describe outputs of a snapshot go: one file per call and
/// account, in `ACCOUNT/REGION/` folders when the topology has more than
/// one account or Region (flat otherwise, as a one-account snapshot may be).
pub(crate) struct Snapshot {
    pub(crate) folders: bool,
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
