//! Typed indexes into the vectors of [`crate::Topology`].
//!
//! Resources are named by AWS-style string ids in scenario files and reports;
//! inside the program they are addressed by these small indexes, so the
//! per-packet path never hashes a string.

macro_rules! index_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);

        impl $name {
            /// The position in the topology's vector.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

index_type!(
    /// A VPC.
    VpcIdx
);
index_type!(
    /// A subnet.
    SubnetIdx
);
index_type!(
    /// An EC2 instance.
    InstanceIdx
);
index_type!(
    /// An elastic network interface.
    EniIdx
);
index_type!(
    /// A traffic mirror target.
    TargetIdx
);
index_type!(
    /// A traffic mirror filter.
    FilterIdx
);
index_type!(
    /// A traffic mirror session.
    SessionIdx
);
index_type!(
    /// An AWS account.
    AccountIdx
);
index_type!(
    /// A VPC route table.
    RouteTableIdx
);
index_type!(
    /// A VPC peering connection.
    PeeringIdx
);
index_type!(
    /// A transit gateway.
    TgwIdx
);
index_type!(
    /// A network ACL.
    AclIdx
);
index_type!(
    /// A security group.
    SgIdx
);
index_type!(
    /// A Network Load Balancer.
    NlbIdx
);
index_type!(
    /// A Gateway Load Balancer.
    GwlbIdx
);
index_type!(
    /// A Gateway Load Balancer endpoint.
    VpceIdx
);

/// A load balancer's name for people: an ELB ARN
/// (`arn:...:loadbalancer/net/ids/50dc...`) by its name (`ids`), any other
/// id as it is. Tables, verdicts and sweep columns use it.
pub fn short_name(id: &str) -> String {
    match id.split_once(":loadbalancer/") {
        Some((_, rest)) if id.starts_with("arn:") => {
            let parts: Vec<&str> = rest.split('/').collect();
            match parts.as_slice() {
                [_kind, name, _id] => (*name).to_string(),
                _ => rest.to_string(),
            }
        }
        _ => id.to_string(),
    }
}
