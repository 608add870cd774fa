//! `sim import terraform PLAN.json [--base DIR]`: the resources a
//! Terraform plan (`terraform show -json`) creates or changes, as the
//! describe outputs AWS will print once it is applied, laid over a base
//! snapshot, then imported as `sim import aws` imports a snapshot. Deleted
//! resources leave the base.
//!
//! Also read: `aws_security_group_rule` and
//! `aws_vpc_security_group_ingress_rule` (inbound), and filter rules and
//! group rules the plan adds to a filter or group of the base (the base's
//! item with them is laid over it); resources of child modules, whose
//! references name resources of their own module.
//!
//! Values known only after apply (ids, ARNs) get stable placeholders made
//! from the resource's address (`tmt-plan-ids`), named at the head of the
//! scenario; an attribute that refers to another resource of the plan
//! (`aws_vpc.main.id`, from the plan's `configuration`) takes that
//! resource's id or placeholder.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::import_aws::{self, Doc, Imported};

/// Plans larger than this are refused.
const MAX_PLAN_BYTES: u64 = 256 << 20;

/// One resource of the plan, as it will be.
struct Planned<'a> {
    address: String,
    kind: String,
    after: &'a Value,
    unknown: &'a Value,
}

/// What a placeholder looks like per resource type.
fn prefix(kind: &str) -> &'static str {
    match kind {
        "aws_vpc" => "vpc",
        "aws_subnet" => "subnet",
        "aws_security_group" => "sg",
        "aws_instance" => "i",
        "aws_network_interface" => "eni",
        "aws_ec2_traffic_mirror_target" => "tmt",
        "aws_ec2_traffic_mirror_filter" => "tmf",
        "aws_ec2_traffic_mirror_filter_rule" => "tmfr",
        "aws_ec2_traffic_mirror_session" => "tms",
        "aws_vpc_endpoint" => "vpce",
        _ => "plan",
    }
}

/// `aws_instance.web[0]` as a name part: `web-0`.
fn short(address: &str) -> String {
    let name = address.rsplit_once('.').map_or(address, |(_, n)| n);
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .trim_end_matches('-')
        .to_string()
}

/// The resource's id (or, for load balancers and groups, ARN), known or a
/// placeholder, and the primary ENI of an instance.
fn identity(p: &Planned<'_>) -> (String, bool) {
    let known = |k: &str| p.after.get(k).and_then(Value::as_str).map(String::from);
    let name = known("name").unwrap_or_else(|| short(&p.address));
    match p.kind.as_str() {
        "aws_lb" => known("arn").map_or_else(
            || {
                let kind = if known("load_balancer_type").as_deref() == Some("gateway") {
                    "gwy"
                } else {
                    "net"
                };
                (
                    format!(
                        "arn:aws:elasticloadbalancing:plan:plan:loadbalancer/{kind}/{name}/plan"
                    ),
                    true,
                )
            },
            |a| (a, false),
        ),
        "aws_lb_target_group" => known("arn").map_or_else(
            || {
                (
                    format!("arn:aws:elasticloadbalancing:plan:plan:targetgroup/{name}/plan"),
                    true,
                )
            },
            |a| (a, false),
        ),
        "aws_vpc_endpoint_service" => known("service_name").map_or_else(
            || {
                (
                    format!("com.amazonaws.vpce.plan.{}", short(&p.address)),
                    true,
                )
            },
            |a| (a, false),
        ),
        kind => known("id").map_or_else(
            || (format!("{}-plan-{}", prefix(kind), short(&p.address)), true),
            |a| (a, false),
        ),
    }
}

/// A resource's `name` attribute, or its address's name.
fn name_of(p: &Planned<'_>) -> String {
    p.after
        .get("name")
        .and_then(Value::as_str)
        .map_or_else(|| short(&p.address), String::from)
}

/// How deep child modules are followed.
const MAX_MODULE_DEPTH: usize = 16;

/// The expressions of a module's resources, and of its child modules'
/// (`module_calls`), by full address (`module.net.aws_subnet.a`).
fn module_references<'a>(
    module: &'a Value,
    prefix: &str,
    depth: usize,
    into: &mut BTreeMap<String, (String, &'a Value)>,
) {
    if depth > MAX_MODULE_DEPTH {
        return;
    }
    for r in module
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let (Some(a), Some(e)) = (
            r.get("address").and_then(Value::as_str),
            r.get("expressions"),
        ) {
            into.insert(format!("{prefix}{a}"), (prefix.to_string(), e));
        }
    }
    if let Some(calls) = module.get("module_calls").and_then(Value::as_object) {
        for (name, call) in calls {
            if let Some(child) = call.get("module") {
                module_references(child, &format!("{prefix}module.{name}."), depth + 1, into);
            }
        }
    }
}

/// A planned resource's address as the configuration writes it: without
/// the instance keys of `count` and `for_each` (`module.a[0].aws_x.b["k"]`
/// is `module.a.aws_x.b`).
fn config_address(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let (mut depth, mut quoted) = (0usize, false);
    for c in address.chars() {
        match c {
            '"' if depth > 0 => quoted = !quoted,
            '[' if !quoted => depth += 1,
            ']' if !quoted && depth > 0 => depth -= 1,
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// A resource as the describe call's output that would list it.
fn push(docs: &mut Vec<Doc>, shown: &str, p: &Planned<'_>, key: &str, item: Value) {
    docs.push((
        format!("{shown}#{}", p.address),
        Vec::new(),
        json!({ key: [item] }),
    ));
}

pub fn import(
    plan_path: &Path,
    base: Option<&Path>,
    flow_logs: &[PathBuf],
) -> Result<Imported, Vec<String>> {
    let shown = plan_path.display().to_string();
    let text = crate::input::read_bounded(plan_path, MAX_PLAN_BYTES, "a plan")
        .map_err(|e| vec![format!("{shown}: {e}")])?;
    let plan: Value = serde_json::from_str(&text).map_err(|e| {
        vec![format!(
            "{shown}: {}:{}: not JSON: {e}",
            e.line(),
            e.column()
        )]
    })?;
    let Some(changes) = plan.get("resource_changes").and_then(Value::as_array) else {
        return Err(vec![format!(
            "{shown}: $.resource_changes: not a plan (make it with `terraform show -json PLAN`)"
        )]);
    };
    // The plan's references, by resource address, with the module the
    // resource sits in (`module.net.`): a reference inside a child module
    // names resources of that module.
    let mut references: BTreeMap<String, (String, &Value)> = BTreeMap::new();
    if let Some(root) = plan.pointer("/configuration/root_module") {
        module_references(root, "", 0, &mut references);
    }
    let mut planned: Vec<Planned<'_>> = Vec::new();
    let mut deleted: BTreeSet<String> = BTreeSet::new();
    let mut unmodelled: BTreeMap<String, usize> = BTreeMap::new();
    let null = Value::Null;
    for c in changes {
        if c.get("mode").and_then(Value::as_str) == Some("data") {
            continue;
        }
        let kind = c.get("type").and_then(Value::as_str).unwrap_or_default();
        let address = c.get("address").and_then(Value::as_str).unwrap_or_default();
        let change = c.get("change").unwrap_or(&null);
        let actions: Vec<&str> = change
            .get("actions")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if actions == ["delete"] {
            if let Some(before) = change.get("before") {
                for k in ["id", "arn"] {
                    if let Some(id) = before.get(k).and_then(Value::as_str) {
                        deleted.insert(id.to_string());
                    }
                }
            }
            continue;
        }
        let after = change.get("after").unwrap_or(&null);
        if after.is_null() {
            continue;
        }
        if !matches!(
            kind,
            "aws_vpc"
                | "aws_subnet"
                | "aws_security_group"
                | "aws_security_group_rule"
                | "aws_vpc_security_group_ingress_rule"
                | "aws_instance"
                | "aws_network_interface"
                | "aws_lb"
                | "aws_lb_listener"
                | "aws_lb_target_group"
                | "aws_lb_target_group_attachment"
                | "aws_vpc_endpoint"
                | "aws_vpc_endpoint_service"
                | "aws_ec2_traffic_mirror_target"
                | "aws_ec2_traffic_mirror_filter"
                | "aws_ec2_traffic_mirror_filter_rule"
                | "aws_ec2_traffic_mirror_session"
        ) {
            *unmodelled.entry(kind.to_string()).or_default() += 1;
            continue;
        }
        planned.push(Planned {
            address: address.to_string(),
            kind: kind.to_string(),
            after,
            unknown: change.get("after_unknown").unwrap_or(&null),
        });
    }
    let ids: BTreeMap<String, (String, bool)> = planned
        .iter()
        .map(|p| (p.address.clone(), identity(p)))
        .collect();
    let mut errors: Vec<String> = Vec::new();
    // An attribute's value: known, or the id of the resource it refers to.
    let resolve = |p: &Planned<'_>, attr: &str, errors: &mut Vec<String>| -> Option<String> {
        if let Some(v) = p.after.get(attr).and_then(Value::as_str) {
            return Some(v.to_string());
        }
        let unknown = p.unknown.get(attr).is_some_and(|u| u == &Value::Bool(true));
        let referred = references
            .get(&config_address(&p.address))
            .and_then(|(module, e)| {
                e.get(attr)
                    .and_then(|x| x.get("references"))
                    .and_then(Value::as_array)
                    .and_then(|r| {
                        r.iter().filter_map(Value::as_str).find_map(|r| {
                            let target = r.rsplit_once('.').map_or(r, |(a, _)| a);
                            ids.get(&format!("{module}{target}"))
                                .or_else(|| ids.get(&format!("{module}{r}")))
                                .map(|(id, _)| id.clone())
                        })
                    })
            });
        if referred.is_none() && unknown {
            errors.push(format!(
                "{shown}: {}.{attr}: unknown until apply, and not a reference to a resource of the plan",
                p.address
            ));
        }
        referred
    };
    let list = |p: &Planned<'_>, attr: &str, errors: &mut Vec<String>| -> Vec<String> {
        match p.after.get(attr).and_then(Value::as_array) {
            Some(a) => a
                .iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect(),
            None => resolve(p, attr, errors).into_iter().collect(),
        }
    };
    let num = |p: &Planned<'_>, attr: &str| p.after.get(attr).cloned().filter(|v| !v.is_null());
    let mut docs: Vec<Doc> = Vec::new();
    let mut rules: BTreeMap<String, (Vec<Value>, Vec<Value>)> = BTreeMap::new();
    let mut tg_lbs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in planned.iter().filter(|p| p.kind == "aws_lb_listener") {
        let lb = resolve(p, "load_balancer_arn", &mut errors).unwrap_or_default();
        for a in p
            .after
            .get("default_action")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(tg) = a
                .get("target_group_arn")
                .and_then(Value::as_str)
                .map(String::from)
                .or_else(|| {
                    let (module, e) = references.get(&config_address(&p.address))?;
                    let r = e
                        .pointer("/default_action/0/target_group_arn/references/0")
                        .and_then(Value::as_str)?;
                    ids.get(&format!(
                        "{module}{}",
                        r.rsplit_once('.').map_or(r, |(a, _)| a)
                    ))
                    .map(|(id, _)| id.clone())
                })
            {
                tg_lbs.entry(tg).or_default().push(lb.clone());
            }
        }
    }
    // Inbound rules of their own (egress is not modelled: SRC-06), by
    // group: added to a planned group, or to the base's.
    let mut sg_rules: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for p in &planned {
        let a = p.after;
        let permission = match p.kind.as_str() {
            "aws_security_group_rule"
                if a.get("type").and_then(Value::as_str) == Some("ingress") =>
            {
                let mut ranges: Vec<Value> = Vec::new();
                let mut v6: Vec<Value> = Vec::new();
                for c in a
                    .get("cidr_blocks")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    ranges.push(json!({ "CidrIp": c }));
                }
                for c in a
                    .get("ipv6_cidr_blocks")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    v6.push(json!({ "CidrIpv6": c }));
                }
                let mut pairs: Vec<Value> = Vec::new();
                if a.get("self") == Some(&Value::Bool(true)) {
                    pairs.push(json!({ "GroupId": resolve(p, "security_group_id", &mut errors) }));
                } else if a
                    .get("source_security_group_id")
                    .is_some_and(|v| !v.is_null())
                    || p.unknown.get("source_security_group_id") == Some(&Value::Bool(true))
                {
                    pairs.push(
                        json!({ "GroupId": resolve(p, "source_security_group_id", &mut errors) }),
                    );
                }
                json!({ "IpProtocol": a.get("protocol"), "FromPort": a.get("from_port"), "ToPort": a.get("to_port"),
                        "IpRanges": ranges, "Ipv6Ranges": v6, "UserIdGroupPairs": pairs })
            }
            "aws_vpc_security_group_ingress_rule" => {
                let one = |k: &str, field: &str| -> Vec<Value> {
                    a.get(k)
                        .filter(|v| !v.is_null())
                        .map_or(Vec::new(), |c| vec![json!({ field: c })])
                };
                let mut pairs: Vec<Value> = Vec::new();
                if a.get("referenced_security_group_id")
                    .is_some_and(|v| !v.is_null())
                    || p.unknown.get("referenced_security_group_id") == Some(&Value::Bool(true))
                {
                    pairs.push(json!({ "GroupId": resolve(p, "referenced_security_group_id", &mut errors) }));
                }
                json!({ "IpProtocol": a.get("ip_protocol"), "FromPort": a.get("from_port"), "ToPort": a.get("to_port"),
                        "IpRanges": one("cidr_ipv4", "CidrIp"), "Ipv6Ranges": one("cidr_ipv6", "CidrIpv6"),
                        "UserIdGroupPairs": pairs })
            }
            _ => continue,
        };
        if let Some(group) = resolve(p, "security_group_id", &mut errors) {
            sg_rules.entry(group).or_default().push(permission);
        }
    }
    for p in planned
        .iter()
        .filter(|p| p.kind == "aws_ec2_traffic_mirror_filter_rule")
    {
        let filter = resolve(p, "traffic_mirror_filter_id", &mut errors).unwrap_or_default();
        let range = |k: &str| {
            p.after
                .get(k)
                .and_then(Value::as_array)
                .and_then(|a| a.first())
                .map(|r| json!({ "FromPort": r.get("from_port"), "ToPort": r.get("to_port") }))
        };
        let mut rule = json!({
            "RuleNumber": num(p, "rule_number"),
            "RuleAction": p.after.get("rule_action"),
            "SourceCidrBlock": p.after.get("source_cidr_block"),
            "DestinationCidrBlock": p.after.get("destination_cidr_block"),
            "Description": p.after.get("description"),
        });
        if let Some(proto) = num(p, "protocol") {
            rule["Protocol"] = proto;
        }
        if let Some(r) = range("source_port_range") {
            rule["SourcePortRange"] = r;
        }
        if let Some(r) = range("destination_port_range") {
            rule["DestinationPortRange"] = r;
        }
        let entry = rules.entry(filter).or_default();
        if p.after.get("traffic_direction").and_then(Value::as_str) == Some("egress") {
            entry.1.push(rule);
        } else {
            entry.0.push(rule);
        }
    }
    for p in &planned {
        let id = ids[&p.address].0.clone();
        let a = p.after;
        match p.kind.as_str() {
            "aws_vpc" => push(
                &mut docs,
                &shown,
                p,
                "Vpcs",
                json!({ "VpcId": id, "CidrBlock": a.get("cidr_block") }),
            ),
            "aws_subnet" => {
                let vpc = resolve(p, "vpc_id", &mut errors);
                push(
                    &mut docs,
                    &shown,
                    p,
                    "Subnets",
                    json!({
                        "SubnetId": id, "VpcId": vpc,
                        "AvailabilityZone": a.get("availability_zone"), "CidrBlock": a.get("cidr_block"),
                    }),
                );
            }
            "aws_security_group" => {
                let vpc = resolve(p, "vpc_id", &mut errors);
                let mut permissions: Vec<Value> = a
                    .get("ingress")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|r| {
                        let ranges: Vec<Value> = r.get("cidr_blocks").and_then(Value::as_array).into_iter().flatten()
                            .map(|c| json!({ "CidrIp": c })).collect();
                        let v6: Vec<Value> = r.get("ipv6_cidr_blocks").and_then(Value::as_array).into_iter().flatten()
                            .map(|c| json!({ "CidrIpv6": c })).collect();
                        let mut groups: Vec<Value> = r.get("security_groups").and_then(Value::as_array).into_iter().flatten()
                            .map(|g| json!({ "GroupId": g })).collect();
                        // `self = true`: members of the group itself.
                        if r.get("self") == Some(&Value::Bool(true)) {
                            groups.push(json!({ "GroupId": id }));
                        }
                        json!({
                            "IpProtocol": r.get("protocol"), "FromPort": r.get("from_port"), "ToPort": r.get("to_port"),
                            "IpRanges": ranges, "Ipv6Ranges": v6, "UserIdGroupPairs": groups,
                        })
                    })
                    .collect();
                permissions.extend(sg_rules.remove(&id).unwrap_or_default());
                push(
                    &mut docs,
                    &shown,
                    p,
                    "SecurityGroups",
                    json!({
                        "GroupId": id, "VpcId": vpc, "Description": a.get("description"), "IpPermissions": permissions,
                    }),
                );
            }
            "aws_instance" => {
                let subnet = resolve(p, "subnet_id", &mut errors);
                let groups: Vec<Value> = list(p, "vpc_security_group_ids", &mut errors)
                    .into_iter()
                    .map(|g| json!({ "GroupId": g }))
                    .collect();
                let eni = format!("eni-plan-{}", short(&p.address));
                push(
                    &mut docs,
                    &shown,
                    p,
                    "Reservations",
                    json!({ "Instances": [{
                        "InstanceId": id, "InstanceType": a.get("instance_type"), "SubnetId": subnet,
                        "NetworkInterfaces": [{
                            "NetworkInterfaceId": eni, "PrivateIpAddress": a.get("private_ip"),
                            "Groups": groups, "Attachment": { "DeviceIndex": 0 },
                        }],
                    }]}),
                );
            }
            "aws_network_interface" => {
                let subnet = resolve(p, "subnet_id", &mut errors);
                let ip = a
                    .get("private_ip")
                    .filter(|v| !v.is_null())
                    .cloned()
                    .or_else(|| {
                        a.get("private_ips")
                            .and_then(Value::as_array)
                            .and_then(|l| l.first())
                            .cloned()
                    });
                let groups: Vec<Value> = list(p, "security_groups", &mut errors)
                    .into_iter()
                    .map(|g| json!({ "GroupId": g }))
                    .collect();
                push(
                    &mut docs,
                    &shown,
                    p,
                    "NetworkInterfaces",
                    json!({
                        "NetworkInterfaceId": id, "SubnetId": subnet, "PrivateIpAddress": ip, "Groups": groups,
                    }),
                );
            }
            "aws_lb" => {
                let mut subnets = list(p, "subnets", &mut errors);
                for m in a
                    .get("subnet_mapping")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(sn) = m.get("subnet_id").and_then(Value::as_str) {
                        subnets.push(sn.to_string());
                    }
                }
                let zones: Vec<Value> = subnets.iter().map(|s| json!({ "SubnetId": s })).collect();
                let name = name_of(p);
                push(
                    &mut docs,
                    &shown,
                    p,
                    "LoadBalancers",
                    json!({
                        "LoadBalancerArn": id, "LoadBalancerName": name,
                        "Type": a.get("load_balancer_type").and_then(Value::as_str).unwrap_or("application"),
                        "VpcId": Value::Null, "AvailabilityZones": zones,
                    }),
                );
                let cross = a
                    .get("enable_cross_zone_load_balancing")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                docs.push((
                    format!("{shown}#{}-attributes", name),
                    Vec::new(),
                    json!({ "Attributes": [{ "Key": "load_balancing.cross_zone.enabled", "Value": cross.to_string() }] }),
                ));
            }
            "aws_lb_listener" => {
                let lb = resolve(p, "load_balancer_arn", &mut errors);
                push(
                    &mut docs,
                    &shown,
                    p,
                    "Listeners",
                    json!({ "LoadBalancerArn": lb, "Port": a.get("port"), "Protocol": a.get("protocol") }),
                );
            }
            "aws_lb_target_group" => {
                let name = name_of(p);
                push(
                    &mut docs,
                    &shown,
                    p,
                    "TargetGroups",
                    json!({
                        "TargetGroupArn": id, "TargetGroupName": name,
                        "TargetType": a.get("target_type").and_then(Value::as_str).unwrap_or("instance"),
                        "LoadBalancerArns": tg_lbs.get(&id).cloned().unwrap_or_default(),
                    }),
                );
            }
            "aws_lb_target_group_attachment" => {
                let tg = resolve(p, "target_group_arn", &mut errors).unwrap_or_default();
                let target = resolve(p, "target_id", &mut errors);
                let tg_name = planned
                    .iter()
                    .find(|x| x.kind == "aws_lb_target_group" && ids[&x.address].0 == tg)
                    .and_then(|x| {
                        x.after
                            .get("name")
                            .and_then(Value::as_str)
                            .map(String::from)
                            .or(Some(short(&x.address)))
                    })
                    .unwrap_or_default();
                docs.push((
                    format!("{shown}#{}-target-health-{tg_name}", p.address),
                    Vec::new(),
                    json!({ "TargetHealthDescriptions": [{ "Target": { "Id": target }, "TargetHealth": { "State": "healthy" } }] }),
                ));
            }
            "aws_vpc_endpoint" => {
                let vpc = resolve(p, "vpc_id", &mut errors);
                let service = resolve(p, "service_name", &mut errors);
                push(
                    &mut docs,
                    &shown,
                    p,
                    "VpcEndpoints",
                    json!({
                        "VpcEndpointId": id, "VpcEndpointType": a.get("vpc_endpoint_type"), "VpcId": vpc,
                        "ServiceName": service, "SubnetIds": list(p, "subnet_ids", &mut errors),
                    }),
                );
            }
            "aws_vpc_endpoint_service" => {
                push(
                    &mut docs,
                    &shown,
                    p,
                    "ServiceConfigurations",
                    json!({
                        "ServiceName": id,
                        "GatewayLoadBalancerArns": list(p, "gateway_load_balancer_arns", &mut errors),
                    }),
                );
            }
            "aws_ec2_traffic_mirror_target" => {
                let mut t =
                    json!({ "TrafficMirrorTargetId": id, "Description": a.get("description") });
                for (attr, key) in [
                    ("network_interface_id", "NetworkInterfaceId"),
                    ("network_load_balancer_arn", "NetworkLoadBalancerArn"),
                    (
                        "gateway_load_balancer_endpoint_id",
                        "GatewayLoadBalancerEndpointId",
                    ),
                ] {
                    let set = a.get(attr).is_some_and(|v| !v.is_null())
                        || p.unknown.get(attr) == Some(&Value::Bool(true));
                    if set && let Some(v) = resolve(p, attr, &mut errors) {
                        t[key] = v.into();
                    }
                }
                push(&mut docs, &shown, p, "TrafficMirrorTargets", t);
            }
            "aws_ec2_traffic_mirror_filter" => {
                let (ingress, egress) = rules.remove(&id).unwrap_or_default();
                push(
                    &mut docs,
                    &shown,
                    p,
                    "TrafficMirrorFilters",
                    json!({
                        "TrafficMirrorFilterId": id, "Description": a.get("description"),
                        "NetworkServices": a.get("network_services"),
                        "IngressFilterRules": ingress, "EgressFilterRules": egress,
                    }),
                );
            }
            "aws_ec2_traffic_mirror_session" => {
                let mut m = json!({
                    "TrafficMirrorSessionId": id,
                    "NetworkInterfaceId": resolve(p, "network_interface_id", &mut errors),
                    "TrafficMirrorTargetId": resolve(p, "traffic_mirror_target_id", &mut errors),
                    "TrafficMirrorFilterId": resolve(p, "traffic_mirror_filter_id", &mut errors),
                    "SessionNumber": num(p, "session_number"),
                    "Description": a.get("description"),
                });
                for (attr, key) in [
                    ("virtual_network_id", "VirtualNetworkId"),
                    ("packet_length", "PacketLength"),
                ] {
                    if let Some(v) = num(p, attr) {
                        m[key] = v;
                    }
                }
                push(&mut docs, &shown, p, "TrafficMirrorSessions", m);
            }
            _ => {}
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // The base snapshot first, so the plan's resources replace its own;
    // what the plan deletes goes.
    let mut all: Vec<Doc> = match base {
        Some(dir) => {
            let located = |e: String| format!("{}/{e}", dir.display());
            let mut docs = import_aws::read_snapshot(dir)
                .map_err(|errors| errors.into_iter().map(located).collect::<Vec<_>>())?;
            for d in docs.iter_mut() {
                d.0 = located(std::mem::take(&mut d.0));
            }
            docs
        }
        None => Vec::new(),
    };
    // Rules the plan adds to a filter or a security group of the base: the
    // base's item with them, laid over it as a planned one.
    let mut extended: Vec<Doc> = Vec::new();
    for (key, field, id, add) in rules
        .into_iter()
        .map(|(f, (i, e))| {
            (
                "TrafficMirrorFilters",
                "TrafficMirrorFilterId",
                f,
                vec![i, e],
            )
        })
        .chain(
            sg_rules
                .into_iter()
                .map(|(g, p)| ("SecurityGroups", "GroupId", g, vec![p])),
        )
    {
        let found = all
            .iter()
            .flat_map(|(_, _, v)| v.get(key).and_then(Value::as_array).into_iter().flatten())
            .find(|item| item.get(field).and_then(Value::as_str) == Some(id.as_str()));
        let Some(item) = found else {
            errors.push(format!(
                "{shown}: rules of {id}, which is neither in the plan nor in the base snapshot (give --base)"
            ));
            continue;
        };
        let mut item = item.clone();
        let lists: &[&str] = if key == "SecurityGroups" {
            &["IpPermissions"]
        } else {
            &["IngressFilterRules", "EgressFilterRules"]
        };
        for (list, new) in lists.iter().zip(add) {
            let existing = item
                .get_mut(*list)
                .and_then(Value::as_array_mut)
                .map(std::mem::take)
                .unwrap_or_default();
            // A planned rule replaces the base's of the same number.
            let numbers: BTreeSet<u64> = new
                .iter()
                .filter_map(|r| r.get("RuleNumber").and_then(Value::as_u64))
                .collect();
            let mut merged: Vec<Value> = existing
                .into_iter()
                .filter(|r| {
                    r.get("RuleNumber")
                        .and_then(Value::as_u64)
                        .is_none_or(|n| !numbers.contains(&n))
                })
                .collect();
            merged.extend(new);
            item[*list] = Value::Array(merged);
        }
        extended.push((
            format!("{shown}#rules of {id}"),
            Vec::new(),
            json!({ key: [item] }),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    docs.extend(extended);
    let kept = |item: &Value, field: &str| {
        item.get(field)
            .and_then(Value::as_str)
            .is_none_or(|id| !deleted.contains(id))
    };
    for (_, _, v) in all.iter_mut() {
        let Some(obj) = v.as_object_mut() else {
            continue;
        };
        for (key, list) in obj.iter_mut() {
            let (Some(field), Some(list)) = (import_aws::id_field(key), list.as_array_mut()) else {
                continue;
            };
            if key == "Reservations" {
                for r in list.iter_mut() {
                    if let Some(instances) = r.get_mut("Instances").and_then(Value::as_array_mut) {
                        instances.retain(|i| kept(i, field));
                    }
                }
            } else {
                list.retain(|i| kept(i, field));
            }
        }
    }
    // A load balancer's VPC is its subnets'.
    let subnet_vpc: BTreeMap<String, String> = all
        .iter()
        .chain(docs.iter())
        .flat_map(|(_, _, v)| {
            v.get("Subnets")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
        })
        .filter_map(|s| {
            Some((
                s.get("SubnetId")?.as_str()?.to_string(),
                s.get("VpcId")?.as_str()?.to_string(),
            ))
        })
        .collect();
    for (_, _, v) in docs.iter_mut() {
        if let Some(lbs) = v.get_mut("LoadBalancers").and_then(Value::as_array_mut) {
            for lb in lbs {
                let vpc = lb
                    .pointer("/AvailabilityZones/0/SubnetId")
                    .and_then(Value::as_str)
                    .and_then(|s| subnet_vpc.get(s))
                    .cloned();
                lb["VpcId"] = vpc.into();
            }
        }
    }
    let overlay = all.len();
    all.extend(docs);
    let placeholders: Vec<String> = planned
        .iter()
        .filter(|p| ids[&p.address].1)
        .map(|p| format!("{} = {}", p.address, ids[&p.address].0))
        .collect();
    let name = plan_path
        .file_stem()
        .map_or("plan".into(), |n| n.to_string_lossy().into_owned());
    let command = match base {
        Some(b) => format!("sim import terraform {shown} --base {}", b.display()),
        None => format!("sim import terraform {shown}"),
    };
    let mut imported = import_aws::build(&all, overlay, &name, &command, &placeholders, flow_logs)?;
    if !unmodelled.is_empty() {
        imported.text.push_str("// Not imported from the plan:\n");
        for (kind, n) in unmodelled {
            imported.text.push_str(&format!(
                "// - {kind}: {n}: not a resource this import reads.\n"
            ));
        }
    }
    Ok(imported)
}
