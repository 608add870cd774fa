//! Traffic that AWS treats specially at the source ENI: the types it never
//! mirrors (SRC-03) and the Amazon DNS network service (FLT-06).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::packet::{FlowKey, L3, proto};

/// A kind of traffic that Traffic Mirroring never copies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NeverMirrored {
    Arp,
    Dhcp,
    InstanceMetadata,
    TimeSync,
    WindowsActivation,
}

/// The instance metadata service, IPv4 and IPv6.
pub const INSTANCE_METADATA_V4: Ipv4Addr = Ipv4Addr::new(169, 254, 169, 254);
pub const INSTANCE_METADATA_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254);
/// Amazon Time Sync Service, IPv4 and IPv6.
pub const TIME_SYNC_V4: Ipv4Addr = Ipv4Addr::new(169, 254, 169, 123);
pub const TIME_SYNC_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x123);
/// The link-local addresses of the Amazon-provided DNS resolver.
pub const AMAZON_DNS_V4: Ipv4Addr = Ipv4Addr::new(169, 254, 169, 253);
pub const AMAZON_DNS_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x253);
/// Windows activation (KMS) servers.
pub const WINDOWS_ACTIVATION: [Ipv4Addr; 2] = [
    Ipv4Addr::new(169, 254, 169, 250),
    Ipv4Addr::new(169, 254, 169, 251),
];

fn either(packet: &FlowKey, f: impl Fn(IpAddr) -> bool) -> bool {
    f(packet.src) || f(packet.dst)
}

/// SRC-03: ARP, DHCP, instance metadata, Amazon Time Sync and Windows
/// activation are never mirrored, whatever the filters say. DHCP is
/// recognised by its well-known UDP port pairs (67/68, and 546/547 for
/// DHCPv6); the services by their addresses, in either direction.
pub fn never_mirrored(packet: &FlowKey) -> Option<NeverMirrored> {
    if packet.l3 == L3::Arp {
        return Some(NeverMirrored::Arp);
    }
    if packet.protocol == proto::UDP {
        let ports = (packet.src_port, packet.dst_port);
        if matches!(ports, (68, 67) | (67, 68) | (546, 547) | (547, 546)) {
            return Some(NeverMirrored::Dhcp);
        }
    }
    if either(packet, |a| {
        a == IpAddr::V4(INSTANCE_METADATA_V4) || a == IpAddr::V6(INSTANCE_METADATA_V6)
    }) {
        return Some(NeverMirrored::InstanceMetadata);
    }
    if either(packet, |a| {
        a == IpAddr::V4(TIME_SYNC_V4) || a == IpAddr::V6(TIME_SYNC_V6)
    }) {
        return Some(NeverMirrored::TimeSync);
    }
    if either(
        packet,
        |a| matches!(a, IpAddr::V4(v) if WINDOWS_ACTIVATION.contains(&v)),
    ) {
        return Some(NeverMirrored::WindowsActivation);
    }
    None
}

/// FLT-06: whether the packet is to or from the Amazon-provided DNS resolver
/// of the VPC whose resolver address (VPC CIDR base + 2) is given.
pub fn is_amazon_dns(packet: &FlowKey, vpc_resolver: Option<IpAddr>) -> bool {
    packet.l3 == L3::Ip
        && either(packet, |a| {
            Some(a) == vpc_resolver
                || a == IpAddr::V4(AMAZON_DNS_V4)
                || a == IpAddr::V6(AMAZON_DNS_V6)
        })
}
