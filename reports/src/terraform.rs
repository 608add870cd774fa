//! `sim export terraform`: a scenario's mirror configuration as Terraform
//! (HCL) for the AWS provider's `aws_ec2_traffic_mirror_target`, `_filter`,
//! `_filter_rule` and `_session`, so a plan validated in the twin can be
//! applied as it is. Network resources (ENIs, load balancers, endpoints)
//! are referenced by their ids, as the scenario names them; the mirror
//! resources reference each other. The layout is `terraform fmt`'s (a test
//! runs it where Terraform is installed).

use std::fmt::Write as _;

use sim_core::scenario::schema::ScenarioFile;
use topology::{Direction, FilterRule, PortRange, TargetResource, Topology};

/// A value in HCL: a quoted string, or written as it is.
enum Value {
    Str(String),
    Raw(String),
}

/// One item of a block's body.
enum Item {
    Attr(&'static str, Value),
    Block(&'static str, Vec<Item>),
}

/// A Terraform name from an AWS id: letters, digits, `_` and `-`, not
/// starting with a digit.
pub fn name(id: &str) -> String {
    let mut n: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !n.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        n.insert(0, '_');
    }
    n
}

/// A string as an HCL quoted template: escapes, and `${`/`%{` kept literal.
fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Renders a body at `depth`, aligning the `=` of consecutive attributes
/// as `terraform fmt` does.
fn body(out: &mut String, items: &[Item], depth: usize) {
    let pad = "  ".repeat(depth);
    let mut i = 0;
    while i < items.len() {
        match &items[i] {
            Item::Attr(..) => {
                let run: Vec<&Item> = items[i..]
                    .iter()
                    .take_while(|x| matches!(x, Item::Attr(..)))
                    .collect();
                let width = run
                    .iter()
                    .map(|x| match x {
                        Item::Attr(k, _) => k.len(),
                        _ => 0,
                    })
                    .max()
                    .unwrap_or(0);
                for x in &run {
                    if let Item::Attr(k, v) = x {
                        let v = match v {
                            Value::Str(s) => quoted(s),
                            Value::Raw(r) => r.clone(),
                        };
                        let _ = writeln!(out, "{pad}{k:width$} = {v}");
                    }
                }
                i += run.len();
            }
            Item::Block(kind, inner) => {
                let _ = writeln!(out, "{pad}{kind} {{");
                body(out, inner, depth + 1);
                let _ = writeln!(out, "{pad}}}");
                i += 1;
            }
        }
    }
}

/// A resource; owned by another account than the first, it says which
/// (it is applied with that account's provider).
fn resource(out: &mut String, owner: Option<&str>, kind: &str, label: &str, items: &[Item]) {
    if let Some(account) = owner {
        let _ = writeln!(
            out,
            "# In account {account}: apply with that account's provider."
        );
    }
    let _ = writeln!(out, "resource \"{kind}\" \"{label}\" {{");
    body(out, items, 1);
    out.push_str("}\n\n");
}

fn range(kind: &'static str, r: Option<PortRange>) -> Option<Item> {
    r.map(|r| {
        Item::Block(
            kind,
            vec![
                Item::Attr("from_port", Value::Raw(r.from_port.to_string())),
                Item::Attr("to_port", Value::Raw(r.to_port.to_string())),
            ],
        )
    })
}

fn rule(filter: &str, direction: Direction, r: &FilterRule) -> Vec<Item> {
    let mut items = vec![
        Item::Attr(
            "traffic_mirror_filter_id",
            Value::Raw(format!("aws_ec2_traffic_mirror_filter.{}.id", name(filter))),
        ),
        Item::Attr(
            "traffic_direction",
            Value::Str(
                match direction {
                    Direction::Ingress => "ingress",
                    Direction::Egress => "egress",
                }
                .into(),
            ),
        ),
        Item::Attr("rule_number", Value::Raw(r.rule_number.to_string())),
        Item::Attr("rule_action", Value::Str(r.rule_action.as_str().into())),
    ];
    if let Some(p) = r.protocol {
        items.push(Item::Attr("protocol", Value::Raw(p.to_string())));
    }
    items.push(Item::Attr(
        "source_cidr_block",
        Value::Str(r.source_cidr_block.to_string()),
    ));
    items.push(Item::Attr(
        "destination_cidr_block",
        Value::Str(r.destination_cidr_block.to_string()),
    ));
    if let Some(d) = &r.description {
        items.push(Item::Attr("description", Value::Str(d.clone())));
    }
    items.extend(range("source_port_range", r.source_port_range));
    items.extend(range("destination_port_range", r.destination_port_range));
    items
}

/// The mirror configuration as it stands when the run starts (the
/// timeline's later changes are not part of it), as Terraform.
pub fn export(topo: &Topology, file: Option<&ScenarioFile>, scenario_name: &str) -> String {
    let mut out = String::new();
    // Owners other than the first account (cross-account targets, SES-07).
    let owner = |a: topology::AccountIdx| {
        (a.index() != 0)
            .then(|| topo.accounts.get(a.index()).map(|x| x.id.as_str()))
            .flatten()
    };
    let _ = writeln!(
        out,
        "# Traffic Mirroring of scenario {scenario_name}, exported by mirrorsim (sim export \
         terraform).\n# The mirror targets, filters, rules and sessions as they stand at the start; \
         ENIs,\n# load balancers and endpoints are referenced by their ids.\n"
    );
    for t in &topo.targets {
        let mut items = Vec::new();
        let (key, id) = match t.resource {
            TargetResource::NetworkInterface(e) => ("network_interface_id", topo.eni(e).id.clone()),
            TargetResource::NetworkLoadBalancer(n) => (
                "network_load_balancer_arn",
                topo.network_load_balancers[n.index()].id.clone(),
            ),
            TargetResource::GatewayLoadBalancerEndpoint(v) => (
                "gateway_load_balancer_endpoint_id",
                topo.gwlb_endpoints[v.index()].id.clone(),
            ),
        };
        items.push(Item::Attr(key, Value::Str(id)));
        if let Some(d) = &t.description {
            items.push(Item::Attr("description", Value::Str(d.clone())));
        }
        items.push(Item::Attr(
            "tags",
            Value::Raw(format!("{{ Name = {} }}", quoted(&t.id))),
        ));
        resource(
            &mut out,
            owner(t.owner),
            "aws_ec2_traffic_mirror_target",
            &name(&t.id),
            &items,
        );
    }
    for f in &topo.filters {
        let mut items = Vec::new();
        if let Some(d) = &f.description {
            items.push(Item::Attr("description", Value::Str(d.clone())));
        }
        if f.amazon_dns {
            items.push(Item::Attr(
                "network_services",
                Value::Raw("[\"amazon-dns\"]".into()),
            ));
        }
        items.push(Item::Attr(
            "tags",
            Value::Raw(format!("{{ Name = {} }}", quoted(&f.id))),
        ));
        resource(
            &mut out,
            owner(f.owner),
            "aws_ec2_traffic_mirror_filter",
            &name(&f.id),
            &items,
        );
        for direction in [Direction::Ingress, Direction::Egress] {
            for r in f.rules(direction) {
                let label = format!(
                    "{}_{}_{}",
                    name(&f.id),
                    match direction {
                        Direction::Ingress => "ingress",
                        Direction::Egress => "egress",
                    },
                    r.rule_number
                );
                resource(
                    &mut out,
                    owner(f.owner),
                    "aws_ec2_traffic_mirror_filter_rule",
                    &label,
                    &rule(&f.id, direction, r),
                );
            }
        }
    }
    for s in &topo.sessions {
        let mut items = vec![
            Item::Attr(
                "network_interface_id",
                Value::Str(topo.eni(s.source).id.clone()),
            ),
            Item::Attr(
                "traffic_mirror_target_id",
                Value::Raw(format!(
                    "aws_ec2_traffic_mirror_target.{}.id",
                    name(&topo.target(s.target).id)
                )),
            ),
            Item::Attr(
                "traffic_mirror_filter_id",
                Value::Raw(format!(
                    "aws_ec2_traffic_mirror_filter.{}.id",
                    name(&topo.filters[s.filter.index()].id)
                )),
            ),
            Item::Attr("session_number", Value::Raw(s.session_number.to_string())),
        ];
        if let Some(l) = s.packet_length {
            items.push(Item::Attr("packet_length", Value::Raw(l.to_string())));
        }
        // SES-04: a VNI the scenario leaves out is AWS's to choose; the
        // twin's draw is not exported.
        let vni = file.and_then(|f| {
            f.traffic_mirror_sessions
                .iter()
                .find(|x| x.id == s.id)
                .and_then(|x| x.virtual_network_id)
        });
        if let Some(v) = vni {
            items.push(Item::Attr("virtual_network_id", Value::Raw(v.to_string())));
        }
        if let Some(d) = &s.description {
            items.push(Item::Attr("description", Value::Str(d.clone())));
        }
        items.push(Item::Attr(
            "tags",
            Value::Raw(format!("{{ Name = {} }}", quoted(&s.id))),
        ));
        resource(
            &mut out,
            owner(s.owner),
            "aws_ec2_traffic_mirror_session",
            &name(&s.id),
            &items,
        );
    }
    // One newline at the end, as terraform fmt leaves it.
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_strings_are_valid_hcl() {
        assert_eq!(name("tmt-0abc"), "tmt-0abc");
        assert_eq!(name("0abc.x"), "_0abc_x");
        assert_eq!(
            quoted("a \"b\" ${c} %{d} \\"),
            r#""a \"b\" $${c} %%{d} \\""#
        );
    }
}
