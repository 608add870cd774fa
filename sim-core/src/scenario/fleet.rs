//! The fleet shorthand: `fleet: Fleet(count: N, instance_type: T)` on a
//! Network or Gateway Load Balancer stands for N appliances of type T,
//! placed in the load balancer's subnets in turn (so spread over its
//! enabled zones as evenly as N allows) and registered as its targets.
//! `sim sweep --vary LB.fleet.count=... --with LB.fleet.instance_type=...`
//! then sizes a fleet without writing each appliance.
//!
//! The appliances are written out before anything is built, so every rule
//! applies to them as to hand-written ones. They are named after the load
//! balancer: `i-NAME-fleet-01`, with one ENI `eni-NAME-fleet-01`, where
//! NAME is its short name (an ARN's name part).

use topology::instance_types::{self, Support};
use topology::{Diagnostic, ErrorCode};

use super::context::{Problems, id_anchor};
use super::schema::{EniSpec, FleetSpec, InstanceSpec, ScenarioFile};

/// More appliances than this behind one load balancer is refused: a typo
/// should not build ten thousand instances.
pub const MAX_FLEET: u32 = 1_000;

/// Writes out every load balancer's fleet as instances and targets.
pub fn expand(file: &mut ScenarioFile, p: &mut Problems) {
    let mut made = Vec::new();
    let lbs = file
        .network_load_balancers
        .iter_mut()
        .map(|n| (&n.id, &n.owner, &n.subnets, &n.fleet, &mut n.targets))
        .chain(
            file.gateway_load_balancers
                .iter_mut()
                .map(|g| (&g.id, &g.owner, &g.subnets, &g.fleet, &mut g.targets)),
        );
    for (id, owner, subnets, fleet, targets) in lbs {
        let Some(fleet) = fleet else { continue };
        if !valid(id, fleet, subnets, p) {
            continue;
        }
        let name: String = topology::short_name(id)
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        for k in 1..=fleet.count {
            let instance = format!("i-{name}-fleet-{k:02}");
            made.push(InstanceSpec {
                id: instance.clone(),
                instance_type: fleet.instance_type.clone(),
                subnet: subnets[(k as usize - 1) % subnets.len()].clone(),
                owner: owner.clone(),
                network_performance: fleet.network_performance,
                cluster_placement_group: None,
                network_interfaces: vec![EniSpec {
                    id: format!("eni-{name}-fleet-{k:02}"),
                    security_groups: fleet.security_groups.clone(),
                    ..EniSpec::default()
                }],
            });
            targets.push(instance);
        }
    }
    file.instances.extend(made);
}

/// Whether a fleet can be written out; says why not where it cannot.
fn valid(id: &str, fleet: &FleetSpec, subnets: &[String], p: &mut Problems) -> bool {
    let mut refuse = |message: String, help: Option<String>| {
        let d = Diagnostic::error(ErrorCode::InvalidParameterValue, id, "fleet", message);
        p.push(id_anchor(id), help.map_or(d.clone(), |h| d.with_help(h)));
        false
    };
    if fleet.count == 0 || fleet.count > MAX_FLEET {
        return refuse(
            format!(
                "a fleet of {} appliances: a fleet has 1 to {MAX_FLEET}",
                fleet.count
            ),
            None,
        );
    }
    if instance_types::support(&fleet.instance_type) == Support::Unknown {
        return refuse(
            format!("`{}` is not an EC2 instance type", fleet.instance_type),
            Some(format!(
                "did you mean {}?",
                instance_types::closest(&fleet.instance_type).join(", ")
            )),
        );
    }
    if subnets.is_empty() {
        return refuse(
            "a fleet goes in the load balancer's subnets, and it has none".into(),
            None,
        );
    }
    true
}
