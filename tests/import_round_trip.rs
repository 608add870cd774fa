//! `sim import aws` against the scenarios it should reproduce: each shipped
//! scenario's topology written as the AWS CLI's describe outputs (a test
//! helper, `describe`), imported, and compared with the original: the same
//! VPCs, subnets, ENIs, security groups, load balancers, endpoints and
//! mirror configuration.

use serde_json::{Value, json};
use topology::network::SgSource;
use topology::{TargetResource, Topology};

use crate::common::*;

/// The topology as describe outputs, one file per call.
fn describe(t: &Topology) -> Vec<(String, Value)> {
    let account = |a: topology::AccountIdx| t.accounts[a.index()].id.clone();
    let vpcs: Vec<Value> = t
        .vpcs
        .iter()
        .map(|v| {
            let cidrs: Vec<Value> = v
                .cidr_blocks
                .iter()
                .map(|c| json!({ "CidrBlock": c.to_string(), "CidrBlockState": { "State": "associated" } }))
                .collect();
            json!({ "VpcId": v.id, "OwnerId": account(v.owner), "CidrBlockAssociationSet": cidrs })
        })
        .collect();
    let subnets: Vec<Value> = t
        .subnets
        .iter()
        .map(|s| {
            json!({ "SubnetId": s.id, "VpcId": t.vpc(s.vpc).id, "AvailabilityZone": s.availability_zone,
                    "CidrBlock": s.cidr_block.map(|c| c.to_string()) })
        })
        .collect();
    let groups: Vec<Value> = t
        .security_groups
        .iter()
        .map(|g| {
            let permissions: Vec<Value> = g
                .ingress_rules
                .iter()
                .map(|r| {
                    let mut p = json!({
                        "IpProtocol": r.protocol.map_or("-1".to_string(), |p| p.to_string()),
                        "IpRanges": [], "Ipv6Ranges": [], "UserIdGroupPairs": [],
                    });
                    if let Some(range) = r.port_range {
                        p["FromPort"] = range.from_port.into();
                        p["ToPort"] = range.to_port.into();
                    }
                    match &r.source {
                        SgSource::Cidr(c) if c.addr().is_ipv4() => {
                            p["IpRanges"] = json!([{ "CidrIp": c.to_string() }])
                        }
                        SgSource::Cidr(c) => {
                            p["Ipv6Ranges"] = json!([{ "CidrIpv6": c.to_string() }])
                        }
                        SgSource::Group(s) => {
                            p["UserIdGroupPairs"] =
                                json!([{ "GroupId": t.security_groups[s.index()].id }])
                        }
                    }
                    p
                })
                .collect();
            json!({ "GroupId": g.id, "VpcId": t.vpc(g.vpc).id, "IpPermissions": permissions })
        })
        .collect();
    let eni = |e: &topology::Eni, index: usize| {
        let groups: Vec<Value> = e
            .security_groups
            .iter()
            .map(|g| json!({ "GroupId": t.security_groups[g.index()].id }))
            .collect();
        json!({ "NetworkInterfaceId": e.id, "SubnetId": t.subnet(e.subnet).id,
                "PrivateIpAddress": e.private_ip.to_string(), "Groups": groups,
                "InterfaceType": "interface", "Attachment": { "DeviceIndex": index } })
    };
    let reservations: Vec<Value> = t
        .instances
        .iter()
        .enumerate()
        .map(|(i, inst)| {
            let nics: Vec<Value> = t
                .enis
                .iter()
                .filter(|e| e.instance.is_some_and(|x| x.index() == i))
                .enumerate()
                .map(|(k, e)| eni(e, k))
                .collect();
            json!({ "Instances": [{ "InstanceId": inst.id, "InstanceType": inst.instance_type,
                                    "SubnetId": t.subnet(inst.subnet).id, "NetworkInterfaces": nics }] })
        })
        .collect();
    let alone: Vec<Value> = t
        .enis
        .iter()
        .filter(|e| e.instance.is_none() && e.requester_managed_by.is_none())
        .map(|e| {
            let mut v = eni(e, 0);
            v.as_object_mut().unwrap().remove("Attachment");
            v
        })
        .collect();
    let mut lbs = Vec::new();
    let mut listeners = Vec::new();
    let mut groups_out = Vec::new();
    let mut files = Vec::new();
    let member = |e: &topology::EniIdx| {
        t.instance_of(*e)
            .map_or_else(|| t.eni(*e).id.clone(), |i| i.id.clone())
    };
    for n in &t.network_load_balancers {
        let name = topology::short_name(&n.id);
        let zones: Vec<Value> = n
            .nodes
            .iter()
            .map(|x| json!({ "SubnetId": t.subnet(x.subnet).id }))
            .collect();
        lbs.push(
            json!({ "LoadBalancerArn": n.id, "LoadBalancerName": name, "Type": "network",
                         "VpcId": t.vpc(n.vpc).id, "AvailabilityZones": zones }),
        );
        if n.udp_4789_listener {
            listeners.push(json!({ "LoadBalancerArn": n.id, "Port": 4789, "Protocol": "UDP" }));
        }
        let tg = format!("{name}-tg");
        groups_out.push(
            json!({ "TargetGroupArn": format!("{}/tg", n.id), "TargetGroupName": tg,
                                "TargetType": "instance", "LoadBalancerArns": [n.id] }),
        );
        let health: Vec<Value> = n.targets.iter().map(|e| json!({ "Target": { "Id": member(e) }, "TargetHealth": { "State": "healthy" } })).collect();
        files.push((
            format!("health-{tg}.json"),
            json!({ "TargetHealthDescriptions": health }),
        ));
        files.push((format!("{name}-attributes.json"), json!({ "Attributes": [{ "Key": "load_balancing.cross_zone.enabled", "Value": n.cross_zone.to_string() }] })));
    }
    let mut services = Vec::new();
    for g in &t.gateway_load_balancers {
        let name = topology::short_name(&g.id);
        let zones: Vec<Value> = g
            .nodes
            .iter()
            .map(|x| json!({ "SubnetId": t.subnet(x.subnet).id }))
            .collect();
        lbs.push(
            json!({ "LoadBalancerArn": g.id, "LoadBalancerName": name, "Type": "gateway",
                         "VpcId": t.vpc(g.vpc).id, "AvailabilityZones": zones }),
        );
        let tg = format!("{name}-tg");
        groups_out.push(
            json!({ "TargetGroupArn": format!("{}/tg", g.id), "TargetGroupName": tg,
                                "TargetType": "instance", "LoadBalancerArns": [g.id] }),
        );
        let health: Vec<Value> = g.targets.iter().map(|e| json!({ "Target": { "Id": member(e) }, "TargetHealth": { "State": "healthy" } })).collect();
        files.push((
            format!("health-{tg}.json"),
            json!({ "TargetHealthDescriptions": health }),
        ));
        files.push((format!("{name}-attributes.json"), json!({ "Attributes": [{ "Key": "load_balancing.cross_zone.enabled", "Value": g.cross_zone.to_string() }] })));
        services.push(
            json!({ "ServiceName": format!("svc-{name}"), "GatewayLoadBalancerArns": [g.id] }),
        );
    }
    let endpoints: Vec<Value> = t
        .gwlb_endpoints
        .iter()
        .map(|v| {
            let g = &t.gateway_load_balancers[v.gateway_load_balancer.index()];
            json!({ "VpcEndpointId": v.id, "VpcEndpointType": "GatewayLoadBalancer",
                    "VpcId": t.vpc(t.subnet(v.subnet).vpc).id,
                    "ServiceName": format!("svc-{}", topology::short_name(&g.id)),
                    "SubnetIds": [t.subnet(v.subnet).id] })
        })
        .collect();
    let targets: Vec<Value> = t
        .targets
        .iter()
        .map(|x| {
            let mut v = json!({ "TrafficMirrorTargetId": x.id, "OwnerId": account(x.owner), "Description": x.description });
            match x.resource {
                TargetResource::NetworkInterface(e) => v["NetworkInterfaceId"] = t.eni(e).id.clone().into(),
                TargetResource::NetworkLoadBalancer(n) => {
                    v["NetworkLoadBalancerArn"] = t.network_load_balancers[n.index()].id.clone().into()
                }
                TargetResource::GatewayLoadBalancerEndpoint(e) => {
                    v["GatewayLoadBalancerEndpointId"] = t.gwlb_endpoints[e.index()].id.clone().into()
                }
            }
            v
        })
        .collect();
    let rule = |r: &topology::FilterRule| {
        let mut v = json!({ "RuleNumber": r.rule_number, "RuleAction": r.rule_action.as_str(),
                            "SourceCidrBlock": r.source_cidr_block.to_string(),
                            "DestinationCidrBlock": r.destination_cidr_block.to_string() });
        if let Some(p) = r.protocol {
            v["Protocol"] = p.into();
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
    let filters: Vec<Value> = t
        .filters
        .iter()
        .map(|f| {
            json!({ "TrafficMirrorFilterId": f.id, "OwnerId": account(f.owner),
                    "IngressFilterRules": f.ingress_filter_rules.iter().map(rule).collect::<Vec<_>>(),
                    "EgressFilterRules": f.egress_filter_rules.iter().map(rule).collect::<Vec<_>>(),
                    "NetworkServices": if f.amazon_dns { json!(["amazon-dns"]) } else { json!([]) } })
        })
        .collect();
    let sessions: Vec<Value> = t
        .sessions
        .iter()
        .map(|s| {
            json!({ "TrafficMirrorSessionId": s.id, "OwnerId": account(s.owner),
                    "NetworkInterfaceId": t.eni(s.source).id, "TrafficMirrorTargetId": t.target(s.target).id,
                    "TrafficMirrorFilterId": t.filters[s.filter.index()].id, "SessionNumber": s.session_number,
                    "VirtualNetworkId": s.virtual_network_id, "PacketLength": s.packet_length })
        })
        .collect();
    files.extend([
        ("vpcs.json".to_string(), json!({ "Vpcs": vpcs })),
        ("subnets.json".to_string(), json!({ "Subnets": subnets })),
        (
            "security-groups.json".to_string(),
            json!({ "SecurityGroups": groups }),
        ),
        (
            "instances.json".to_string(),
            json!({ "Reservations": reservations }),
        ),
        (
            "enis.json".to_string(),
            json!({ "NetworkInterfaces": alone }),
        ),
        (
            "load-balancers.json".to_string(),
            json!({ "LoadBalancers": lbs }),
        ),
        (
            "listeners.json".to_string(),
            json!({ "Listeners": listeners }),
        ),
        (
            "target-groups.json".to_string(),
            json!({ "TargetGroups": groups_out }),
        ),
        (
            "endpoints.json".to_string(),
            json!({ "VpcEndpoints": endpoints }),
        ),
        (
            "services.json".to_string(),
            json!({ "ServiceConfigurations": services }),
        ),
        (
            "targets.json".to_string(),
            json!({ "TrafficMirrorTargets": targets }),
        ),
        (
            "filters.json".to_string(),
            json!({ "TrafficMirrorFilters": filters }),
        ),
        (
            "sessions.json".to_string(),
            json!({ "TrafficMirrorSessions": sessions }),
        ),
    ]);
    files
}

/// What the import must keep: ids and the fields that decide mirroring.
fn fingerprint(t: &Topology) -> Vec<String> {
    let mut out = Vec::new();
    for s in &t.subnets {
        out.push(format!(
            "subnet {} {} {:?} in {}",
            s.id,
            s.availability_zone,
            s.cidr_block,
            t.vpc(s.vpc).id
        ));
    }
    for e in &t.enis {
        if e.requester_managed_by.is_none() {
            out.push(format!(
                "eni {} {} in {} groups {}",
                e.id,
                e.private_ip,
                t.subnet(e.subnet).id,
                e.security_groups.len()
            ));
        }
    }
    for g in &t.security_groups {
        out.push(format!("sg {} {} rules", g.id, g.ingress_rules.len()));
    }
    for n in &t.network_load_balancers {
        out.push(format!(
            "nlb {} nodes {} targets {} cross {}",
            n.id,
            n.nodes.len(),
            n.targets.len(),
            n.cross_zone
        ));
    }
    for g in &t.gateway_load_balancers {
        out.push(format!(
            "gwlb {} nodes {} targets {}",
            g.id,
            g.nodes.len(),
            g.targets.len()
        ));
    }
    for x in &t.targets {
        out.push(format!("target {} {:?}", x.id, x.resource));
    }
    for f in &t.filters {
        out.push(format!(
            "filter {} {:?} {:?} {}",
            f.id,
            f.ingress_filter_rules
                .iter()
                .map(|r| (r.rule_number, r.protocol))
                .collect::<Vec<_>>(),
            f.egress_filter_rules
                .iter()
                .map(|r| (r.rule_number, r.protocol))
                .collect::<Vec<_>>(),
            f.amazon_dns
        ));
    }
    for s in &t.sessions {
        out.push(format!(
            "session {} {} {} {} {} {} {:?}",
            s.id,
            t.eni(s.source).id,
            t.target(s.target).id,
            t.filters[s.filter.index()].id,
            s.session_number,
            s.virtual_network_id,
            s.packet_length
        ));
    }
    // Declaration order may differ (groups come per VPC); what exists may not.
    out.sort();
    out
}

#[test]
fn every_shipped_scenario_without_routing_survives_describe_and_import() {
    // Routing (route tables, ACLs, peering, transit gateways) is compared
    // by its own tests, and RAM shares are not imported: here, the
    // scenarios of one account that use no routing.
    let dir = tempfile::tempdir().unwrap();
    let mut compared = 0;
    for path in scenario_files() {
        let Ok(loaded) = load_file(&path, &path.display().to_string()) else {
            continue;
        };
        let t = &loaded.scenario.topology;
        // RAM shares (subnets, targets across accounts) are not imported.
        if t.accounts.len() > 1 {
            continue;
        }
        if !t.peering_connections.is_empty()
            || !t.transit_gateways.is_empty()
            || !t.route_tables.is_empty()
            || !t.network_acls.is_empty()
        {
            continue;
        }
        let snap = dir.path().join(path.file_stem().unwrap());
        std::fs::create_dir_all(&snap).unwrap();
        for (file, v) in describe(t) {
            std::fs::write(snap.join(file), serde_json::to_string_pretty(&v).unwrap()).unwrap();
        }
        let (_, again) = imported(
            &["import", "aws", snap.to_str().unwrap()],
            &snap.join("imported.ron"),
        );
        assert_eq!(
            fingerprint(&again.topology),
            fingerprint(t),
            "{}",
            path.display()
        );
        compared += 1;
    }
    assert!(compared >= 8, "compared {compared} scenarios");
}
