//! AWS RAM, for `sim import aws`: traffic mirror targets shared with other
//! accounts (TGT-02) and subnets shared to participants (VPC sharing,
//! CON-04/05), and each account's organisation.
//!
//! Read from the sharing account's `aws ram get-resource-share-associations`
//! (`resourceShareAssociations`, both `--association-type RESOURCE` and
//! `PRINCIPAL`), optionally `get-resource-shares` (`resourceShares`, for
//! their names) and the receivers' `get-resource-share-invitations`
//! (`resourceShareInvitations`), and `aws organizations
//! describe-organization` (`Organization`) in an account's folder.
//!
//! Modelling decisions, where the API leaves room:
//! - An external principal (another organisation) has accepted when its
//!   invitation says `ACCEPTED`; with no invitation in the snapshot, when
//!   its association is `ASSOCIATED` (not `ASSOCIATING`).
//! - An account's organisation is the one `describe-organization` gives in
//!   its folder; else a share to an organisation puts its owner in it, and
//!   a principal association with `external: false` puts the principal in
//!   its owner's organisation.
//! - A subnet shared with an organisation is shared with every account of
//!   that organisation the snapshot names.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde_json::Value;

use super::{Item, Origin, q, s};

/// What the shares add to the scenario.
#[derive(Default)]
pub struct Shares {
    /// Account id → organisation id.
    pub organizations: BTreeMap<String, String>,
    /// Accounts the shares name (owners and principals).
    pub accounts: BTreeSet<String>,
    /// Subnet id → the accounts it is shared with.
    pub subnets: BTreeMap<String, BTreeSet<String>>,
    /// `ResourceShare(...)` entries, each after a comment naming its origin.
    pub rendered: String,
    /// What is not modelled, as `(what, first origin)`, one per item.
    pub skipped: Vec<String>,
}

/// The account field of an ARN (`arn:aws:ram:REGION:ACCOUNT:...`).
fn arn_account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

/// A resource ARN's type and id (`.../traffic-mirror-target/tmt-1`).
fn arn_resource(arn: &str) -> Option<(&str, &str)> {
    let tail = arn.splitn(6, ':').nth(5)?;
    tail.split_once('/')
}

/// A principal: an account, an organisation (`o-` id), or what the twin
/// does not model (an OU, an IAM role or user).
enum Principal<'a> {
    Account(&'a str),
    Organization(&'a str),
    Other,
}

fn principal(entity: &str) -> Principal<'_> {
    if entity.len() == 12 && entity.bytes().all(|b| b.is_ascii_digit()) {
        Principal::Account(entity)
    } else if let Some(org) = entity
        .strip_prefix("arn:")
        .and_then(|_| entity.rsplit_once(":organization/"))
        .map(|(_, o)| o)
    {
        Principal::Organization(org)
    } else if entity.starts_with("o-") && !entity.contains('/') {
        Principal::Organization(entity)
    } else {
        Principal::Other
    }
}

#[derive(Default)]
struct Share<'a> {
    origin: Option<&'a Origin>,
    name: Option<&'a str>,
    targets: Vec<&'a str>,
    subnets: Vec<&'a str>,
    accounts: Vec<(&'a str, bool, bool)>, // (id, external, associated)
    organizations: Vec<&'a str>,
}

/// The shares of `associations`; `known_targets` and `known_subnets` are the
/// snapshot's (a shared resource it lacks is an error at its origin).
pub fn read(
    associations: &[Item<'_>],
    names: &[Item<'_>],
    invitations: &[Item<'_>],
    organizations: &[(String, Origin, String)],
    known_targets: &BTreeSet<String>,
    known_subnets: &BTreeSet<String>,
    errors: &mut Vec<String>,
) -> Shares {
    let mut out = Shares::default();
    let mut shares: BTreeMap<&str, Share<'_>> = BTreeMap::new();
    for a in associations {
        let v = a.value;
        let (Some(arn), Some(entity)) = (s(v, "resourceShareArn"), s(v, "associatedEntity")) else {
            errors.push(format!(
                "{}: no resourceShareArn or associatedEntity",
                a.origin
            ));
            continue;
        };
        // Associations being removed, or that failed, share nothing.
        let status = s(v, "status").unwrap_or("ASSOCIATED");
        if !matches!(status, "ASSOCIATED" | "ASSOCIATING") {
            continue;
        }
        let share = shares.entry(arn).or_default();
        share.origin.get_or_insert(&a.origin);
        if share.name.is_none() {
            share.name = s(v, "resourceShareName");
        }
        match s(v, "associationType") {
            Some("RESOURCE") => match arn_resource(entity) {
                Some(("traffic-mirror-target", id)) => {
                    if !known_targets.contains(id) {
                        errors.push(format!(
                            "{}.associatedEntity: traffic mirror target {id} is not in the snapshot (add its describe output)",
                            a.origin
                        ));
                    }
                    share.targets.push(id);
                }
                Some(("subnet", id)) => {
                    if !known_subnets.contains(id) {
                        errors.push(format!(
                            "{}.associatedEntity: subnet {id} is not in the snapshot (add its describe output)",
                            a.origin
                        ));
                    }
                    share.subnets.push(id);
                }
                _ => out.skipped.push(format!("{} ({entity})", a.origin)),
            },
            Some("PRINCIPAL") => match principal(entity) {
                Principal::Account(id) => share.accounts.push((
                    id,
                    v.get("external") == Some(&Value::Bool(true)),
                    status == "ASSOCIATED",
                )),
                Principal::Organization(o) => share.organizations.push(o),
                Principal::Other => out.skipped.push(format!("{} ({entity})", a.origin)),
            },
            _ => out.skipped.push(format!(
                "{} (a {} association)",
                a.origin,
                s(v, "associationType").unwrap_or("untyped")
            )),
        }
    }
    for n in names {
        if let (Some(arn), Some(name)) = (s(n.value, "resourceShareArn"), s(n.value, "name"))
            && let Some(share) = shares.get_mut(arn)
        {
            share.name = Some(name);
        }
    }
    // Organisations: describe-organization first, then what the shares say.
    for (account, _, org) in organizations {
        out.organizations.insert(account.clone(), org.clone());
    }
    for (arn, share) in &shares {
        let Some(owner) = arn_account(arn) else {
            continue;
        };
        out.accounts.insert(owner.to_string());
        if let Some(o) = share.organizations.first() {
            out.organizations
                .entry(owner.to_string())
                .or_insert_with(|| o.to_string());
        }
    }
    for (arn, share) in &shares {
        let Some(owner) = arn_account(arn) else {
            continue;
        };
        let owner_org = out.organizations.get(owner).cloned();
        for (id, external, _) in &share.accounts {
            out.accounts.insert(id.to_string());
            if !external && let Some(o) = &owner_org {
                out.organizations
                    .entry(id.to_string())
                    .or_insert_with(|| o.clone());
            }
        }
    }
    // One scenario id per share: its name, unless two shares have it.
    let mut name_count: BTreeMap<&str, usize> = BTreeMap::new();
    for share in shares.values() {
        if let Some(n) = share.name {
            *name_count.entry(n).or_default() += 1;
        }
    }
    for (arn, share) in &shares {
        let Some(owner) = arn_account(arn) else {
            errors.push(format!(
                "{}.resourceShareArn: `{arn}` names no account",
                share.origin.map_or(String::new(), ToString::to_string)
            ));
            continue;
        };
        // Subnets: to the accounts named, and to every account of an
        // organisation named.
        let mut receivers: BTreeSet<String> =
            share.accounts.iter().map(|(a, ..)| a.to_string()).collect();
        for o in &share.organizations {
            receivers.extend(
                out.organizations
                    .iter()
                    .filter(|(a, org)| org.as_str() == *o && a.as_str() != owner)
                    .map(|(a, _)| a.clone()),
            );
        }
        for sn in &share.subnets {
            out.subnets
                .entry(sn.to_string())
                .or_default()
                .extend(receivers.iter().cloned());
        }
        if share.targets.is_empty() {
            continue;
        }
        let accepted = share.accounts.iter().all(|(id, external, associated)| {
            if !external {
                return true;
            }
            let invitation = invitations.iter().find(|i| {
                s(i.value, "resourceShareArn") == Some(*arn)
                    && s(i.value, "receiverAccountId") == Some(*id)
            });
            match invitation {
                Some(i) => s(i.value, "status") == Some("ACCEPTED"),
                None => *associated,
            }
        });
        let id = match share.name {
            Some(n) if name_count.get(n) == Some(&1) => n,
            _ => arn.rsplit('/').next().unwrap_or(arn),
        };
        let principals: Vec<String> = share
            .organizations
            .iter()
            .map(|o| q(o))
            .chain(share.accounts.iter().map(|(a, ..)| q(a)))
            .collect();
        let targets: Vec<String> = share.targets.iter().map(|t| q(t)).collect();
        if let Some(o) = share.origin {
            let _ = writeln!(out.rendered, "        // {o}: {arn}");
        }
        let _ = writeln!(
            out.rendered,
            "        ResourceShare(id: {}, owner: {}, traffic_mirror_target_ids: [{}], principals: [{}]{}),",
            q(id),
            q(owner),
            targets.join(", "),
            principals.join(", "),
            if accepted { "" } else { ", accepted: false" }
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principals_are_accounts_organisations_or_not_modelled() {
        assert!(matches!(principal("333333333333"), Principal::Account(_)));
        assert!(matches!(
            principal("arn:aws:organizations::111111111111:organization/o-abc123"),
            Principal::Organization("o-abc123")
        ));
        assert!(matches!(
            principal("arn:aws:organizations::111111111111:ou/o-abc123/ou-ab12-cdef"),
            Principal::Other
        ));
        assert!(matches!(
            principal("arn:aws:iam::111111111111:role/x"),
            Principal::Other
        ));
    }

    #[test]
    fn resource_arns_give_type_and_id() {
        assert_eq!(
            arn_resource("arn:aws:ec2:us-east-1:111111111111:traffic-mirror-target/tmt-1"),
            Some(("traffic-mirror-target", "tmt-1"))
        );
        assert_eq!(
            arn_account("arn:aws:ram:us-east-1:111111111111:resource-share/u"),
            Some("111111111111")
        );
    }
}
