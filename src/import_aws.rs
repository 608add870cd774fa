//! `sim import aws DIR`: a scenario from a snapshot of an account, the JSON
//! output of AWS CLI describe calls, one call per file, any names, in
//! `ACCOUNT/REGION/` subfolders or not (as a Batfish snapshot keeps them).
//! Each file is recognised by its top-level key.
//!
//! Imported: `Vpcs`, `Subnets`, `RouteTables` (routes to internet
//! gateways, peering connections and transit gateways, associations),
//! `VpcPeeringConnections`, `TransitGateways` with `TransitGatewayVpcAttachments`,
//! `TransitGatewayAttachments` (associations), `TransitGatewayRouteTables`,
//! `TransitGatewayRouteTablePropagations` and `Routes` (search-transit-
//! gateway-routes: static routes) in files named after their table, `NetworkAcls`, `SecurityGroups` (inbound rules),
//! `Reservations` (instances and their ENIs), `NetworkInterfaces` (ENIs on
//! no instance), `TrafficMirrorTargets`, `TrafficMirrorFilters` (rules and
//! network services) and `TrafficMirrorSessions`; from elbv2,
//! `LoadBalancers` (network and gateway), `Listeners`, `TargetGroups`,
//! `TargetHealthDescriptions` and `Attributes` (cross-zone), and the
//! Gateway Load Balancer endpoints of `VpcEndpoints` with the
//! `ServiceConfigurations` that name their load balancer. The outputs of
//! `describe-target-health` and `describe-load-balancer-attributes` do not
//! name their target group or load balancer: a file of them belongs to the
//! one whose name its file name holds (`tg-ids.json`, `ids-attributes.json`),
//! or to the only one there is. Every other key is listed
//! at the end of the scenario as a note, with its count: nothing is dropped
//! silently. A reference to something the snapshot lacks is an error naming
//! the file and the JSON path (exit 2).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

mod ram;

/// Files larger than this are refused.
const MAX_FILE_BYTES: u64 = 256 << 20;
/// Folders deeper than this are not searched (ACCOUNT/REGION/ is two).
const MAX_DEPTH: usize = 4;
/// Files read at most.
const MAX_FILES: usize = 10_000;

/// Where an item came from: its file and JSON path.
#[derive(Clone, Debug)]
struct Origin {
    file: String,
    path: String,
}

impl Origin {
    /// The file's name without its extension: outputs that name no
    /// resource (target health, attributes, TGW propagations and routes)
    /// belong to the one whose name it holds.
    fn stem(&self) -> String {
        Path::new(&self.file)
            .file_stem()
            .map_or(String::new(), |x| x.to_string_lossy().into_owned())
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.file, self.path)
    }
}

/// An item of a describe call's output, with its origin.
struct Item<'a> {
    value: &'a Value,
    origin: Origin,
    /// From the plan laid over a base snapshot (`sim import terraform`):
    /// it replaces the base's item of the same id.
    planned: bool,
    /// The account folder it sits in, if the snapshot has them.
    account: Option<&'a str>,
}

/// Keys the import reads, and why the others are not (yet) modelled.
const IMPORTED: &[&str] = &[
    "TransitGateways",
    "TransitGatewayVpcAttachments",
    "TransitGatewayAttachments",
    "TransitGatewayRouteTables",
    "TransitGatewayRouteTablePropagations",
    "Routes",
    "VpcPeeringConnections",
    "LoadBalancers",
    "Listeners",
    "TargetGroups",
    "TargetHealthDescriptions",
    "Attributes",
    "VpcEndpoints",
    "ServiceConfigurations",
    "Vpcs",
    "RouteTables",
    "NetworkAcls",
    "Subnets",
    "SecurityGroups",
    "Reservations",
    "NetworkInterfaces",
    "TrafficMirrorTargets",
    "TrafficMirrorFilters",
    "TrafficMirrorSessions",
    "resourceShareAssociations",
    "resourceShares",
    "resourceShareInvitations",
];

fn why_not(key: &str) -> &'static str {
    match key {
        "InternetGateways" | "EgressOnlyInternetGateways" => {
            "routes name them by id; the gateways themselves carry nothing the twin uses"
        }
        "NatGateways" | "Addresses" | "PrefixLists" | "ManagedPrefixLists" => {
            "not modelled: routes and rules through them are left out"
        }
        "FlowLogs" => "the flow-log configuration: give the logs themselves with --flow-logs",
        _ => "not a resource the twin models",
    }
}

/// Every `.json` file under `dir`, sorted, with the `ACCOUNT/REGION`
/// subfolders they sit in.
fn files(dir: &Path) -> Result<Vec<(PathBuf, Vec<String>)>, String> {
    let mut out = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), Vec::<String>::new())];
    while let Some((d, parts)) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| format!("{}: {e}", d.display()))?;
        for e in entries {
            let e = e.map_err(|e| format!("{}: {e}", d.display()))?;
            let path = e.path();
            let kind = e
                .file_type()
                .map_err(|e| format!("{}: {e}", path.display()))?;
            if kind.is_dir() && parts.len() < MAX_DEPTH {
                let mut p = parts.clone();
                p.push(e.file_name().to_string_lossy().into_owned());
                stack.push((path, p));
            } else if kind.is_file() && path.extension().is_some_and(|x| x == "json") {
                out.push((path, parts.clone()));
                if out.len() > MAX_FILES {
                    return Err(format!(
                        "{}: more than {MAX_FILES} JSON files",
                        dir.display()
                    ));
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn arr<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// A RON string literal.
fn q(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An IP protocol as the API writes it (`"-1"`, `"tcp"`, `"6"`), as the
/// scenario does: absent for all, else its number.
fn protocol(p: &str) -> Result<Option<u8>, String> {
    match p.to_ascii_lowercase().as_str() {
        "-1" | "all" => Ok(None),
        "tcp" => Ok(Some(6)),
        "udp" => Ok(Some(17)),
        "icmp" => Ok(Some(1)),
        "icmpv6" => Ok(Some(58)),
        n => n
            .parse()
            .map(Some)
            .map_err(|_| format!("`{p}` is not an IP protocol")),
    }
}

/// How the scenario refers to a load balancer: by its name when no other
/// of `all` has it (the scenario resolves names too), else by its ARN.
fn lb_reference(all: &BTreeSet<String>, arn: &str) -> String {
    let name = topology::short_name(arn);
    let same = all
        .iter()
        .filter(|a| topology::short_name(a) == name)
        .count();
    if same == 1 && name != arn {
        name
    } else {
        arn.to_string()
    }
}

/// The account that owns an item: its `OwnerId`, else the account folder
/// it was described in (describe-traffic-mirror-filters prints no owner).
fn owner_of<'a>(item: &Item<'a>) -> Option<&'a str> {
    s(item.value, "OwnerId").or(item.account)
}

/// A reference to `id` that the snapshot lacks: an error at its origin.
fn missing(
    errors: &mut Vec<String>,
    origin: &Origin,
    field: &str,
    what: &str,
    id: &str,
    known: &BTreeSet<String>,
) {
    if !known.contains(id) {
        errors.push(format!(
            "{origin}.{field}: {what} {id} is not in the snapshot (add its describe output)"
        ));
    }
}

/// The scenario, or the located errors and the warnings.
pub struct Imported {
    pub text: String,
    pub warnings: Vec<String>,
}

/// One describe call's output: its file (as shown), the `ACCOUNT/REGION`
/// folders it sits in, and its JSON.
pub type Doc = (String, Vec<String>, Value);

/// Reads a snapshot directory's describe outputs.
pub fn read_snapshot(dir: &Path) -> Result<Vec<Doc>, Vec<String>> {
    let listed = files(dir).map_err(|e| vec![e])?;
    let mut docs: Vec<Doc> = Vec::new();
    let mut errors = Vec::new();
    for (path, parts) in &listed {
        let shown = path.strip_prefix(dir).unwrap_or(path).display().to_string();
        let read = crate::input::read_bounded(path, MAX_FILE_BYTES, "a describe call's output");
        match read.and_then(|t| {
            serde_json::from_str::<Value>(&t)
                .map_err(|e| format!("{}:{}: not JSON: {e}", e.line(), e.column()))
        }) {
            Ok(v) => docs.push((shown, parts.clone(), v)),
            Err(e) => errors.push(format!("{shown}: {e}")),
        }
    }
    if errors.is_empty() {
        Ok(docs)
    } else {
        Err(errors)
    }
}

/// The id field of each key's items: a later item with the same id
/// replaces an earlier one (a plan's resources over its base snapshot).
pub fn id_field(key: &str) -> Option<&'static str> {
    Some(match key {
        "Vpcs" => "VpcId",
        "Subnets" => "SubnetId",
        "SecurityGroups" => "GroupId",
        "Reservations" => "InstanceId",
        "NetworkInterfaces" => "NetworkInterfaceId",
        "RouteTables" => "RouteTableId",
        "NetworkAcls" => "NetworkAclId",
        "VpcPeeringConnections" => "VpcPeeringConnectionId",
        "TransitGateways" => "TransitGatewayId",
        "TransitGatewayVpcAttachments" => "TransitGatewayAttachmentId",
        "TransitGatewayRouteTables" => "TransitGatewayRouteTableId",
        "LoadBalancers" => "LoadBalancerArn",
        "TargetGroups" => "TargetGroupArn",
        "VpcEndpoints" => "VpcEndpointId",
        "TrafficMirrorTargets" => "TrafficMirrorTargetId",
        "TrafficMirrorFilters" => "TrafficMirrorFilterId",
        "TrafficMirrorSessions" => "TrafficMirrorSessionId",
        _ => return None,
    })
}

/// Expectations files larger than this are refused.
const MAX_EXPECT_BYTES: u64 = 1 << 20;

/// Writes the `expect` block of `file` (a RON list) into an imported
/// scenario, before its closing parenthesis. Its syntax is checked here
/// (file, line, column); its meaning when the scenario is loaded.
pub fn with_expectations(text: &mut String, file: &Path) -> Result<(), String> {
    let shown = file.display();
    let body = crate::input::read_bounded(file, MAX_EXPECT_BYTES, "an expect block")
        .map_err(|e| format!("{shown}: {e}"))?;
    match ron::from_str::<ron::Value>(&body) {
        Ok(ron::Value::Seq(_)) => {}
        Ok(_) => {
            return Err(format!(
                "{shown}: expected a list of expectations, `[ ... ]`"
            ));
        }
        Err(e) => {
            return Err(format!(
                "{shown}:{}:{}: {}",
                e.span.start.line, e.span.start.col, e.code
            ));
        }
    }
    let Some(close) = text.rfind("\n)\n") else {
        return Err(format!(
            "{shown}: the imported scenario has no end to add it to"
        ));
    };
    let indented: Vec<String> = body.trim().lines().map(|l| format!("    {l}")).collect();
    let block = format!(
        "\n    // The team's expectations, from {shown}:\n    expect: {},",
        indented.join("\n").trim_start()
    );
    text.insert_str(close, &block);
    Ok(())
}

/// `sim import aws DIR`.
pub fn import(dir: &Path, flow_logs: &[PathBuf]) -> Result<Imported, Vec<String>> {
    // Errors name their file from where the command was run.
    let located = |errors: Vec<String>| -> Vec<String> {
        errors
            .into_iter()
            .map(|e| format!("{}/{e}", dir.display()))
            .collect()
    };
    let docs = read_snapshot(dir).map_err(located)?;
    let name = dir
        .file_name()
        .map_or("imported".into(), |n| n.to_string_lossy().into_owned());
    build(
        &docs,
        docs.len(),
        &name,
        &format!("sim import aws {}", dir.display()),
        &[],
        flow_logs,
    )
    .map_err(located)
}

/// The scenario from describe outputs; those from `overlay` on are a plan's,
/// replacing the others' items of the same id. `placeholders` are named in
/// its head.
pub fn build(
    docs: &[Doc],
    overlay: usize,
    name: &str,
    command: &str,
    placeholders: &[String],
    flow_logs: &[PathBuf],
) -> Result<Imported, Vec<String>> {
    let mut errors = Vec::new();
    // describe-organization outside an account folder: the account of a
    // one-account snapshot.
    let mut unplaced_organizations: Vec<(Origin, String)> = Vec::new();
    // Items per key, in file order.
    let mut items: BTreeMap<&str, Vec<Item<'_>>> = BTreeMap::new();
    let mut others: BTreeMap<String, (usize, String)> = BTreeMap::new();
    let mut regions: BTreeSet<String> = BTreeSet::new();
    // describe-organization outputs: (account, origin, organisation id).
    let mut organizations: Vec<(String, Origin, String)> = Vec::new();
    for (n, (file, parts, v)) in docs.iter().enumerate() {
        let planned = n >= overlay;
        if let [_, region] = parts.as_slice() {
            regions.insert(region.clone());
        }
        let Some(obj) = v.as_object() else {
            errors.push(format!("{file}: $: not the object a describe call prints"));
            continue;
        };
        for (key, list) in obj {
            if key == "Organization"
                && let Some(org) = s(list, "Id")
            {
                let origin = Origin {
                    file: file.clone(),
                    path: "$.Organization".into(),
                };
                match parts.first() {
                    Some(account) => organizations.push((account.clone(), origin, org.into())),
                    None => unplaced_organizations.push((origin, org.to_string())),
                }
                continue;
            }
            let Some(list) = list.as_array() else {
                if IMPORTED.contains(&key.as_str()) {
                    errors.push(format!(
                        "{file}: $.{key}: not a list, as the describe call prints it"
                    ));
                }
                continue;
            };
            match IMPORTED.iter().find(|k| *k == key) {
                Some(k) => {
                    let into = items.entry(k).or_default();
                    for (i, value) in list.iter().enumerate() {
                        if *k == "Reservations" {
                            for (j, inst) in arr(value, "Instances").iter().enumerate() {
                                into.push(Item {
                                    value: inst,
                                    origin: Origin {
                                        file: file.clone(),
                                        path: format!("$.Reservations[{i}].Instances[{j}]"),
                                    },
                                    planned,
                                    account: parts.first().map(String::as_str),
                                });
                            }
                        } else {
                            into.push(Item {
                                value,
                                origin: Origin {
                                    file: file.clone(),
                                    path: format!("$.{key}[{i}]"),
                                },
                                planned,
                                account: parts.first().map(String::as_str),
                            });
                        }
                    }
                }
                None => {
                    let e = others.entry(key.clone()).or_insert((0, file.clone()));
                    e.0 += list.len();
                }
            }
        }
    }
    // One id, one item: a planned item replaces the base's; twice in one
    // layer is an error naming both places.
    for (key, list) in items.iter_mut() {
        let Some(field) = id_field(key) else { continue };
        let mut first: BTreeMap<String, (Origin, bool, Option<&str>)> = BTreeMap::new();
        let mut replaced: BTreeSet<String> = BTreeSet::new();
        // The same resource seen from two accounts (a peering connection
        // between them, a shared subnet): the first folder's is kept.
        let mut seen_twice: BTreeSet<(String, String)> = BTreeSet::new();
        for item in list.iter() {
            let Some(id) = s(item.value, field) else {
                continue;
            };
            match first.get(id) {
                Some((_, planned, account))
                    if *planned == item.planned
                        && account.is_some()
                        && item.account.is_some()
                        && *account != item.account =>
                {
                    seen_twice.insert((id.to_string(), item.origin.to_string()));
                }
                Some((o, planned, _)) if *planned == item.planned => errors.push(format!(
                    "{}.{field}: {id} is listed twice, also at {o}",
                    item.origin
                )),
                Some(_) => {
                    replaced.insert(id.to_string());
                }
                None => {
                    first.insert(
                        id.to_string(),
                        (item.origin.clone(), item.planned, item.account),
                    );
                }
            }
        }
        list.retain(|item| {
            let id = s(item.value, field);
            (item.planned || id.is_none_or(|id| !replaced.contains(id)))
                && id.is_none_or(|id| {
                    !seen_twice.contains(&(id.to_string(), item.origin.to_string()))
                })
        });
    }
    let get = |k: &str| items.get(k).map_or(&[][..], Vec::as_slice);
    let mut warnings = Vec::new();
    // Accounts and Regions: one of each unless the snapshot has folders.
    let owners: BTreeSet<&str> = get("Vpcs")
        .iter()
        .filter_map(|i| s(i.value, "OwnerId"))
        .collect();
    if owners.len() > 1 && docs.iter().all(|(_, p, _)| p.is_empty()) {
        warnings.push(format!(
            "the snapshot mixes accounts ({}) without ACCOUNT/REGION/ subfolders: each VPC keeps its owner",
            owners.iter().copied().collect::<Vec<_>>().join(", ")
        ));
    }
    for (origin, org) in unplaced_organizations {
        match owners.iter().collect::<Vec<_>>().as_slice() {
            [only] => organizations.push((only.to_string(), origin, org)),
            _ => warnings.push(format!(
                "{origin}: describe-organization output outside an ACCOUNT/ folder, in a snapshot of {} accounts, names no account: not used",
                owners.len()
            )),
        }
    }
    let zones: BTreeSet<String> = get("Subnets")
        .iter()
        .filter_map(|i| s(i.value, "AvailabilityZone"))
        .map(|z| {
            z.trim_end_matches(|c: char| c.is_ascii_lowercase())
                .to_string()
        })
        .collect();
    if zones.len() > 1 && regions.is_empty() {
        warnings.push(format!(
            "the snapshot mixes Regions ({}) without ACCOUNT/REGION/ subfolders",
            zones.iter().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    let ids = |k: &str, field: &str| -> BTreeSet<String> {
        get(k)
            .iter()
            .filter_map(|i| s(i.value, field))
            .map(String::from)
            .collect()
    };
    let vpc_ids = ids("Vpcs", "VpcId");
    let subnet_ids = ids("Subnets", "SubnetId");
    let group_ids = ids("SecurityGroups", "GroupId");
    let mut eni_ids: BTreeSet<String> = ids("NetworkInterfaces", "NetworkInterfaceId");
    for i in get("Reservations") {
        for n in arr(i.value, "NetworkInterfaces") {
            if let Some(id) = s(n, "NetworkInterfaceId") {
                eni_ids.insert(id.to_string());
            }
        }
    }
    let target_ids = ids("TrafficMirrorTargets", "TrafficMirrorTargetId");
    let peering_ids = ids("VpcPeeringConnections", "VpcPeeringConnectionId");
    let tgw_ids = ids("TransitGateways", "TransitGatewayId");
    let nlb_arns: BTreeSet<String> = get("LoadBalancers")
        .iter()
        .filter(|l| s(l.value, "Type") == Some("network"))
        .filter_map(|l| s(l.value, "LoadBalancerArn"))
        .map(String::from)
        .collect();
    let endpoint_ids: BTreeSet<String> = get("VpcEndpoints")
        .iter()
        .filter(|e| s(e.value, "VpcEndpointType") == Some("GatewayLoadBalancer"))
        .filter_map(|e| s(e.value, "VpcEndpointId"))
        .map(String::from)
        .collect();
    let filter_ids = ids("TrafficMirrorFilters", "TrafficMirrorFilterId");
    let shares = ram::read(
        get("resourceShareAssociations"),
        get("resourceShares"),
        get("resourceShareInvitations"),
        &organizations,
        &target_ids,
        &subnet_ids,
        &mut errors,
    );
    let mut out = String::new();
    // Routes to what the import does not model (peering, transit gateways,
    // NAT gateways, ENIs): left out, and said so.
    let mut skipped_routes: Vec<String> = Vec::new();
    // Application Load Balancers; target groups whose registrations are
    // not in the snapshot; target states the twin has no word for.
    let mut skipped_lbs: Vec<String> = Vec::new();
    let mut unregistered: Vec<String> = Vec::new();
    let mut health_notes: Vec<String> = Vec::new();
    let mut gone: Vec<String> = Vec::new();
    let mut service_enis: Vec<String> = Vec::new();
    let _ = writeln!(
        out,
        "// Imported by `{command}` from {} files. Each resource names the\n\
         // file and JSON path it came from.",
        docs.len()
    );
    if !placeholders.is_empty() {
        let _ = writeln!(out, "// Values known only after apply, as placeholders:");
        for p in placeholders {
            let _ = writeln!(out, "//   {p}");
        }
    }
    let _ = writeln!(
        out,
        "Scenario(\n    name: {},\n    duration: \"60s\",",
        q(name)
    );
    let scenario_region = regions.iter().next().or(zones.iter().next()).cloned();
    if let Some(region) = &scenario_region {
        let _ = writeln!(out, "    region: {},", q(region));
    }
    // Accounts: every owner named, and the shares' principals, with their
    // organisations where the snapshot gives them.
    let mut accounts: BTreeSet<&str> = shares.accounts.iter().map(String::as_str).collect();
    accounts.extend(shares.organizations.keys().map(String::as_str));
    for k in [
        "Vpcs",
        "TrafficMirrorTargets",
        "TrafficMirrorFilters",
        "TrafficMirrorSessions",
    ] {
        accounts.extend(get(k).iter().filter_map(owner_of));
    }
    if !accounts.is_empty() {
        let list: Vec<String> = accounts
            .iter()
            .map(|a| match shares.organizations.get(*a) {
                Some(o) => format!("Account(id: {}, organization: {})", q(a), q(o)),
                None => format!("Account(id: {})", q(a)),
            })
            .collect();
        let _ = writeln!(out, "    accounts: [{}],", list.join(", "));
    }
    // VPCs, with their subnets and security groups.
    let _ = writeln!(out, "    vpcs: [");
    for v in get("Vpcs") {
        let Some(id) = s(v.value, "VpcId") else {
            errors.push(format!("{}: no VpcId", v.origin));
            continue;
        };
        // A VPC's blocks: those associated (or with no state given).
        let associated = |set: &str, state: &str, block: &str| -> Vec<String> {
            arr(v.value, set)
                .iter()
                .filter(|a| {
                    a.get(state)
                        .and_then(|st| s(st, "State"))
                        .is_none_or(|st| st == "associated")
                })
                .filter_map(|a| s(a, block))
                .map(q)
                .collect()
        };
        let mut cidrs = associated("CidrBlockAssociationSet", "CidrBlockState", "CidrBlock");
        if cidrs.is_empty()
            && let Some(c) = s(v.value, "CidrBlock")
        {
            cidrs.push(q(c));
        }
        cidrs.extend(associated(
            "Ipv6CidrBlockAssociationSet",
            "Ipv6CidrBlockState",
            "Ipv6CidrBlock",
        ));
        let mut owner =
            s(v.value, "OwnerId").map_or(String::new(), |o| format!(", owner: {}", q(o)));
        // A VPC of another Region's folder (ACCOUNT/REGION/file) says so.
        let folders: Vec<&str> = v.origin.file.split('/').collect();
        if let [.., _, region, _] = folders.as_slice()
            && regions.contains(*region)
            && scenario_region.as_deref() != Some(*region)
        {
            let _ = write!(owner, ", region: {}", q(region));
        }
        let _ = writeln!(out, "        // {}", v.origin);
        let _ = writeln!(
            out,
            "        Vpc(id: {}{owner}, cidr_blocks: [{}], subnets: [",
            q(id),
            cidrs.join(", ")
        );
        for sn in get("Subnets")
            .iter()
            .filter(|sn| s(sn.value, "VpcId") == Some(id))
        {
            let sid = s(sn.value, "SubnetId").unwrap_or_default();
            let az = s(sn.value, "AvailabilityZone").unwrap_or_default();
            let mut fields = format!("id: {}, availability_zone: {}", q(sid), q(az));
            if let Some(c) = s(sn.value, "CidrBlock") {
                let _ = write!(fields, ", cidr_block: {}", q(c));
            }
            if let Some(c) = arr(sn.value, "Ipv6CidrBlockAssociationSet")
                .iter()
                .find_map(|a| s(a, "Ipv6CidrBlock"))
            {
                let _ = write!(fields, ", ipv6_cidr_block: {}", q(c));
            }
            if let Some(to) = shares.subnets.get(sid).filter(|to| !to.is_empty()) {
                let to: Vec<String> = to.iter().map(|a| q(a)).collect();
                let _ = write!(fields, ", shared_with: [{}]", to.join(", "));
            }
            // Explicit associations; the others use the main table and
            // the default ACL.
            for (key, id_field, field) in [
                ("RouteTables", "RouteTableId", "route_table"),
                ("NetworkAcls", "NetworkAclId", "network_acl"),
            ] {
                let associated = get(key).iter().find(|t| {
                    arr(t.value, "Associations").iter().any(|a| {
                        s(a, "SubnetId") == Some(sid) && a.get("Main") != Some(&Value::Bool(true))
                    })
                });
                if let Some(t) = associated.and_then(|t| s(t.value, id_field)) {
                    let _ = write!(fields, ", {field}: {}", q(t));
                }
            }
            let _ = writeln!(out, "            // {}", sn.origin);
            let _ = writeln!(out, "            Subnet({fields}),");
        }
        let _ = writeln!(out, "        ], route_tables: [");
        for t in get("RouteTables")
            .iter()
            .filter(|t| s(t.value, "VpcId") == Some(id))
        {
            let main = arr(t.value, "Associations")
                .iter()
                .any(|a| a.get("Main") == Some(&Value::Bool(true)));
            let mut routes = Vec::new();
            for (k, r) in arr(t.value, "Routes").iter().enumerate() {
                let Some(dest) = s(r, "DestinationCidrBlock").or(s(r, "DestinationIpv6CidrBlock"))
                else {
                    continue;
                };
                // Internet gateways, and peering connections of the
                // snapshot; the rest is counted in a note.
                let peering = s(r, "VpcPeeringConnectionId")
                    .filter(|p| peering_ids.contains(*p))
                    .or_else(|| s(r, "TransitGatewayId").filter(|t| tgw_ids.contains(*t)));
                let target = match (s(r, "GatewayId"), peering) {
                    (Some("local"), _) => continue,
                    (Some(g), _) if g.starts_with("igw-") => g,
                    (_, Some(p)) => p,
                    _ => {
                        skipped_routes.push(format!("{}.Routes[{k}]", t.origin));
                        continue;
                    }
                };
                routes.push(format!(
                    "Route(destination_cidr_block: {}, target: {})",
                    q(dest),
                    q(target)
                ));
            }
            let _ = writeln!(out, "            // {}", t.origin);
            let _ = writeln!(
                out,
                "            RouteTable(id: {}, main: {main}, routes: [{}]),",
                q(s(t.value, "RouteTableId").unwrap_or_default()),
                routes.join(", ")
            );
        }
        let _ = writeln!(out, "        ], network_acls: [");
        for a in get("NetworkAcls")
            .iter()
            .filter(|a| s(a.value, "VpcId") == Some(id))
        {
            let mut ingress = Vec::new();
            let mut egress = Vec::new();
            for (k, e) in arr(a.value, "Entries").iter().enumerate() {
                let number = e.get("RuleNumber").and_then(Value::as_u64).unwrap_or(0);
                // 32767 is the implicit deny every ACL ends in.
                if number == 0 || number >= 32767 {
                    continue;
                }
                let action = if s(e, "RuleAction") == Some("allow") {
                    "Allow"
                } else {
                    "Deny"
                };
                let proto = match protocol(s(e, "Protocol").unwrap_or("-1")) {
                    Ok(p) => p,
                    Err(why) => {
                        errors.push(format!("{}.Entries[{k}].Protocol: {why}", a.origin));
                        continue;
                    }
                };
                let Some(cidr) = s(e, "CidrBlock").or(s(e, "Ipv6CidrBlock")) else {
                    continue;
                };
                let mut x = format!("rule_number: {number}, rule_action: {action}");
                if let Some(p) = proto {
                    let _ = write!(x, ", protocol: {p}");
                }
                let _ = write!(x, ", cidr_block: {}", q(cidr));
                if let (Some(pr), Some(6 | 17)) = (e.get("PortRange"), proto) {
                    let from = pr.get("From").and_then(Value::as_u64).unwrap_or(0);
                    let to = pr.get("To").and_then(Value::as_u64).unwrap_or(65535);
                    let _ = write!(x, ", port_range: (from_port: {from}, to_port: {to})");
                }
                let entry = format!("Entry({x})");
                if e.get("Egress") == Some(&Value::Bool(true)) {
                    egress.push(entry);
                } else {
                    ingress.push(entry);
                }
            }
            let _ = writeln!(out, "            // {}", a.origin);
            let _ = writeln!(
                out,
                "            NetworkAcl(id: {}, default: {}, ingress_entries: [{}], egress_entries: [{}]),",
                q(s(a.value, "NetworkAclId").unwrap_or_default()),
                a.value.get("IsDefault") == Some(&Value::Bool(true)),
                ingress.join(", "),
                egress.join(", ")
            );
        }
        let _ = writeln!(out, "        ], security_groups: [");
        for g in get("SecurityGroups")
            .iter()
            .filter(|g| s(g.value, "VpcId") == Some(id))
        {
            let gid = s(g.value, "GroupId").unwrap_or_default();
            let _ = writeln!(out, "            // {}", g.origin);
            let mut rules = Vec::new();
            for (k, p) in arr(g.value, "IpPermissions").iter().enumerate() {
                let proto = match protocol(s(p, "IpProtocol").unwrap_or("-1")) {
                    Ok(x) => x,
                    Err(e) => {
                        errors.push(format!("{}.IpPermissions[{k}].IpProtocol: {e}", g.origin));
                        continue;
                    }
                };
                let mut head = String::new();
                if let Some(n) = proto {
                    let _ = write!(head, "protocol: {n}, ");
                }
                let from = p.get("FromPort").and_then(Value::as_i64);
                let to = p.get("ToPort").and_then(Value::as_i64);
                if let (Some(f), Some(t)) = (from, to)
                    && matches!(proto, Some(6 | 17))
                    && (0..=65535).contains(&f)
                    && (0..=65535).contains(&t)
                {
                    let _ = write!(head, "port_range: (from_port: {f}, to_port: {t}), ");
                }
                for r in arr(p, "IpRanges") {
                    if let Some(c) = s(r, "CidrIp") {
                        rules.push(format!("SgRule({head}cidr_block: {})", q(c)));
                    }
                }
                for r in arr(p, "Ipv6Ranges") {
                    if let Some(c) = s(r, "CidrIpv6") {
                        rules.push(format!("SgRule({head}cidr_block: {})", q(c)));
                    }
                }
                for (j, r) in arr(p, "UserIdGroupPairs").iter().enumerate() {
                    if let Some(src) = s(r, "GroupId") {
                        let origin = Origin {
                            file: g.origin.file.clone(),
                            path: format!(
                                "{}.IpPermissions[{k}].UserIdGroupPairs[{j}]",
                                g.origin.path
                            ),
                        };
                        missing(
                            &mut errors,
                            &origin,
                            "GroupId",
                            "security group",
                            src,
                            &group_ids,
                        );
                        rules.push(format!(
                            "SgRule({head}source_security_group_id: {})",
                            q(src)
                        ));
                    }
                }
            }
            let desc = s(g.value, "Description")
                .map_or(String::new(), |d| format!(", description: {}", q(d)));
            let _ = writeln!(
                out,
                "            SecurityGroup(id: {}{desc}, ingress_rules: [{}]),",
                q(gid),
                rules.join(", ")
            );
        }
        let _ = writeln!(out, "        ]),");
    }
    let _ = writeln!(out, "    ],");
    // Peering connections between VPCs of the snapshot.
    let mut peerings = String::new();
    for p in get("VpcPeeringConnections") {
        let id = s(p.value, "VpcPeeringConnectionId").unwrap_or_default();
        let side = |k: &str| {
            p.value
                .get(k)
                .and_then(|v| s(v, "VpcId"))
                .unwrap_or_default()
        };
        let (requester, accepter) = (side("RequesterVpcInfo"), side("AccepterVpcInfo"));
        missing(
            &mut errors,
            &p.origin,
            "RequesterVpcInfo.VpcId",
            "VPC",
            requester,
            &vpc_ids,
        );
        missing(
            &mut errors,
            &p.origin,
            "AccepterVpcInfo.VpcId",
            "VPC",
            accepter,
            &vpc_ids,
        );
        let status = match p.value.get("Status").and_then(|st| s(st, "Code")) {
            Some("active") | None => "Active",
            Some("pending-acceptance") => "PendingAcceptance",
            Some("rejected") => "Rejected",
            Some(_) => "Deleted",
        };
        let _ = writeln!(peerings, "        // {}", p.origin);
        let _ = writeln!(
            peerings,
            "        Peering(id: {}, requester_vpc_id: {}, accepter_vpc_id: {}, status: {status}),",
            q(id),
            q(requester),
            q(accepter)
        );
    }
    if !peerings.is_empty() {
        let _ = writeln!(out, "    vpc_peering_connections: [\n{peerings}    ],");
    }
    // Transit gateways: VPC attachments with their subnets, route tables
    // with their associations (from the attachments), propagations and
    // static routes. The outputs of get-transit-gateway-route-table-
    // propagations and search-transit-gateway-routes name no table: a file
    // of them belongs to the table whose id its file name holds.
    let mut tgws = String::new();
    for g in get("TransitGateways") {
        let id = s(g.value, "TransitGatewayId").unwrap_or_default();
        let attachments: Vec<String> = get("TransitGatewayVpcAttachments")
            .iter()
            .filter(|a| s(a.value, "TransitGatewayId") == Some(id))
            .map(|a| {
                let vpc = s(a.value, "VpcId").unwrap_or_default();
                missing(&mut errors, &a.origin, "VpcId", "VPC", vpc, &vpc_ids);
                let subnets: Vec<String> = arr(a.value, "SubnetIds")
                    .iter()
                    .filter_map(Value::as_str)
                    .map(q)
                    .collect();
                format!(
                    "Attachment(id: {}, vpc_id: {}, subnet_ids: [{}])",
                    q(s(a.value, "TransitGatewayAttachmentId").unwrap_or_default()),
                    q(vpc),
                    subnets.join(", ")
                )
            })
            .collect();
        let tables: Vec<String> = get("TransitGatewayRouteTables")
            .iter()
            .filter(|t| s(t.value, "TransitGatewayId") == Some(id))
            .map(|t| {
                let table = s(t.value, "TransitGatewayRouteTableId").unwrap_or_default();
                let associations: Vec<String> = get("TransitGatewayAttachments")
                    .iter()
                    .filter(|a| {
                        a.value
                            .get("Association")
                            .and_then(|x| s(x, "TransitGatewayRouteTableId"))
                            == Some(table)
                    })
                    .filter_map(|a| s(a.value, "TransitGatewayAttachmentId"))
                    .map(q)
                    .collect();
                let propagations: Vec<String> = get("TransitGatewayRouteTablePropagations")
                    .iter()
                    .filter(|p| p.origin.stem().contains(table))
                    .filter(|p| s(p.value, "State") != Some("disabled"))
                    .filter_map(|p| s(p.value, "TransitGatewayAttachmentId"))
                    .map(q)
                    .collect();
                let routes: Vec<String> = get("Routes")
                    .iter()
                    .filter(|r| r.origin.stem().contains(table) && s(r.value, "Type") == Some("static"))
                    .filter_map(|r| {
                        let dest = s(r.value, "DestinationCidrBlock")?;
                        Some(if s(r.value, "State") == Some("blackhole") {
                            format!("TgwRoute(destination_cidr_block: {}, blackhole: true)", q(dest))
                        } else {
                            let via = arr(r.value, "TransitGatewayAttachments")
                                .first()
                                .and_then(|a| s(a, "TransitGatewayAttachmentId"))?;
                            format!(
                                "TgwRoute(destination_cidr_block: {}, transit_gateway_attachment_id: {})",
                                q(dest),
                                q(via)
                            )
                        })
                    })
                    .collect();
                format!(
                    "TgwRouteTable(id: {}, associations: [{}], propagations: [{}], routes: [{}])",
                    q(table),
                    associations.join(", "),
                    propagations.join(", "),
                    routes.join(", ")
                )
            })
            .collect();
        let mut x = format!("id: {}", q(id));
        if let Some(o) = s(g.value, "OwnerId") {
            let _ = write!(x, ", owner: {}", q(o));
        }
        if g.value
            .get("Options")
            .and_then(|o| s(o, "SecurityGroupReferencingSupport"))
            == Some("enable")
        {
            x.push_str(", security_group_referencing_support: true");
        }
        let _ = writeln!(tgws, "        // {}", g.origin);
        let _ = writeln!(
            tgws,
            "        TransitGateway({x},\n            attachments: [{}],\n            route_tables: [{}]),",
            attachments.join(", "),
            tables.join(", ")
        );
    }
    if !tgws.is_empty() {
        let _ = writeln!(out, "    transit_gateways: [\n{tgws}    ],");
    }
    for sn in get("Subnets") {
        if let Some(v) = s(sn.value, "VpcId") {
            missing(&mut errors, &sn.origin, "VpcId", "VPC", v, &vpc_ids);
        }
    }
    // ENIs, as the scenario writes them.
    let eni = |n: &Value, origin: &Origin, alone: bool, errors: &mut Vec<String>| -> String {
        let id = s(n, "NetworkInterfaceId").unwrap_or_default();
        let mut f = format!("id: {}", q(id));
        if alone && let Some(sn) = s(n, "SubnetId") {
            let _ = write!(f, ", subnet: {}", q(sn));
            if !subnet_ids.contains(sn) {
                errors.push(format!("{origin}.SubnetId: subnet {sn} is not in the snapshot (add its describe output)"));
            }
        }
        if let Some(ip) = s(n, "PrivateIpAddress") {
            let _ = write!(f, ", private_ip: {}", q(ip));
        }
        match s(n, "InterfaceType") {
            Some("interface") | None => {}
            Some(t) => {
                let _ = write!(f, ", interface_type: {}", q(t));
            }
        }
        let groups: Vec<String> = arr(n, "Groups")
            .iter()
            .filter_map(|g| s(g, "GroupId"))
            .map(q)
            .collect();
        if !groups.is_empty() {
            let _ = write!(f, ", security_groups: [{}]", groups.join(", "));
        }
        for (k, g) in arr(n, "Groups").iter().enumerate() {
            if let Some(gid) = s(g, "GroupId")
                && !group_ids.contains(gid)
            {
                errors.push(format!(
                    "{origin}.Groups[{k}].GroupId: security group {gid} is not in the snapshot (add its describe output)"
                ));
            }
        }
        format!("Eni({f})")
    };
    let _ = writeln!(out, "    instances: [");
    let mut on_instances: BTreeSet<String> = BTreeSet::new();
    for i in get("Reservations") {
        let id = s(i.value, "InstanceId").unwrap_or_default();
        let ty = s(i.value, "InstanceType").unwrap_or_default();
        // Gone, or going: no ENI, no traffic (describe-instances lists
        // terminated instances for an hour).
        if matches!(
            i.value.get("State").and_then(|st| s(st, "Name")),
            Some("terminated" | "shutting-down")
        ) {
            gone.push(i.origin.to_string());
            continue;
        }
        let Some(sn) = s(i.value, "SubnetId") else {
            errors.push(format!(
                "{}: no SubnetId (a terminated instance?)",
                i.origin
            ));
            continue;
        };
        missing(
            &mut errors,
            &i.origin,
            "SubnetId",
            "subnet",
            sn,
            &subnet_ids,
        );
        let mut nics: Vec<(i64, &Value, usize)> = arr(i.value, "NetworkInterfaces")
            .iter()
            .enumerate()
            .map(|(k, n)| {
                let index = n
                    .get("Attachment")
                    .and_then(|a| a.get("DeviceIndex"))
                    .and_then(Value::as_i64)
                    .unwrap_or(k as i64);
                (index, n, k)
            })
            .collect();
        nics.sort_by_key(|(index, _, _)| *index);
        let rendered: Vec<String> = nics
            .iter()
            .map(|(_, n, k)| {
                on_instances.insert(s(n, "NetworkInterfaceId").unwrap_or_default().to_string());
                let origin = Origin {
                    file: i.origin.file.clone(),
                    path: format!("{}.NetworkInterfaces[{k}]", i.origin.path),
                };
                eni(n, &origin, false, &mut errors)
            })
            .collect();
        // Its account: its primary ENI's owner (a participant of a shared
        // VPC owns its instances, not the VPC's owner).
        let owner = nics
            .first()
            .and_then(|(_, n, _)| s(n, "OwnerId"))
            .map_or(String::new(), |o| format!(", owner: {}", q(o)));
        let _ = writeln!(out, "        // {}", i.origin);
        let _ = writeln!(
            out,
            "        Instance(id: {}, instance_type: {}, subnet: {}{owner}, network_interfaces: [{}]),",
            q(id),
            q(ty),
            q(sn),
            rendered.join(", ")
        );
    }
    let _ = writeln!(out, "    ],");
    // ENIs AWS services manage (load balancer nodes, endpoints, NAT
    // gateways, Lambda): the twin models load balancers and endpoints
    // itself, and the rest carries nothing it mirrors.
    let managed = |n: &Value| {
        n.get("RequesterManaged") == Some(&Value::Bool(true))
            || !matches!(
                s(n, "InterfaceType"),
                None | Some("interface" | "efa" | "trunk" | "branch")
            )
    };
    let alone: Vec<&Item<'_>> = get("NetworkInterfaces")
        .iter()
        .filter(|n| {
            let unattached = s(n.value, "NetworkInterfaceId")
                .is_some_and(|id| !on_instances.contains(id))
                && n.value
                    .get("Attachment")
                    .and_then(|a| s(a, "InstanceId"))
                    .is_none();
            if unattached && managed(n.value) {
                service_enis.push(format!(
                    "{} ({})",
                    n.origin,
                    s(n.value, "InterfaceType").unwrap_or("requester-managed")
                ));
            }
            unattached && !managed(n.value)
        })
        .collect();
    if !alone.is_empty() {
        let _ = writeln!(out, "    network_interfaces: [");
        for n in alone {
            let _ = writeln!(out, "        // {}", n.origin);
            let _ = writeln!(
                out,
                "        {},",
                eni(n.value, &n.origin, true, &mut errors)
            );
        }
        let _ = writeln!(out, "    ],");
    }
    // Load balancers: network and gateway ones, with their listeners,
    // registered targets and their health, and cross-zone.
    let lbs: Vec<&Item<'_>> = get("LoadBalancers")
        .iter()
        .filter(|l| matches!(s(l.value, "Type"), Some("network" | "gateway")))
        .collect();
    for l in get("LoadBalancers") {
        if !matches!(s(l.value, "Type"), Some("network" | "gateway")) {
            skipped_lbs.push(format!(
                "{} ({} load balancer)",
                l.origin,
                s(l.value, "Type").unwrap_or("unknown")
            ));
        }
    }
    let groups_of = |arn: &str| -> Vec<&Item<'_>> {
        get("TargetGroups")
            .iter()
            .filter(|g| {
                arr(g.value, "LoadBalancerArns")
                    .iter()
                    .any(|a| a.as_str() == Some(arn))
            })
            .collect()
    };
    let eni_by_ip: BTreeMap<String, String> = get("Reservations")
        .iter()
        .flat_map(|i| arr(i.value, "NetworkInterfaces").iter())
        .chain(get("NetworkInterfaces").iter().map(|n| n.value))
        .filter_map(|n| {
            Some((
                s(n, "PrivateIpAddress")?.to_string(),
                s(n, "NetworkInterfaceId")?.to_string(),
            ))
        })
        .collect();
    let instance_ids = ids("Reservations", "InstanceId");
    // describe-target-group-attributes outputs, told from
    // describe-load-balancer-attributes ones by keys only a target group has.
    let group_attribute_files: BTreeSet<String> = get("Attributes")
        .iter()
        .filter(|a| {
            s(a.value, "Key").is_some_and(|k| {
                [
                    "deregistration_delay.",
                    "target_failover.",
                    "stickiness.",
                    "preserve_client_ip.",
                    "proxy_protocol_v2.",
                ]
                .iter()
                .any(|p| k.starts_with(p))
            })
        })
        .map(|a| a.origin.file.clone())
        .collect();
    let mut nlb_out = String::new();
    let mut gwlb_out = String::new();
    for l in &lbs {
        let arn = s(l.value, "LoadBalancerArn").unwrap_or_default();
        let name = s(l.value, "LoadBalancerName").unwrap_or_default();
        let gateway = s(l.value, "Type") == Some("gateway");
        let vpc = s(l.value, "VpcId").unwrap_or_default();
        missing(&mut errors, &l.origin, "VpcId", "VPC", vpc, &vpc_ids);
        let subnets: Vec<String> = arr(l.value, "AvailabilityZones")
            .iter()
            .filter_map(|z| s(z, "SubnetId"))
            .map(q)
            .collect();
        // Cross-zone: an Attributes file of load balancer attributes named
        // after it, or the only one.
        let attributes: Vec<&Item<'_>> = get("Attributes")
            .iter()
            .filter(|a| !group_attribute_files.contains(&a.origin.file))
            .collect();
        let mine = attributes
            .iter()
            .filter(|a| a.origin.stem().contains(name))
            .chain(
                attributes
                    .iter()
                    .filter(|_| attributes.len() == 1 && lbs.len() == 1),
            )
            .find(|a| {
                s(a.value, "Key") == Some("load_balancing.cross_zone.enabled")
                    && matches!(s(a.value, "Value"), Some("true" | "false"))
            });
        let cross_zone = mine.is_some_and(|a| s(a.value, "Value") == Some("true"));
        // Targets, from the target groups the load balancer forwards to.
        let groups = groups_of(arn);
        // LB-01: the health check of its (first) target group; LB-03 and
        // LB-04: a GWLB group's failover and stickiness attributes, from a
        // describe-target-group-attributes file named after the group.
        let mut settings = String::new();
        if let Some(g) = groups.first() {
            let n = |k: &str| g.value.get(k).and_then(Value::as_u64);
            let mut check = Vec::new();
            if let Some(x) = n("HealthCheckIntervalSeconds") {
                check.push(format!("interval: \"{x}s\""));
            }
            if let Some(x) = n("HealthyThresholdCount") {
                check.push(format!("healthy_threshold: {x}"));
            }
            if let Some(x) = n("UnhealthyThresholdCount") {
                check.push(format!("unhealthy_threshold: {x}"));
            }
            if !check.is_empty() {
                let _ = write!(
                    settings,
                    ", health_check: HealthCheck({})",
                    check.join(", ")
                );
            }
            let gname = s(g.value, "TargetGroupName").unwrap_or_default();
            let attribute = |key: &str| {
                get("Attributes")
                    .iter()
                    .filter(|a| group_attribute_files.contains(&a.origin.file))
                    .filter(|a| !gname.is_empty() && a.origin.stem().contains(gname))
                    .find(|a| s(a.value, "Key") == Some(key))
                    .and_then(|a| s(a.value, "Value"))
            };
            if gateway {
                let failover = [
                    attribute("target_failover.on_deregistration"),
                    attribute("target_failover.on_unhealthy"),
                ];
                if failover.contains(&Some("rebalance")) {
                    settings.push_str(", target_failover: Rebalance");
                }
                if attribute("stickiness.enabled") == Some("true") {
                    match attribute("stickiness.type") {
                        Some("source_ip_dest_ip_proto") => {
                            settings.push_str(", flow_stickiness: ThreeTuple")
                        }
                        Some("source_ip_dest_ip") => {
                            settings.push_str(", flow_stickiness: TwoTuple")
                        }
                        _ => {}
                    }
                }
            }
        }
        let mut targets: Vec<String> = Vec::new();
        let mut health: Vec<String> = Vec::new();
        for g in &groups {
            let gname = s(g.value, "TargetGroupName").unwrap_or_default();
            let by_ip = s(g.value, "TargetType") == Some("ip");
            let descriptions: Vec<&Item<'_>> = get("TargetHealthDescriptions")
                .iter()
                .filter(|d| d.origin.stem().contains(gname) || get("TargetGroups").len() == 1)
                .collect();
            if descriptions.is_empty() {
                unregistered.push(format!("{} ({gname})", g.origin));
            }
            for d in descriptions {
                let Some(id) = d.value.get("Target").and_then(|t| s(t, "Id")) else {
                    continue;
                };
                let target = if by_ip {
                    match eni_by_ip.get(id) {
                        Some(e) => e.clone(),
                        None => {
                            errors.push(format!(
                                "{}.Target.Id: no ENI of the snapshot has address {id}",
                                d.origin
                            ));
                            continue;
                        }
                    }
                } else {
                    missing(
                        &mut errors,
                        &d.origin,
                        "Target.Id",
                        "instance",
                        id,
                        &instance_ids,
                    );
                    id.to_string()
                };
                match d.value.get("TargetHealth").and_then(|h| s(h, "State")) {
                    Some("unhealthy") => health.push(format!(
                        "TargetHealth(target: {}, state: FailsHealthCheck)",
                        q(&target)
                    )),
                    Some("healthy") | None => {}
                    Some(other) => health_notes.push(format!("{} ({other})", d.origin)),
                }
                if !targets.contains(&q(&target)) {
                    targets.push(q(&target));
                }
            }
        }
        let into = if gateway { &mut gwlb_out } else { &mut nlb_out };
        let _ = writeln!(into, "        // {}", l.origin);
        let mut x = format!(
            "id: {}, vpc_id: {}, subnets: [{}], cross_zone: {cross_zone}",
            q(arn),
            q(vpc),
            subnets.join(", ")
        );
        if !gateway {
            let listeners: Vec<String> = get("Listeners")
                .iter()
                .filter(|x| s(x.value, "LoadBalancerArn") == Some(arn))
                .filter_map(|x| {
                    let protocol = match s(x.value, "Protocol")? {
                        "TCP" => "Tcp",
                        "UDP" => "Udp",
                        "TCP_UDP" => "TcpUdp",
                        "TLS" => "Tls",
                        _ => return None,
                    };
                    let port = x.value.get("Port").and_then(Value::as_u64)?;
                    Some(format!("Listener(protocol: {protocol}, port: {port})"))
                })
                .collect();
            let _ = write!(x, ", listeners: [{}]", listeners.join(", "));
        }
        x.push_str(&settings);
        let _ = write!(x, ", targets: [{}]", targets.join(", "));
        if !health.is_empty() {
            let _ = write!(x, ", target_health: [{}]", health.join(", "));
        }
        let kind = if gateway {
            "GatewayLoadBalancer"
        } else {
            "NetworkLoadBalancer"
        };
        let _ = writeln!(into, "        {kind}({x}),");
    }
    if !nlb_out.is_empty() {
        let _ = writeln!(out, "    network_load_balancers: [\n{nlb_out}    ],");
    }
    if !gwlb_out.is_empty() {
        let _ = writeln!(out, "    gateway_load_balancers: [\n{gwlb_out}    ],");
    }
    // Gateway Load Balancer endpoints: the service names the load balancer.
    let gwlb_of_service: BTreeMap<&str, &str> = get("ServiceConfigurations")
        .iter()
        .filter_map(|c| {
            let arn = arr(c.value, "GatewayLoadBalancerArns").first()?.as_str()?;
            Some((s(c.value, "ServiceName")?, arn))
        })
        .collect();
    let gwlb_arns: BTreeSet<String> = lbs
        .iter()
        .filter(|l| s(l.value, "Type") == Some("gateway"))
        .filter_map(|l| s(l.value, "LoadBalancerArn"))
        .map(String::from)
        .collect();
    let mut endpoints_out = String::new();
    for e in get("VpcEndpoints")
        .iter()
        .filter(|e| s(e.value, "VpcEndpointType") == Some("GatewayLoadBalancer"))
    {
        let id = s(e.value, "VpcEndpointId").unwrap_or_default();
        let service = s(e.value, "ServiceName").unwrap_or_default();
        let Some(&gwlb) = gwlb_of_service.get(service) else {
            errors.push(format!(
                "{}.ServiceName: no ServiceConfigurations entry of the snapshot names the load balancer of {service} \
                 (add describe-vpc-endpoint-service-configurations)",
                e.origin
            ));
            continue;
        };
        missing(
            &mut errors,
            &e.origin,
            "ServiceName",
            "Gateway Load Balancer",
            gwlb,
            &gwlb_arns,
        );
        let Some(subnet) = arr(e.value, "SubnetIds").first().and_then(Value::as_str) else {
            errors.push(format!("{}.SubnetIds: none", e.origin));
            continue;
        };
        missing(
            &mut errors,
            &e.origin,
            "SubnetIds[0]",
            "subnet",
            subnet,
            &subnet_ids,
        );
        let _ = writeln!(endpoints_out, "        // {}", e.origin);
        let _ = writeln!(
            endpoints_out,
            "        GatewayLoadBalancerEndpoint(id: {}, subnet_id: {}, gateway_load_balancer: {}),",
            q(id),
            q(subnet),
            q(&lb_reference(&gwlb_arns, gwlb))
        );
    }
    if !endpoints_out.is_empty() {
        let _ = writeln!(
            out,
            "    gateway_load_balancer_endpoints: [\n{endpoints_out}    ],"
        );
    }
    // Mirroring.
    let _ = writeln!(out, "    traffic_mirror_targets: [");
    for t in get("TrafficMirrorTargets") {
        let id = s(t.value, "TrafficMirrorTargetId").unwrap_or_default();
        let resource = if let Some(e) = s(t.value, "NetworkInterfaceId") {
            missing(
                &mut errors,
                &t.origin,
                "NetworkInterfaceId",
                "ENI",
                e,
                &eni_ids,
            );
            format!("network_interface_id: {}", q(e))
        } else if let Some(a) = s(t.value, "NetworkLoadBalancerArn") {
            missing(
                &mut errors,
                &t.origin,
                "NetworkLoadBalancerArn",
                "Network Load Balancer",
                a,
                &nlb_arns,
            );
            format!(
                "network_load_balancer_arn: {}",
                q(&lb_reference(&nlb_arns, a))
            )
        } else if let Some(e) = s(t.value, "GatewayLoadBalancerEndpointId") {
            missing(
                &mut errors,
                &t.origin,
                "GatewayLoadBalancerEndpointId",
                "Gateway Load Balancer endpoint",
                e,
                &endpoint_ids,
            );
            format!("gateway_load_balancer_endpoint_id: {}", q(e))
        } else {
            errors.push(format!("{}: names no resource", t.origin));
            continue;
        };
        let owner = owner_of(t).map_or(String::new(), |o| format!(", owner: {}", q(o)));
        let desc =
            s(t.value, "Description").map_or(String::new(), |d| format!(", description: {}", q(d)));
        let _ = writeln!(out, "        // {}", t.origin);
        let _ = writeln!(
            out,
            "        Target(id: {}{owner}, {resource}{desc}),",
            q(id)
        );
    }
    let _ = writeln!(out, "    ],");
    if !shares.rendered.is_empty() {
        let _ = writeln!(out, "    resource_shares: [\n{}    ],", shares.rendered);
    }
    let _ = writeln!(out, "    traffic_mirror_filters: [");
    for f in get("TrafficMirrorFilters") {
        let id = s(f.value, "TrafficMirrorFilterId").unwrap_or_default();
        let rules = |key: &str, errors: &mut Vec<String>| -> Vec<String> {
            arr(f.value, key)
                .iter()
                .enumerate()
                .filter_map(|(k, r)| {
                    let number = r.get("RuleNumber").and_then(Value::as_u64)?;
                    let action = match s(r, "RuleAction") {
                        Some("accept") => "Accept",
                        Some("reject") => "Reject",
                        other => {
                            errors.push(format!(
                                "{}.{key}[{k}].RuleAction: `{}` is not accept or reject",
                                f.origin,
                                other.unwrap_or("")
                            ));
                            return None;
                        }
                    };
                    let mut x = format!("rule_number: {number}, rule_action: {action}");
                    if let Some(p) = r.get("Protocol").and_then(Value::as_u64) {
                        let _ = write!(x, ", protocol: {p}");
                    }
                    for (field, name) in [
                        ("SourcePortRange", "source_port_range"),
                        ("DestinationPortRange", "destination_port_range"),
                    ] {
                        if let Some(pr) = r.get(field) {
                            let from = pr.get("FromPort").and_then(Value::as_u64).unwrap_or(0);
                            let to = pr.get("ToPort").and_then(Value::as_u64).unwrap_or(65535);
                            let _ = write!(x, ", {name}: (from_port: {from}, to_port: {to})");
                        }
                    }
                    let _ = write!(
                        x,
                        ", source_cidr_block: {}, destination_cidr_block: {}",
                        q(s(r, "SourceCidrBlock").unwrap_or("0.0.0.0/0")),
                        q(s(r, "DestinationCidrBlock").unwrap_or("0.0.0.0/0"))
                    );
                    if let Some(d) = s(r, "Description") {
                        let _ = write!(x, ", description: {}", q(d));
                    }
                    Some(format!("Rule({x})"))
                })
                .collect()
        };
        let ingress = rules("IngressFilterRules", &mut errors);
        let egress = rules("EgressFilterRules", &mut errors);
        let services: Vec<String> = arr(f.value, "NetworkServices")
            .iter()
            .filter_map(Value::as_str)
            .map(q)
            .collect();
        let mut x = format!("id: {}", q(id));
        if let Some(o) = owner_of(f) {
            let _ = write!(x, ", owner: {}", q(o));
        }
        if let Some(d) = s(f.value, "Description") {
            let _ = write!(x, ", description: {}", q(d));
        }
        if !services.is_empty() {
            let _ = write!(x, ", network_services: [{}]", services.join(", "));
        }
        let _ = writeln!(out, "        // {}", f.origin);
        let _ = writeln!(
            out,
            "        Filter({x},\n            ingress_filter_rules: [{}],\n            egress_filter_rules: [{}]),",
            ingress.join(", "),
            egress.join(", ")
        );
    }
    let _ = writeln!(out, "    ],");
    let _ = writeln!(out, "    traffic_mirror_sessions: [");
    for m in get("TrafficMirrorSessions") {
        let v = m.value;
        let id = s(v, "TrafficMirrorSessionId").unwrap_or_default();
        let source = s(v, "NetworkInterfaceId").unwrap_or_default();
        let target = s(v, "TrafficMirrorTargetId").unwrap_or_default();
        let filter = s(v, "TrafficMirrorFilterId").unwrap_or_default();
        missing(
            &mut errors,
            &m.origin,
            "NetworkInterfaceId",
            "ENI",
            source,
            &eni_ids,
        );
        missing(
            &mut errors,
            &m.origin,
            "TrafficMirrorTargetId",
            "traffic mirror target",
            target,
            &target_ids,
        );
        missing(
            &mut errors,
            &m.origin,
            "TrafficMirrorFilterId",
            "traffic mirror filter",
            filter,
            &filter_ids,
        );
        let mut x = format!(
            "id: {}, network_interface_id: {}, traffic_mirror_target_id: {}, traffic_mirror_filter_id: {}, session_number: {}",
            q(id),
            q(source),
            q(target),
            q(filter),
            v.get("SessionNumber").and_then(Value::as_u64).unwrap_or(1)
        );
        if let Some(o) = owner_of(m) {
            let _ = write!(x, ", owner: {}", q(o));
        }
        if let Some(n) = v.get("VirtualNetworkId").and_then(Value::as_u64) {
            let _ = write!(x, ", virtual_network_id: {n}");
        }
        if let Some(n) = v.get("PacketLength").and_then(Value::as_u64) {
            let _ = write!(x, ", packet_length: {n}");
        }
        if let Some(d) = s(v, "Description") {
            let _ = write!(x, ", description: {}", q(d));
        }
        let _ = writeln!(out, "        // {}", m.origin);
        let _ = writeln!(out, "        Session({x}),");
    }
    let _ = writeln!(out, "    ],");
    if flow_logs.is_empty() {
        let _ = writeln!(
            out,
            "    traffic: [\n        // Describe what the ENIs carry, for example:\n        \
             // Flow(name: \"web\", from: \"203.0.113.0/24\", to: \"eni-...\", protocol: Tcp,\n        \
             //      destination_port: 443, rate: \"100Mbps\", size: Imix),\n        \
             // or a VPC flow log: FlowLogs(file: \"flow-logs.log\"),\n    ],"
        );
    } else {
        // Each flow log's records, at the ENIs that logged them.
        let _ = writeln!(out, "    traffic: [");
        for (k, f) in flow_logs.iter().enumerate() {
            let _ = writeln!(
                out,
                "        FlowLogs(name: \"flow-logs-{}\", file: {}),",
                k + 1,
                q(&f.display().to_string())
            );
        }
        let _ = writeln!(out, "    ],");
    }
    let _ = writeln!(out, ")");
    if !others.is_empty()
        || !skipped_routes.is_empty()
        || !skipped_lbs.is_empty()
        || !unregistered.is_empty()
        || !health_notes.is_empty()
        || !shares.skipped.is_empty()
        || !gone.is_empty()
        || !service_enis.is_empty()
    {
        let _ = writeln!(out, "// Not imported:");
    }
    for (what, list) in [
        (
            "load balancers of a kind the twin does not model",
            &skipped_lbs,
        ),
        (
            "target groups whose describe-target-health output is not in the snapshot (name the file after the group)",
            &unregistered,
        ),
        (
            "targets in a state the twin has no word for (taken as healthy)",
            &health_notes,
        ),
        ("instances terminated or shutting down", &gone),
        (
            "ENIs that AWS services manage (load balancer nodes and endpoints are modelled as such; NAT gateways, Lambda and the rest carry nothing mirrored)",
            &service_enis,
        ),
        (
            "RAM associations of resources or principals the twin does not model (organisational units, IAM roles, resources other than subnets and traffic mirror targets)",
            &shares.skipped,
        ),
    ] {
        if let Some(first) = list.first() {
            let _ = writeln!(out, "// - {what}: {} (first {first}).", list.len());
        }
    }
    if !skipped_routes.is_empty() {
        let _ = writeln!(
            out,
            "// - routes: {} to transit gateways, NAT gateways, ENIs or peering connections the snapshot lacks (first {}): those are not imported.",
            skipped_routes.len(),
            skipped_routes[0]
        );
    }
    if !others.is_empty() {
        for (key, (count, file)) in &others {
            let _ = writeln!(
                out,
                "// - {key}: {count} (first in {file}): {}.",
                why_not(key)
            );
        }
    }
    if errors.is_empty() {
        Ok(Imported {
            text: out,
            warnings,
        })
    } else {
        Err(errors)
    }
}
