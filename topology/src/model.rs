//! The resolved resources of a scenario.
//!
//! Vectors addressed by the typed indexes of [`crate::ids`]; string ids are
//! kept for reports and diagnostics. A `Topology` is built once (by the
//! scenario loader) and read by everything else.

use std::net::IpAddr;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use crate::filter::TrafficMirrorFilter;
use crate::ids::{EniIdx, FilterIdx, InstanceIdx, SessionIdx, SubnetIdx, TargetIdx, VpcIdx};

/// A 48-bit Ethernet address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MacAddr(pub [u8; 6]);

impl std::fmt::Display for MacAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let m = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            m[0], m[1], m[2], m[3], m[4], m[5]
        )
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Vpc {
    /// `vpc-` id.
    pub id: String,
    /// The VPC's CIDR blocks, IPv4 and IPv6; the first IPv4 one is primary.
    pub cidr_blocks: Vec<IpNet>,
}

impl Vpc {
    /// The Amazon-provided DNS resolver: the primary IPv4 CIDR's base + 2.
    pub fn amazon_dns_resolver(&self) -> Option<IpAddr> {
        self.cidr_blocks.iter().find_map(|c| match c {
            IpNet::V4(v4) => {
                let base = u32::from(v4.network());
                Some(IpAddr::V4(base.wrapping_add(2).into()))
            }
            IpNet::V6(_) => None,
        })
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Subnet {
    /// `subnet-` id.
    pub id: String,
    pub vpc: VpcIdx,
    pub availability_zone: String,
    pub cidr_block: Option<Ipv4Net>,
    pub ipv6_cidr_block: Option<Ipv6Net>,
}

impl Subnet {
    /// Whether the address lies in one of the subnet's CIDR blocks.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(v4) => self.cidr_block.is_some_and(|c| c.contains(&v4)),
            IpAddr::V6(v6) => self.ipv6_cidr_block.is_some_and(|c| c.contains(&v6)),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Instance {
    /// `i-` id.
    pub id: String,
    /// EC2 instance type, as written (for example `m5.large`).
    pub instance_type: String,
    pub subnet: SubnetIdx,
}

/// An elastic network interface of type `interface`.
#[derive(Clone, Debug, PartialEq)]
pub struct Eni {
    /// `eni-` id.
    pub id: String,
    pub instance: InstanceIdx,
    pub subnet: SubnetIdx,
    /// The primary private IP address.
    pub private_ip: IpAddr,
    /// An IPv6 address, in a dual-stack subnet.
    pub ipv6_address: Option<std::net::Ipv6Addr>,
    pub mac: MacAddr,
    /// Maximum transmission unit in bytes (largest IP packet).
    pub mtu: u16,
}

/// The resource behind a traffic mirror target (TGT-01).
#[derive(Clone, Debug, PartialEq)]
pub enum TargetResource {
    /// `network-interface`: an appliance's ENI.
    NetworkInterface(EniIdx),
}

#[derive(Clone, Debug, PartialEq)]
pub struct TrafficMirrorTarget {
    /// `tmt-` id.
    pub id: String,
    pub resource: TargetResource,
    pub description: Option<String>,
}

impl TrafficMirrorTarget {
    /// The AWS API's `TrafficMirrorTargetType`.
    pub fn type_name(&self) -> &'static str {
        match self.resource {
            TargetResource::NetworkInterface(_) => "network-interface",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct TrafficMirrorSession {
    /// `tms-` id.
    pub id: String,
    /// The source ENI (`NetworkInterfaceId`).
    pub source: EniIdx,
    pub target: TargetIdx,
    pub filter: FilterIdx,
    /// 1..=32766; 1 is evaluated first.
    pub session_number: u16,
    /// The VXLAN network identifier, 24 bits.
    pub virtual_network_id: u32,
    /// Bytes of the inner frame to keep; `None` mirrors whole packets.
    pub packet_length: Option<u16>,
    pub description: Option<String>,
}

/// Everything that exists in a scenario.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Topology {
    pub vpcs: Vec<Vpc>,
    pub subnets: Vec<Subnet>,
    pub instances: Vec<Instance>,
    pub enis: Vec<Eni>,
    pub targets: Vec<TrafficMirrorTarget>,
    pub filters: Vec<TrafficMirrorFilter>,
    pub sessions: Vec<TrafficMirrorSession>,
    /// For each ENI, its sessions in ascending session number (SES-02).
    sessions_by_source: Vec<Vec<SessionIdx>>,
}

impl Topology {
    /// Derives the indexes that the decisions use: rules sorted by rule
    /// number and each source's sessions sorted by session number. Call once
    /// after the vectors are filled.
    pub fn finish(&mut self) {
        for f in &mut self.filters {
            f.sort_rules();
        }
        let mut by_source = vec![Vec::new(); self.enis.len()];
        for (i, s) in self.sessions.iter().enumerate() {
            by_source[s.source.index()].push(SessionIdx(i as u32));
        }
        for list in &mut by_source {
            list.sort_by_key(|s| self.sessions[s.index()].session_number);
        }
        self.sessions_by_source = by_source;
    }

    /// The sessions whose source is this ENI, in evaluation order.
    pub fn sessions_of(&self, eni: EniIdx) -> &[SessionIdx] {
        self.sessions_by_source
            .get(eni.index())
            .map_or(&[][..], |v| v.as_slice())
    }

    /// Whether the ENI is the source of at least one session.
    pub fn is_source(&self, eni: EniIdx) -> bool {
        !self.sessions_of(eni).is_empty()
    }

    pub fn eni(&self, i: EniIdx) -> &Eni {
        &self.enis[i.index()]
    }

    pub fn session(&self, i: SessionIdx) -> &TrafficMirrorSession {
        &self.sessions[i.index()]
    }

    pub fn target(&self, i: TargetIdx) -> &TrafficMirrorTarget {
        &self.targets[i.index()]
    }

    pub fn filter(&self, i: FilterIdx) -> &TrafficMirrorFilter {
        &self.filters[i.index()]
    }

    /// The VPC an ENI lives in.
    pub fn vpc_of(&self, eni: EniIdx) -> &Vpc {
        let subnet = &self.subnets[self.eni(eni).subnet.index()];
        &self.vpcs[subnet.vpc.index()]
    }

    /// The ENI that holds this address (primary or IPv6), if any.
    pub fn eni_by_ip(&self, ip: IpAddr) -> Option<EniIdx> {
        self.enis
            .iter()
            .position(|e| e.private_ip == ip || e.ipv6_address.map(IpAddr::V6) == Some(ip))
            .map(|i| EniIdx(i as u32))
    }

    /// The ENI with this id, if any.
    pub fn eni_by_id(&self, id: &str) -> Option<EniIdx> {
        self.enis
            .iter()
            .position(|e| e.id == id)
            .map(|i| EniIdx(i as u32))
    }
}
