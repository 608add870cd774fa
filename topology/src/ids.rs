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
