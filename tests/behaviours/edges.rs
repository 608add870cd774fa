//! The second catalogue (2026-12): load balancers, security, bandwidth and
//! API edges, as AWS behaves beyond the guide's sentences.

use crate::common::*;

fn load_err(text: &str) -> String {
    match sim_core::load("t.ron", text, &Default::default()) {
        Ok(_) => panic!("loaded"),
        Err(e) => format!("{e:?}"),
    }
}

#[test]
fn ses_14_a_session_and_its_target_are_in_one_region() {
    // The appliance's VPC in eu-west-1, the source's in us-east-1: the API
    // looks tmt-app up in us-east-1 and does not find it.
    let text = scenario(
        "1s",
        9001,
        ACCEPT_ALL_V4,
        &session("tms-1", "tmf-all", 1, ""),
        "",
    )
    .replace(
        r#"    instances: ["#,
        r#"    instances: [
        Instance(id: "i-far", instance_type: "c5.large", subnet: "subnet-far",
                 network_interfaces: [Eni(id: "eni-far", private_ip: "10.9.1.20")]),"#,
    )
    .replace(
        r#"    ],
    instances: ["#,
        r#"        Vpc(id: "vpc-far", region: "eu-west-1", cidr_blocks: ["10.9.0.0/16"], subnets: [
            Subnet(id: "subnet-far", availability_zone: "eu-west-1a", cidr_block: "10.9.1.0/24"),
        ]),
    ],
    instances: ["#,
    )
    .replace(
        r#"Target(id: "tmt-app2", network_interface_id: "eni-app2"),"#,
        r#"Target(id: "tmt-app2", network_interface_id: "eni-app2"),
        Target(id: "tmt-far", network_interface_id: "eni-far"),"#,
    );
    // As written (sessions to tmt-app) it loads.
    load(&text);
    let refused = text.replace(
        r#"traffic_mirror_target_id: "tmt-app""#,
        r#"traffic_mirror_target_id: "tmt-far""#,
    );
    let e = load_err(&refused);
    assert!(e.contains("InvalidTrafficMirrorTargetId.NotFound"), "{e}");
    assert!(e.contains("eu-west-1"), "{e}");
    // Moving the session there later is refused the same way.
    let moved = with_timeline(
        text,
        r#"At(time: "0.5s", action: ModifyTrafficMirrorSession(traffic_mirror_session_id: "tms-1",
                                                              traffic_mirror_target_id: "tmt-far"))"#,
    );
    let e = load_err(&moved);
    assert!(e.contains("InvalidTrafficMirrorTargetId.NotFound"), "{e}");
}

#[test]
fn ses_14_availability_zones_belong_to_their_region() {
    // The standard scenario's VPC is in us-east-1 (the default Region).
    for zone in ["eu-central-9z", "us-east-2a", "us-east-12"] {
        let text = scenario("1s", 9001, ACCEPT_ALL_V4, "", "").replace(
            r#"availability_zone: "us-east-1a""#,
            &format!(r#"availability_zone: "{zone}""#),
        );
        let e = load_err(&text);
        assert!(
            e.contains("InvalidParameterValue") && e.contains(zone),
            "{zone}: {e}"
        );
    }
    // A Region AWS does not have.
    let text = scenario("1s", 9001, ACCEPT_ALL_V4, "", "").replace(
        r#"duration: "1s","#,
        r#"duration: "1s", region: "eu-central-9","#,
    );
    let e = load_err(&text);
    assert!(e.contains("not an AWS Region"), "{e}");
}
