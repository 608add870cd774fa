//! VPCs, subnets, and what connects and guards them: route tables, peering
//! connections, transit gateways, network ACLs and security groups.

use ipnet::IpNet;
use topology::filter::PortRange;
use topology::network::*;
use topology::{
    AccountIdx, AclIdx, Diagnostic, ErrorCode, PeeringIdx, RouteTableIdx, SgIdx, Subnet, SubnetIdx,
    TgwIdx, Topology, Vpc, VpcIdx,
};

use super::context::{DEFAULT_REGION, NUMBER_RANGE, Names, Problems, id_anchor};
use super::locate::Anchor;
use super::schema::*;

pub fn build(file: &ScenarioFile, topo: &mut Topology, names: &mut Names, p: &mut Problems) {
    let region = file.region.as_deref().unwrap_or(DEFAULT_REGION);
    build_vpcs(file, region, topo, names, p);
    build_peerings(file, topo, names, p);
    build_transit_gateways(file, region, topo, names, p);
    for (v, spec) in file.vpcs.iter().enumerate() {
        let vpc = VpcIdx(v as u32);
        build_security_groups(spec, vpc, topo, names);
        build_route_tables(spec, vpc, topo, names, p);
        build_network_acls(spec, vpc, topo, names, p);
    }
    build_sg_rules(file, topo, names, p);
    associate_subnets(file, topo, names, p);
}

fn build_vpcs(
    file: &ScenarioFile,
    region: &str,
    topo: &mut Topology,
    names: &mut Names,
    p: &mut Problems,
) {
    for v in &file.vpcs {
        let a = id_anchor(&v.id);
        if !v.cidr_blocks.iter().any(|c| matches!(c, IpNet::V4(_))) {
            p.error(
                &a,
                ErrorCode::InvalidParameterValue,
                &v.id,
                "cidr_blocks",
                "a VPC needs an IPv4 CIDR block (its primary one)",
            );
        }
        let vpc_region = v.region.as_deref().unwrap_or(region);
        // SES-14: a Region AWS has; its zones belong to it.
        if !topology::regions::is_region(vpc_region) {
            let field = if v.region.is_some() { "region" } else { "id" };
            p.error(
                &a,
                ErrorCode::InvalidParameterValue,
                &v.id,
                field,
                format!("`{vpc_region}` is not an AWS Region"),
            );
        }
        let vpc = VpcIdx(topo.vpcs.len() as u32);
        names.vpcs.entry(v.id.clone()).or_insert(vpc);
        let owner = names.owner(&v.owner, AccountIdx(0), &v.id, p);
        topo.vpcs.push(Vpc {
            id: v.id.clone(),
            owner,
            region: v.region.clone().unwrap_or_else(|| region.to_string()),
            cidr_blocks: v.cidr_blocks.iter().map(|c| c.trunc()).collect(),
        });
        for s in &v.subnets {
            let a = id_anchor(&s.id);
            if s.cidr_block.is_none() && s.ipv6_cidr_block.is_none() {
                p.error(
                    &a,
                    ErrorCode::MissingParameter,
                    &s.id,
                    "cidr_block",
                    "a subnet needs a cidr_block or an ipv6_cidr_block",
                );
            }
            if topology::regions::is_region(vpc_region)
                && !topology::regions::zone_in_region(&s.availability_zone, vpc_region)
            {
                p.error(
                    &a,
                    ErrorCode::InvalidParameterValue,
                    &s.id,
                    "availability_zone",
                    format!(
                        "{} is not an Availability Zone of {vpc_region}, the Region of {}",
                        s.availability_zone, v.id
                    ),
                );
            }
            let inside = |net: IpNet| v.cidr_blocks.iter().any(|c| c.contains(&net));
            // EC2 answers InvalidSubnet.Range for a block outside the VPC's
            // or a prefix outside /16../28 (IPv6: /44../64).
            if let Some(c) = s.cidr_block {
                if !(16..=28).contains(&c.prefix_len()) {
                    p.error(
                        &a,
                        ErrorCode::InvalidSubnetRange,
                        &s.id,
                        "cidr_block",
                        format!("{c}: a subnet's prefix length is /16 to /28"),
                    );
                } else if !inside(IpNet::V4(c)) {
                    p.push(
                        a.clone(),
                        Diagnostic::error(
                            ErrorCode::InvalidSubnetRange,
                            &s.id,
                            "cidr_block",
                            format!("{c} is not inside any CIDR block of {}", v.id),
                        )
                        .with_help("choose a block inside one of the VPC's cidr_blocks"),
                    );
                }
            }
            if let Some(c) = s.ipv6_cidr_block {
                if !(44..=64).contains(&c.prefix_len()) {
                    p.error(
                        &a,
                        ErrorCode::InvalidSubnetRange,
                        &s.id,
                        "ipv6_cidr_block",
                        format!("{c}: a subnet's IPv6 prefix length is /44 to /64"),
                    );
                } else if !inside(IpNet::V6(c)) {
                    p.push(
                        a.clone(),
                        Diagnostic::error(
                            ErrorCode::InvalidSubnetRange,
                            &s.id,
                            "ipv6_cidr_block",
                            format!("{c} is not inside any CIDR block of {}", v.id),
                        )
                        .with_help("choose a block inside one of the VPC's cidr_blocks"),
                    );
                }
            }
            let mut shared_with = Vec::new();
            for acct in &s.shared_with {
                match names.accounts.get(acct) {
                    Some(&i) => shared_with.push(i),
                    None => p.error(
                        &a,
                        ErrorCode::UnknownResource,
                        &s.id,
                        "shared_with",
                        format!("no account `{acct}` is declared"),
                    ),
                }
            }
            let idx = SubnetIdx(topo.subnets.len() as u32);
            names.subnets.entry(s.id.clone()).or_insert(idx);
            topo.subnets.push(Subnet {
                id: s.id.clone(),
                vpc,
                availability_zone: s.availability_zone.clone(),
                cidr_block: s.cidr_block.map(|c| c.trunc()),
                ipv6_cidr_block: s.ipv6_cidr_block.map(|c| c.trunc()),
                route_table: None,
                network_acl: None,
                shared_with,
            });
        }
        subnet_conflicts(v, p);
    }
}

/// InvalidSubnet.Conflict: two subnets of one VPC share addresses. Blocks
/// sorted by first address overlap only with the one that reaches
/// furthest before them, so one pass finds every conflict.
fn subnet_conflicts(v: &VpcSpec, p: &mut Problems) {
    let mut blocks: Vec<(IpNet, &str, &'static str)> = Vec::new();
    for s in &v.subnets {
        if let Some(c) = s.cidr_block {
            blocks.push((IpNet::V4(c.trunc()), &s.id, "cidr_block"));
        }
        if let Some(c) = s.ipv6_cidr_block {
            blocks.push((IpNet::V6(c.trunc()), &s.id, "ipv6_cidr_block"));
        }
    }
    blocks.sort_by_key(|(net, _, _)| (net.network(), net.prefix_len()));
    let mut reach: Option<(IpNet, &str)> = None;
    for (net, id, field) in blocks {
        match reach {
            Some((prev, prev_id)) if prev.contains(&net.network()) => {
                p.error(
                    &id_anchor(id),
                    ErrorCode::InvalidSubnetConflict,
                    id,
                    field,
                    format!("{net} conflicts with {prev} of {prev_id}"),
                );
                if net.broadcast() > prev.broadcast() {
                    reach = Some((net, id));
                }
            }
            _ => reach = Some((net, id)),
        }
    }
}

fn build_peerings(file: &ScenarioFile, topo: &mut Topology, names: &mut Names, p: &mut Problems) {
    for pc in &file.vpc_peering_connections {
        let a = id_anchor(&pc.id);
        let mut vpc = |field, id: &String| {
            let found = names.vpcs.get(id).copied();
            if found.is_none() {
                p.error(
                    &a,
                    ErrorCode::InvalidVpcIdNotFound,
                    &pc.id,
                    field,
                    format!("no VPC `{id}` is declared"),
                );
            }
            found
        };
        let (Some(r), Some(acc)) = (
            vpc("requester_vpc_id", &pc.requester_vpc_id),
            vpc("accepter_vpc_id", &pc.accepter_vpc_id),
        ) else {
            continue;
        };
        if r == acc {
            p.error(
                &a,
                ErrorCode::InvalidParameterValue,
                &pc.id,
                "accepter_vpc_id",
                "a VPC cannot peer with itself",
            );
        }
        names.peerings.insert(
            pc.id.clone(),
            PeeringIdx(topo.peering_connections.len() as u32),
        );
        topo.peering_connections.push(PeeringConnection {
            id: pc.id.clone(),
            requester_vpc: r,
            accepter_vpc: acc,
            status: match pc.status {
                PeeringStatusSpec::Active => PeeringStatus::Active,
                PeeringStatusSpec::PendingAcceptance => PeeringStatus::PendingAcceptance,
                PeeringStatusSpec::Rejected => PeeringStatus::Rejected,
                PeeringStatusSpec::Deleted => PeeringStatus::Deleted,
            },
        });
    }
}

fn build_transit_gateways(
    file: &ScenarioFile,
    region: &str,
    topo: &mut Topology,
    names: &mut Names,
    p: &mut Problems,
) {
    for t in &file.transit_gateways {
        let tgw = TgwIdx(topo.transit_gateways.len() as u32);
        names.tgws.insert(t.id.clone(), tgw);
        let owner = names.owner(&t.owner, AccountIdx(0), &t.id, p);
        let tgw_region = t.region.clone().unwrap_or_else(|| region.to_string());
        let mut attachments = Vec::new();
        for at in &t.attachments {
            let a = id_anchor(&at.id);
            let Some(&vpc) = names.vpcs.get(&at.vpc_id) else {
                p.error(
                    &a,
                    ErrorCode::InvalidVpcIdNotFound,
                    &at.id,
                    "vpc_id",
                    format!("no VPC `{}` is declared", at.vpc_id),
                );
                continue;
            };
            if topo.vpc(vpc).region != tgw_region {
                p.error(
                    &a,
                    ErrorCode::InvalidParameterValue,
                    &at.id,
                    "vpc_id",
                    format!(
                        "{} is in {}, {} in {}: attachments stay in the gateway's Region",
                        at.vpc_id,
                        topo.vpc(vpc).region,
                        t.id,
                        tgw_region
                    ),
                );
            }
            let mut subnets = Vec::new();
            for s in &at.subnet_ids {
                match names.subnets.get(s) {
                    Some(&si) if topo.subnet(si).vpc == vpc => subnets.push(si),
                    Some(_) => p.error(
                        &a,
                        ErrorCode::InvalidParameterValue,
                        &at.id,
                        "subnet_ids",
                        format!("{s} is not in {}", at.vpc_id),
                    ),
                    None => p.error(
                        &a,
                        ErrorCode::InvalidSubnetIdNotFound,
                        &at.id,
                        "subnet_ids",
                        format!("no subnet `{s}` is declared"),
                    ),
                }
            }
            names
                .attachments
                .insert(at.id.clone(), (tgw, attachments.len()));
            attachments.push(TgwAttachment {
                id: at.id.clone(),
                vpc,
                subnets,
            });
        }
        let attachment = |id: &String, field, table: &str, p: &mut Problems| {
            let found = attachments.iter().position(|a| &a.id == id);
            if found.is_none() {
                p.error(
                    &id_anchor(table),
                    ErrorCode::InvalidTransitGatewayAttachmentIdNotFound,
                    table,
                    field,
                    format!("{} has no attachment `{id}`", t.id),
                );
            }
            found
        };
        let mut tables: Vec<TgwRouteTable> = Vec::new();
        for rt in &t.route_tables {
            let mut routes = Vec::new();
            for r in &rt.routes {
                let to = match (&r.transit_gateway_attachment_id, r.blackhole) {
                    (Some(a), false) => match attachment(a, "routes", &rt.id, p) {
                        Some(i) => Some(i),
                        None => continue,
                    },
                    (None, true) => None,
                    _ => {
                        p.error(
                            &id_anchor(&rt.id),
                            ErrorCode::InvalidParameterCombination,
                            &rt.id,
                            "routes",
                            format!(
                                "route {} needs exactly one of transit_gateway_attachment_id and blackhole: true",
                                r.destination_cidr_block
                            ),
                        );
                        continue;
                    }
                };
                routes.push(TgwRoute {
                    destination_cidr_block: r.destination_cidr_block.trunc(),
                    attachment: to,
                    propagated: false,
                });
            }
            for prop in &rt.propagations {
                if let Some(i) = attachment(prop, "propagations", &rt.id, p) {
                    for c in &topo.vpc(attachments[i].vpc).cidr_blocks {
                        routes.push(TgwRoute {
                            destination_cidr_block: *c,
                            attachment: Some(i),
                            propagated: true,
                        });
                    }
                }
            }
            let mut associations = Vec::new();
            for assoc in &rt.associations {
                if let Some(i) = attachment(assoc, "associations", &rt.id, p) {
                    if tables.iter().any(|t| t.associations.contains(&i)) {
                        p.error(
                            &id_anchor(&rt.id),
                            ErrorCode::InvalidParameterValue,
                            &rt.id,
                            "associations",
                            format!("{assoc} is already associated with another route table"),
                        );
                    }
                    associations.push(i);
                }
            }
            tables.push(TgwRouteTable {
                id: rt.id.clone(),
                routes,
                associations,
            });
        }
        topo.transit_gateways.push(TransitGateway {
            id: t.id.clone(),
            owner,
            region: tgw_region,
            attachments,
            route_tables: tables,
            security_group_referencing: t.security_group_referencing_support,
        });
    }
}

fn port_range(s: Option<PortRangeSpec>) -> Option<PortRange> {
    s.map(|s| PortRange {
        from_port: s.from_port,
        to_port: s.to_port,
    })
}

fn build_security_groups(spec: &VpcSpec, vpc: VpcIdx, topo: &mut Topology, names: &mut Names) {
    // Declare first, so rules may reference any group of the VPC.
    for g in &spec.security_groups {
        if g.default {
            names
                .default_sgs
                .entry(vpc)
                .or_insert(SgIdx(topo.security_groups.len() as u32));
        }
        names
            .sgs
            .insert(g.id.clone(), SgIdx(topo.security_groups.len() as u32));
        topo.security_groups.push(SecurityGroup {
            id: g.id.clone(),
            vpc,
            ingress_rules: Vec::new(),
        });
    }
}

/// Resolves security group rules once every group of every VPC is known.
fn build_sg_rules(file: &ScenarioFile, topo: &mut Topology, names: &Names, p: &mut Problems) {
    for v in &file.vpcs {
        for g in &v.security_groups {
            let idx = names.sgs[&g.id];
            let mut rules = Vec::new();
            for (i, r) in g.ingress_rules.iter().enumerate() {
                let anchor = Anchor::Child {
                    parent: g.id.clone(),
                    list: "ingress_rules",
                    index: i,
                };
                let source = match (&r.cidr_block, &r.source_security_group_id) {
                    (Some(c), None) => SgSource::Cidr(c.trunc()),
                    (None, Some(sg)) => match names.sgs.get(sg) {
                        Some(&s) => SgSource::Group(s),
                        None => {
                            p.error(
                                &anchor,
                                ErrorCode::InvalidGroupNotFound,
                                &g.id,
                                "source_security_group_id",
                                format!("no security group `{sg}` is declared"),
                            );
                            continue;
                        }
                    },
                    _ => {
                        p.error(
                            &anchor,
                            ErrorCode::InvalidParameterCombination,
                            &g.id,
                            "cidr_block",
                            "a rule needs exactly one of cidr_block and source_security_group_id",
                        );
                        continue;
                    }
                };
                check_ports(r.protocol, r.port_range, &anchor, &g.id, p);
                rules.push(SgRule {
                    protocol: r.protocol,
                    port_range: port_range(r.port_range),
                    source,
                    description: r.description.clone(),
                });
            }
            topo.security_groups[idx.index()].ingress_rules = rules;
        }
    }
}

fn check_ports(
    protocol: Option<u8>,
    range: Option<PortRangeSpec>,
    anchor: &Anchor,
    id: &str,
    p: &mut Problems,
) {
    if let Some(r) = range {
        if !matches!(protocol, Some(6) | Some(17)) {
            p.error(
                anchor,
                ErrorCode::InvalidParameterCombination,
                id,
                "port_range",
                "a port range needs protocol 6 (TCP) or 17 (UDP)",
            );
        }
        if r.from_port > r.to_port {
            p.error(
                anchor,
                ErrorCode::InvalidParameterValue,
                id,
                "port_range",
                format!("from_port {} is above to_port {}", r.from_port, r.to_port),
            );
        }
    }
}

fn build_route_tables(
    spec: &VpcSpec,
    vpc: VpcIdx,
    topo: &mut Topology,
    names: &mut Names,
    p: &mut Problems,
) {
    let mains = spec.route_tables.iter().filter(|r| r.main).count();
    if mains > 1 {
        p.error(
            &id_anchor(&spec.id),
            ErrorCode::InvalidParameterValue,
            &spec.id,
            "route_tables",
            format!("{mains} route tables are marked main; a VPC has one"),
        );
    }
    for rt in &spec.route_tables {
        let a = id_anchor(&rt.id);
        // Every route table has the local routes for the VPC's blocks.
        let mut routes: Vec<Route> = topo
            .vpc(vpc)
            .cidr_blocks
            .iter()
            .map(|c| Route {
                destination_cidr_block: *c,
                target: RouteTarget::Local,
                target_id: "local".into(),
            })
            .collect();
        for r in &rt.routes {
            let target = if r.target == "local" {
                Some(RouteTarget::Local)
            } else if r.target.starts_with("pcx-") {
                names
                    .peerings
                    .get(&r.target)
                    .map(|&i| RouteTarget::Peering(i))
            } else if r.target.starts_with("tgw-") {
                names
                    .tgws
                    .get(&r.target)
                    .map(|&i| RouteTarget::TransitGateway(i))
            } else if r.target.starts_with("igw-") {
                Some(RouteTarget::InternetGateway(r.target.clone()))
            } else {
                p.error(
                    &a,
                    ErrorCode::InvalidParameterValue,
                    &rt.id,
                    "target",
                    format!("`{}` is not local or a pcx-, tgw- or igw- id", r.target),
                );
                continue;
            };
            let Some(target) = target else {
                let code = if r.target.starts_with("pcx-") {
                    ErrorCode::InvalidVpcPeeringConnectionIdNotFound
                } else {
                    ErrorCode::InvalidTransitGatewayIdNotFound
                };
                p.push(
                    a.clone(),
                    Diagnostic::error(
                        code,
                        &rt.id,
                        "target",
                        format!("no `{}` is declared", r.target),
                    )
                    .with_help("declare it in vpc_peering_connections or transit_gateways"),
                );
                continue;
            };
            if let RouteTarget::Peering(pi) = &target
                && topo.peering_connections[pi.index()].peer_of(vpc).is_none()
            {
                p.error(
                    &a,
                    ErrorCode::InvalidParameterValue,
                    &rt.id,
                    "target",
                    format!("{} does not connect {}", r.target, spec.id),
                );
            }
            routes.push(Route {
                destination_cidr_block: r.destination_cidr_block.trunc(),
                target,
                target_id: r.target.clone(),
            });
        }
        names
            .route_tables
            .insert(rt.id.clone(), RouteTableIdx(topo.route_tables.len() as u32));
        topo.route_tables.push(RouteTable {
            id: rt.id.clone(),
            vpc,
            main: rt.main,
            routes,
        });
    }
}

fn acl_entries(
    id: &str,
    list: &'static str,
    entries: &[AclEntrySpec],
    p: &mut Problems,
) -> Vec<AclEntry> {
    let mut out = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let anchor = Anchor::Child {
            parent: id.to_string(),
            list,
            index: i,
        };
        if !NUMBER_RANGE.contains(&e.rule_number) {
            p.error(
                &anchor,
                ErrorCode::InvalidParameterValue,
                id,
                "rule_number",
                format!("rule number {} is outside 1..=32766", e.rule_number),
            );
            continue;
        }
        if out
            .iter()
            .any(|o: &AclEntry| u32::from(o.rule_number) == e.rule_number)
        {
            p.error(
                &anchor,
                ErrorCode::InvalidParameterValue,
                id,
                "rule_number",
                format!("{id} already has an entry number {}", e.rule_number),
            );
        }
        check_ports(e.protocol, e.port_range, &anchor, id, p);
        out.push(AclEntry {
            rule_number: e.rule_number as u16,
            rule_action: match e.rule_action {
                AclActionSpec::Allow => AclAction::Allow,
                AclActionSpec::Deny => AclAction::Deny,
            },
            protocol: e.protocol,
            cidr_block: e.cidr_block.trunc(),
            port_range: port_range(e.port_range),
        });
    }
    out
}

fn build_network_acls(
    spec: &VpcSpec,
    vpc: VpcIdx,
    topo: &mut Topology,
    names: &mut Names,
    p: &mut Problems,
) {
    let defaults = spec.network_acls.iter().filter(|a| a.default).count();
    if defaults > 1 {
        p.error(
            &id_anchor(&spec.id),
            ErrorCode::InvalidParameterValue,
            &spec.id,
            "network_acls",
            format!("{defaults} network ACLs are marked default; a VPC has one"),
        );
    }
    for acl in &spec.network_acls {
        let ingress = acl_entries(&acl.id, "ingress_entries", &acl.ingress_entries, p);
        let egress = acl_entries(&acl.id, "egress_entries", &acl.egress_entries, p);
        names
            .acls
            .insert(acl.id.clone(), AclIdx(topo.network_acls.len() as u32));
        topo.network_acls.push(NetworkAcl {
            id: acl.id.clone(),
            vpc,
            ingress_entries: ingress,
            egress_entries: egress,
        });
    }
}

/// Gives each subnet its route table and network ACL: the explicit
/// association, else the VPC's main table and default ACL.
fn associate_subnets(file: &ScenarioFile, topo: &mut Topology, names: &Names, p: &mut Problems) {
    for (v, spec) in file.vpcs.iter().enumerate() {
        let vpc = VpcIdx(v as u32);
        let main = spec
            .route_tables
            .iter()
            .find(|r| r.main)
            .and_then(|r| names.route_tables.get(&r.id).copied());
        let default_acl = spec
            .network_acls
            .iter()
            .find(|a| a.default)
            .and_then(|a| names.acls.get(&a.id).copied());
        for s in &spec.subnets {
            let Some(&si) = names.subnets.get(&s.id) else {
                continue;
            };
            let a = id_anchor(&s.id);
            let rt = match &s.route_table {
                Some(id) => match names.route_tables.get(id) {
                    Some(&r) if topo.route_tables[r.index()].vpc == vpc => Some(r),
                    Some(_) => {
                        p.error(
                            &a,
                            ErrorCode::InvalidParameterValue,
                            &s.id,
                            "route_table",
                            format!("{id} belongs to another VPC"),
                        );
                        None
                    }
                    None => {
                        p.error(
                            &a,
                            ErrorCode::InvalidRouteTableIdNotFound,
                            &s.id,
                            "route_table",
                            format!("no route table `{id}` is declared in {}", spec.id),
                        );
                        None
                    }
                },
                None => {
                    if main.is_none() && !spec.route_tables.is_empty() {
                        p.push(
                            a.clone(),
                            Diagnostic::error(
                                ErrorCode::MissingParameter,
                                &s.id,
                                "route_table",
                                format!("{} has route tables but no main one, and this subnet names none", spec.id),
                            )
                            .with_help("mark one route table `main: true`, or associate this subnet"),
                        );
                    }
                    main
                }
            };
            let acl = match &s.network_acl {
                Some(id) => match names.acls.get(id) {
                    Some(&x) if topo.network_acls[x.index()].vpc == vpc => Some(x),
                    _ => {
                        p.error(
                            &a,
                            ErrorCode::InvalidNetworkAclIdNotFound,
                            &s.id,
                            "network_acl",
                            format!("no network ACL `{id}` is declared in {}", spec.id),
                        );
                        None
                    }
                },
                None => default_acl,
            };
            let sub = &mut topo.subnets[si.index()];
            sub.route_table = rt;
            sub.network_acl = acl;
        }
    }
}
