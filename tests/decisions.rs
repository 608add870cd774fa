//! The decision functions themselves, asked directly rather than through
//! a run: the typed hop sequence of a copy's path over peering, a transit
//! gateway and to a load balancer's nodes, and the latency the hop kinds
//! add up to.

use sim_core::copy_plan::path_latency;
use sim_core::settings::Latency;
use topology::reach::{DestinationKind, Hop};
use topology::{SessionIdx, Topology};

use crate::common::*;

fn topology_of(file: &str) -> Topology {
    load_file(&root().join("scenarios").join(file), file)
        .unwrap()
        .scenario
        .topology
}

/// The kinds of a path's hops, as names.
fn kinds(hops: &[Hop]) -> Vec<&'static str> {
    hops.iter()
        .map(|h| match h {
            Hop::Source { .. } => "source",
            Hop::Route { .. } => "route",
            Hop::LocalRoute { .. } => "local-route",
            Hop::Peering { .. } => "peering",
            Hop::TgwAttachment { .. } => "tgw-attachment",
            Hop::TgwRoute { .. } => "tgw-route",
            Hop::TgwExit { .. } => "tgw-exit",
            Hop::NetworkAcl { .. } => "network-acl",
            Hop::SecurityGroup { .. } => "security-group",
            Hop::Arrive { .. } => "arrive",
        })
        .collect()
}

#[test]
fn con_02_a_path_across_intra_region_peering_is_route_peering_acl_sg_target() {
    let t = topology_of("peering-cross-vpc.ron");
    let s = t.session(SessionIdx(0));
    let paths = t.copy_paths(s.source, s.target);
    assert_eq!(paths.len(), 1);
    let reach = &paths[0].1;
    assert!(reach.stop.is_none());
    assert_eq!(
        kinds(&reach.hops),
        [
            "source",
            "route",
            "peering",
            "network-acl",
            "security-group",
            "arrive"
        ]
    );
    assert!(matches!(
        reach.hops.last(),
        Some(Hop::Arrive {
            to: DestinationKind::Eni(_),
            ..
        })
    ));
    // Latency by hop kind: 100 us base + 50 us for the peering; source
    // and appliance are both in us-east-1a (peering-cross-vpc.ron), so no
    // zone crossing.
    assert_eq!(
        path_latency(&t, s.source, reach, &Latency::default()),
        150_000
    );
}

#[test]
fn con_02_a_path_through_a_transit_gateway_enters_routes_and_leaves_by_attachments() {
    let t = topology_of("transit-gateway.ron");
    let s = t.session(SessionIdx(0));
    let reach = &t.copy_paths(s.source, s.target)[0].1;
    assert_eq!(
        kinds(&reach.hops),
        [
            "source",
            "route",
            "tgw-attachment",
            "tgw-route",
            "tgw-exit",
            "security-group",
            "arrive"
        ]
    );
    // 100 us base + 250 us for the one transit gateway crossed, both ends
    // in us-east-1a.
    assert_eq!(
        path_latency(&t, s.source, reach, &Latency::default()),
        350_000
    );
    // The third session's source is in us-east-1b, where the attachment
    // has no subnet: the path stops after the route (CON-02).
    let s3 = t.session(SessionIdx(2));
    let reach = &t.copy_paths(s3.source, s3.target)[0].1;
    assert_eq!(kinds(&reach.hops), ["source", "route"]);
    assert_eq!(
        reach.stop.as_ref().map(|s| s.reason.code()),
        Some("tgw_no_attachment_in_az")
    );
}

#[test]
fn lb_06_a_source_with_a_node_in_its_zone_has_one_path_others_one_per_node() {
    let t = topology_of("nlb-fleet.ron");
    // web-a in us-east-1a: the NLB has a node there, so one path, to it.
    let s = t.session(SessionIdx(0));
    let paths = t.copy_paths(s.source, s.target);
    assert_eq!(paths.len(), 1);
    match paths[0].1.hops.last() {
        Some(Hop::Arrive {
            to: DestinationKind::NlbNode(n, node),
            ..
        }) => assert_eq!(
            t.network_load_balancers[n.index()].nodes[*node].availability_zone,
            "us-east-1a"
        ),
        other => panic!("{other:?}"),
    }
    // The node picked for any outer flow is that one, whatever the hash.
    let nlb = match t.target(s.target).resource {
        topology::model::TargetResource::NetworkLoadBalancer(n) => n,
        _ => unreachable!(),
    };
    for hash in [0, 1, 2, 3, u64::MAX] {
        assert_eq!(t.nlb_node(nlb, s.source, hash), paths[0].0);
    }
}

#[test]
fn every_hop_of_every_path_is_a_node_of_the_world_graph() {
    use topology::world_graph::WorldGraph;
    for file in scenario_files() {
        let t = load_file(&file, "s.ron").unwrap().scenario.topology;
        let g = WorldGraph::new(&t);
        for s in &t.sessions {
            for (_, reach) in t.copy_paths(s.source, s.target) {
                for h in &reach.hops {
                    assert!(
                        g.node(WorldGraph::hop(h)).is_some(),
                        "{}: {h:?}",
                        file.display()
                    );
                }
            }
        }
    }
}

#[test]
fn the_network_diagram_is_the_same_bytes_each_time() {
    // layout-rs keeps some state in hash maps: the drawing must not
    // depend on their order.
    let t = topology_of("transit-gateway.ron");
    let fates = reports::diagram::fates_by_path(&t);
    let a = reports::diagram::svg(&t, &fates);
    let b = reports::diagram::svg(&t, &fates);
    assert_eq!(a, b);
    // One session's copies stop at the transit gateway attachment: red.
    assert_eq!(
        fates,
        [
            reports::diagram::Fate::Arrive,
            reports::diagram::Fate::Arrive,
            reports::diagram::Fate::Dropped
        ]
    );
    let dot = reports::diagram::dot(&t, &fates);
    assert!(dot.starts_with("digraph {"));
    assert_eq!(dot.matches("color = \"red\"").count(), 1);
    assert_eq!(dot.matches("color = \"green\"").count(), 2);
}
