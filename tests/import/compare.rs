//! What a round trip must keep, as sorted lines to compare: the
//! topology's fingerprint, and the mirror configuration without its ids.

use topology::{TargetResource, Topology};

use super::describe::describe;
use crate::common::*;

/// The id of what a target points at: an ENI, an NLB, an endpoint.
fn resource_of(t: &Topology, x: &topology::TrafficMirrorTarget) -> String {
    match x.resource {
        TargetResource::NetworkInterface(e) => t.eni(e).id.clone(),
        TargetResource::NetworkLoadBalancer(n) => t.network_load_balancers[n.index()].id.clone(),
        TargetResource::GatewayLoadBalancerEndpoint(e) => t.gwlb_endpoints[e.index()].id.clone(),
    }
}

/// What the import must keep: ids and the fields that decide mirroring.
pub(super) fn fingerprint(t: &Topology) -> Vec<String> {
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
pub(super) fn survives(t: &Topology, dir: &std::path::Path, what: &str) {
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

/// The mirror configuration without its ids (which a plan leaves unknown
/// until apply): per session, its source, what its target points at, its
/// number, packet length and filter.
pub(super) fn mirror_configuration(t: &Topology) -> Vec<String> {
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
