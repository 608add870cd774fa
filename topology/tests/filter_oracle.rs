//! FLT-01..05: a filter's verdict against a naive oracle written straight
//! from the user guide, over random rules and packets (proptest).
//!
//! The oracle sorts the rules by number itself, compares addresses bit by
//! bit and ports only for TCP and UDP: no code shared with the filter.

use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;
use proptest::prelude::*;
use topology::filter::{FilterRule, FilterVerdict, PortRange, RuleAction, TrafficMirrorFilter};
use topology::{AccountIdx, Direction, FlowKey, L3};

fn cidr() -> impl Strategy<Value = IpNet> {
    prop_oneof![
        Just("0.0.0.0/0"),
        Just("10.0.0.0/8"),
        Just("10.0.1.0/24"),
        Just("10.0.1.10/32"),
        Just("198.51.100.0/24"),
        Just("::/0"),
        Just("2600:1f18::/56"),
    ]
    .prop_map(|s| s.parse().unwrap())
}

fn ports() -> impl Strategy<Value = Option<PortRange>> {
    proptest::option::of((0u16..1100, 0u16..1100).prop_map(|(a, b)| PortRange {
        from_port: a.min(b),
        to_port: a.max(b),
    }))
}

fn rule() -> impl Strategy<Value = FilterRule> {
    (
        1u16..32767,
        any::<bool>(),
        prop_oneof![
            Just(None),
            Just(Some(6u8)),
            Just(Some(17u8)),
            Just(Some(1u8))
        ],
        ports(),
        ports(),
        cidr(),
        cidr(),
    )
        .prop_map(|(n, accept, protocol, sp, dp, s, d)| FilterRule {
            id: format!("tmfr-{n}"),
            rule_number: n,
            rule_action: if accept {
                RuleAction::Accept
            } else {
                RuleAction::Reject
            },
            protocol,
            // Port ranges only for TCP and UDP rules (the API's rule).
            source_port_range: sp.filter(|_| matches!(protocol, Some(6 | 17))),
            destination_port_range: dp.filter(|_| matches!(protocol, Some(6 | 17))),
            source_cidr_block: s,
            destination_cidr_block: d,
            description: None,
        })
}

fn address() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        Just("10.0.1.10"),
        Just("10.0.1.77"),
        Just("10.9.9.9"),
        Just("198.51.100.4"),
        Just("203.0.113.1"),
        Just("2600:1f18::10"),
    ]
    .prop_map(|s| s.parse().unwrap())
}

fn packet() -> impl Strategy<Value = FlowKey> {
    (
        any::<bool>(),
        address(),
        address(),
        prop_oneof![Just(6u8), Just(17u8), Just(1u8), Just(47u8)],
        0u16..1100,
        0u16..1100,
    )
        .prop_map(|(arp, src, dst, protocol, sp, dp)| {
            let ports = protocol == 6 || protocol == 17;
            FlowKey {
                l3: if arp { L3::Arp } else { L3::Ip },
                src,
                dst,
                protocol: if arp { 0 } else { protocol },
                src_port: if ports && !arp { sp } else { 0 },
                dst_port: if ports && !arp { dp } else { 0 },
            }
        })
}

/// An address in a block, bit by bit (FLT-05: never across families).
fn in_block(ip: IpAddr, block: &IpNet) -> bool {
    let bits = |ip: IpAddr| -> (u128, u32) {
        match ip {
            IpAddr::V4(a) => (u128::from(u32::from(a)), 32),
            IpAddr::V6(a) => (u128::from(a), 128),
        }
    };
    let (a, width) = bits(ip);
    let (n, nwidth) = bits(block.network());
    if width != nwidth {
        return false;
    }
    let prefix = u32::from(block.prefix_len());
    (0..prefix).all(|i| {
        let bit = width - 1 - i;
        (a >> bit) & 1 == (n >> bit) & 1
    })
}

/// The guide's reading: rules of the packet's direction, lowest number
/// first; the first that matches decides (FLT-01); no rules, no verdict
/// (FLT-02); a port range asks for a TCP or UDP port (FLT-04).
fn oracle(rules: &[FilterRule], p: &FlowKey) -> FilterVerdict {
    if rules.is_empty() {
        return FilterVerdict::NoRulesForDirection;
    }
    let mut order: Vec<usize> = (0..rules.len()).collect();
    order.sort_by_key(|&i| rules[i].rule_number);
    for (position, &i) in order.iter().enumerate() {
        let r = &rules[i];
        if p.l3 != L3::Ip {
            continue;
        }
        let tcp_or_udp = p.protocol == 6 || p.protocol == 17;
        let port_ok = |range: Option<PortRange>, port: u16| match range {
            None => true,
            Some(range) => tcp_or_udp && range.from_port <= port && port <= range.to_port,
        };
        if r.protocol.is_none_or(|x| x == p.protocol)
            && in_block(p.src, &r.source_cidr_block)
            && in_block(p.dst, &r.destination_cidr_block)
            && port_ok(r.source_port_range, p.src_port)
            && port_ok(r.destination_port_range, p.dst_port)
        {
            return match r.rule_action {
                RuleAction::Accept => FilterVerdict::Accept(position),
                RuleAction::Reject => FilterVerdict::Reject(position),
            };
        }
    }
    FilterVerdict::NoRuleMatched
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn flt_01_a_filter_decides_as_the_guide_reads(
        ingress in proptest::collection::vec(rule(), 0..6),
        egress in proptest::collection::vec(rule(), 0..3),
        p in packet(),
    ) {
        // Rule numbers are unique per direction.
        let dedup = |mut rs: Vec<FilterRule>| {
            rs.sort_by_key(|r| r.rule_number);
            rs.dedup_by_key(|r| r.rule_number);
            rs
        };
        let (ingress, egress) = (dedup(ingress), dedup(egress));
        let mut f = TrafficMirrorFilter {
            id: "tmf-1".into(),
            owner: AccountIdx(0),
            description: None,
            ingress_filter_rules: ingress.iter().rev().cloned().collect(),
            egress_filter_rules: egress.clone(),
            amazon_dns: false,
        };
        f.sort_rules();
        // FLT-03: each direction asks its own rules only.
        prop_assert_eq!(f.evaluate(Direction::Ingress, &p), oracle(&ingress, &p));
        prop_assert_eq!(f.evaluate(Direction::Egress, &p), oracle(&egress, &p));
        // The traced form tells every rule it tried, in order, and the
        // last one tried is the one that decided.
        let mut tried = Vec::new();
        let v = f.evaluate_traced(Direction::Ingress, &p, &mut |i, m| tried.push((i, m)));
        prop_assert_eq!(v, oracle(&ingress, &p));
        match v {
            FilterVerdict::Accept(i) | FilterVerdict::Reject(i) => {
                prop_assert_eq!(tried.last().copied(), Some((i, true)));
                prop_assert!(tried[..tried.len() - 1].iter().all(|&(_, m)| !m));
            }
            _ => prop_assert!(tried.iter().all(|&(_, m)| !m)),
        }
    }
}

#[test]
fn the_oracle_compares_addresses_by_family() {
    // The oracle's own check, so a pass above means something: an IPv4
    // block holds no IPv6 address, and holds its own addresses.
    let all_v4: IpNet = "0.0.0.0/0".parse().unwrap();
    assert!(!in_block("2600:1f18::10".parse().unwrap(), &all_v4));
    assert!(in_block(IpAddr::V4(Ipv4Addr::new(10, 0, 1, 10)), &all_v4));
    let net: IpNet = "10.0.1.0/24".parse().unwrap();
    assert!(!in_block(IpAddr::V4(Ipv4Addr::new(10, 0, 2, 1)), &net));
}
