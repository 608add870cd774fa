//! What every part of the loader shares while it builds a scenario: the
//! problems found so far, the ids resolved so far, and the API's limits
//! that several resource families check.

use std::collections::{BTreeMap, BTreeSet};

use topology::network::{SecurityGroup, SgRule, SgSource};
use topology::{
    AccountIdx, AclIdx, Diagnostic, EniIdx, ErrorCode, FilterIdx, PeeringIdx, RouteTableIdx,
    Severity, SgIdx, SubnetIdx, TargetIdx, TgwIdx, Topology, VpcIdx,
};

use super::locate::Anchor;

/// Largest MTU of an ENI, and the default.
pub const DEFAULT_MTU: u16 = 9001;
/// Smallest MTU an ENI accepts.
pub const MIN_MTU: u16 = 576;
/// Session numbers (SES-01), filter rule numbers and ACL rule numbers.
pub const NUMBER_RANGE: std::ops::RangeInclusive<u32> = 1..=32766;
/// The Region of resources that name none, when the file names none.
pub const DEFAULT_REGION: &str = "us-east-1";
/// The account that owns everything when the file declares none.
pub const DEFAULT_ACCOUNT: &str = "123456789012";

/// A diagnostic and the element it belongs to.
pub type Located = (Diagnostic, Anchor);

/// Collects diagnostics while building.
#[derive(Default)]
pub struct Problems(pub Vec<Located>);

impl Problems {
    pub fn push(&mut self, anchor: Anchor, d: Diagnostic) {
        self.0.push((d, anchor));
    }

    pub fn error(
        &mut self,
        anchor: &Anchor,
        code: ErrorCode,
        resource: &str,
        field: &'static str,
        message: impl Into<String>,
    ) {
        self.push(
            anchor.clone(),
            Diagnostic::error(code, resource, field, message),
        );
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|(d, _)| d.severity == Severity::Error)
    }
}

/// The anchor of the element whose `id` is this.
pub fn id_anchor(id: &str) -> Anchor {
    Anchor::Id(id.to_string())
}

/// String ids resolved to indexes, filled as resources are built.
#[derive(Default)]
pub struct Names {
    pub accounts: BTreeMap<String, AccountIdx>,
    pub vpcs: BTreeMap<String, VpcIdx>,
    pub subnets: BTreeMap<String, SubnetIdx>,
    pub route_tables: BTreeMap<String, RouteTableIdx>,
    pub acls: BTreeMap<String, AclIdx>,
    pub sgs: BTreeMap<String, SgIdx>,
    pub peerings: BTreeMap<String, PeeringIdx>,
    pub tgws: BTreeMap<String, TgwIdx>,
    /// Attachment id to (gateway, position among its attachments).
    pub attachments: BTreeMap<String, (TgwIdx, usize)>,
    pub enis: BTreeMap<String, EniIdx>,
    pub targets: BTreeMap<String, TargetIdx>,
    pub filters: BTreeMap<String, FilterIdx>,
    /// SEC-01: each VPC's default security group, declared or implicit.
    pub default_sgs: BTreeMap<VpcIdx, SgIdx>,
    /// Elements that could not be built because of an error already
    /// reported: references to them are skipped without another error, so
    /// one fault gives one diagnostic.
    pub poisoned: BTreeSet<String>,
}

impl Names {
    /// SEC-01: the VPC's default security group: the one declared
    /// `default: true`, or else an implicit one, made on first use, that
    /// admits inbound traffic only from its own members (as AWS makes it).
    pub fn default_group(&mut self, topo: &mut Topology, vpc: VpcIdx) -> SgIdx {
        *self.default_sgs.entry(vpc).or_insert_with(|| {
            let idx = SgIdx(topo.security_groups.len() as u32);
            topo.security_groups.push(SecurityGroup {
                id: format!("default ({})", topo.vpc(vpc).id),
                vpc,
                ingress_rules: vec![SgRule {
                    protocol: None,
                    port_range: None,
                    source: SgSource::Group(idx),
                    description: Some("members of the VPC's default group".into()),
                }],
            });
            idx
        })
    }

    /// Resolves an `owner` field: the named account, or `default`.
    pub fn owner(
        &self,
        owner: &Option<String>,
        default: AccountIdx,
        element: &str,
        p: &mut Problems,
    ) -> AccountIdx {
        match owner {
            None => default,
            Some(a) => match self.accounts.get(a) {
                Some(&i) => i,
                None => {
                    p.push(
                        id_anchor(element),
                        Diagnostic::error(
                            ErrorCode::UnknownResource,
                            element,
                            "owner",
                            format!("no account `{a}` is declared"),
                        )
                        .with_help("declare it in `accounts`"),
                    );
                    default
                }
            },
        }
    }
}

/// A load balancer named by its ARN, or by its name (the ARN's
/// `loadbalancer/net/NAME/...`) when no other has that name: the position
/// of the one meant among `ids`.
pub fn load_balancer_named<'a>(
    ids: impl Iterator<Item = &'a str> + Clone,
    reference: &str,
) -> Option<usize> {
    if let Some(i) = ids.clone().position(|id| id == reference) {
        return Some(i);
    }
    let mut by_name = ids
        .enumerate()
        .filter(|(_, id)| topology::short_name(id) == reference);
    match (by_name.next(), by_name.next()) {
        (Some((i, _)), None) => Some(i),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::load_balancer_named;

    #[test]
    fn a_load_balancer_is_named_by_its_arn_or_its_unique_name() {
        let ids = [
            "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/net/ids/a1",
            "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/net/web/b2",
            "arn:aws:elasticloadbalancing:us-west-2:1:loadbalancer/net/web/c3",
        ];
        let named = |r: &str| load_balancer_named(ids.iter().copied(), r);
        assert_eq!(named(ids[2]), Some(2));
        assert_eq!(named("ids"), Some(0));
        // Two are called `web`: the name alone is ambiguous.
        assert_eq!(named("web"), None);
        assert_eq!(named("a1"), None);
    }
}
