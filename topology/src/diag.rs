//! Diagnostics: what is wrong with a configuration, in the AWS API's terms.

/// The error code the EC2 API would answer, or the project's own code where
/// AWS accepts the configuration and fails silently.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ErrorCode {
    InvalidParameterValue,
    InvalidParameterCombination,
    MissingParameter,
    InvalidTrafficMirrorTargetIdNotFound,
    InvalidTrafficMirrorFilterIdNotFound,
    InvalidTrafficMirrorSessionIdNotFound,
    InvalidNetworkInterfaceIdNotFound,
    InvalidVpcIdNotFound,
    InvalidSubnetIdNotFound,
    InvalidGroupNotFound,
    InvalidRouteTableIdNotFound,
    InvalidNetworkAclIdNotFound,
    InvalidInstanceIdNotFound,
    InvalidVpcPeeringConnectionIdNotFound,
    InvalidTransitGatewayAttachmentIdNotFound,
    InvalidTransitGatewayIdNotFound,
    InvalidVpcEndpointIdNotFound,
    LoadBalancerNotFound,
    InvalidTarget,
    InvalidSubnetConflict,
    InvalidSubnetRange,
    TrafficMirrorFilterRuleAlreadyExists,
    TrafficMirrorFilterRuleLimitExceeded,
    TrafficMirrorSessionsPerInterfaceLimitExceeded,
    TrafficMirrorSourcesPerTargetLimitExceeded,
    TrafficMirrorSessionLimitExceeded,
    TrafficMirrorTargetLimitExceeded,
    TrafficMirrorFilterLimitExceeded,
    TrafficMirrorFilterInUse,
    TrafficMirrorTargetInUseException,
    NetworkInterfaceNotSupported,
    UnauthorizedOperation,
    /// Not an AWS code: a session's copies can never reach its target
    /// (AWS accepts the session and drops them silently).
    UnreachableTarget,
    /// ELB's `Target.NotInUse`: a target in a zone the load balancer has no
    /// node in receives nothing.
    TargetNotInUse,
    /// Not an AWS code: the source's MTU lets full-size packets through
    /// that arrive truncated at the target (MTU-04).
    MtuMismatch,
    /// Not an AWS code: two resources share one id in the scenario file.
    DuplicateId,
    /// Not an AWS code: a reference to a VPC, subnet or instance that the
    /// scenario does not declare.
    UnknownResource,
    /// Not an AWS code: the traffic description is inconsistent.
    InvalidTraffic,
    /// Not an AWS code: an appliance declared with no security group is in
    /// its VPC's default group (SEC-01).
    DefaultSecurityGroup,
    /// Not an AWS code: records of a VPC flow log that give no traffic
    /// (unreadable lines, NODATA, SKIPDATA, ENIs the scenario lacks).
    FlowLogRecordsUnused,
    /// Not an AWS code: a verdict depends on burst credits a longer run
    /// would exhaust (BW-05), or a flow asks more than the per-flow limit
    /// (BW-03).
    BandwidthLimit,
}

impl ErrorCode {
    /// The code as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidParameterValue => "InvalidParameterValue",
            ErrorCode::InvalidParameterCombination => "InvalidParameterCombination",
            ErrorCode::MissingParameter => "MissingParameter",
            ErrorCode::InvalidTrafficMirrorTargetIdNotFound => {
                "InvalidTrafficMirrorTargetId.NotFound"
            }
            ErrorCode::InvalidTrafficMirrorFilterIdNotFound => {
                "InvalidTrafficMirrorFilterId.NotFound"
            }
            ErrorCode::InvalidTrafficMirrorSessionIdNotFound => {
                "InvalidTrafficMirrorSessionId.NotFound"
            }
            ErrorCode::InvalidNetworkInterfaceIdNotFound => "InvalidNetworkInterfaceID.NotFound",
            ErrorCode::InvalidVpcIdNotFound => "InvalidVpcID.NotFound",
            ErrorCode::InvalidSubnetIdNotFound => "InvalidSubnetID.NotFound",
            ErrorCode::InvalidGroupNotFound => "InvalidGroup.NotFound",
            ErrorCode::InvalidRouteTableIdNotFound => "InvalidRouteTableID.NotFound",
            ErrorCode::InvalidNetworkAclIdNotFound => "InvalidNetworkAclID.NotFound",
            ErrorCode::InvalidInstanceIdNotFound => "InvalidInstanceID.NotFound",
            ErrorCode::InvalidVpcPeeringConnectionIdNotFound => {
                "InvalidVpcPeeringConnectionID.NotFound"
            }
            ErrorCode::InvalidTransitGatewayAttachmentIdNotFound => {
                "InvalidTransitGatewayAttachmentID.NotFound"
            }
            ErrorCode::InvalidTransitGatewayIdNotFound => "InvalidTransitGatewayID.NotFound",
            ErrorCode::InvalidVpcEndpointIdNotFound => "InvalidVpcEndpointId.NotFound",
            ErrorCode::LoadBalancerNotFound => "LoadBalancerNotFound",
            ErrorCode::InvalidTarget => "InvalidTarget",
            ErrorCode::InvalidSubnetConflict => "InvalidSubnet.Conflict",
            ErrorCode::InvalidSubnetRange => "InvalidSubnet.Range",
            ErrorCode::TrafficMirrorFilterRuleAlreadyExists => {
                "TrafficMirrorFilterRuleAlreadyExists"
            }
            ErrorCode::TrafficMirrorFilterRuleLimitExceeded => {
                "TrafficMirrorFilterRuleLimitExceeded"
            }
            ErrorCode::TrafficMirrorSessionsPerInterfaceLimitExceeded => {
                "TrafficMirrorSessionsPerInterfaceLimitExceeded"
            }
            ErrorCode::TrafficMirrorSourcesPerTargetLimitExceeded => {
                "TrafficMirrorSourcesPerTargetLimitExceeded"
            }
            ErrorCode::TrafficMirrorSessionLimitExceeded => "TrafficMirrorSessionLimitExceeded",
            ErrorCode::TrafficMirrorTargetLimitExceeded => "TrafficMirrorTargetLimitExceeded",
            ErrorCode::TrafficMirrorFilterLimitExceeded => "TrafficMirrorFilterLimitExceeded",
            ErrorCode::TrafficMirrorFilterInUse => "TrafficMirrorFilterInUse",
            ErrorCode::TrafficMirrorTargetInUseException => "TrafficMirrorTargetInUseException",
            ErrorCode::NetworkInterfaceNotSupported => "NetworkInterfaceNotSupported",
            ErrorCode::UnauthorizedOperation => "UnauthorizedOperation",
            ErrorCode::UnreachableTarget => "UnreachableTarget",
            ErrorCode::TargetNotInUse => "Target.NotInUse",
            ErrorCode::MtuMismatch => "MtuMismatch",
            ErrorCode::DuplicateId => "DuplicateId",
            ErrorCode::UnknownResource => "UnknownResource",
            ErrorCode::InvalidTraffic => "InvalidTraffic",
            ErrorCode::DefaultSecurityGroup => "DefaultSecurityGroup",
            ErrorCode::BandwidthLimit => "BandwidthLimit",
            ErrorCode::FlowLogRecordsUnused => "FlowLogRecordsUnused",
        }
    }
}

impl ErrorCode {
    /// A line on how to fix a problem of this kind, for diagnostics that
    /// bring none of their own.
    pub fn default_help(self) -> &'static str {
        match self {
            ErrorCode::InvalidParameterValue => {
                "correct the value; docs/scenario-format.md gives each field's range"
            }
            ErrorCode::InvalidParameterCombination => {
                "these fields cannot be used together as written; change one of them"
            }
            ErrorCode::MissingParameter => "add the missing field",
            ErrorCode::InvalidTrafficMirrorTargetIdNotFound
            | ErrorCode::InvalidTrafficMirrorFilterIdNotFound
            | ErrorCode::InvalidTrafficMirrorSessionIdNotFound
            | ErrorCode::InvalidNetworkInterfaceIdNotFound
            | ErrorCode::InvalidVpcIdNotFound
            | ErrorCode::InvalidSubnetIdNotFound
            | ErrorCode::InvalidGroupNotFound
            | ErrorCode::InvalidRouteTableIdNotFound
            | ErrorCode::InvalidNetworkAclIdNotFound
            | ErrorCode::InvalidInstanceIdNotFound
            | ErrorCode::InvalidVpcPeeringConnectionIdNotFound
            | ErrorCode::InvalidTransitGatewayAttachmentIdNotFound
            | ErrorCode::InvalidTransitGatewayIdNotFound
            | ErrorCode::InvalidVpcEndpointIdNotFound
            | ErrorCode::LoadBalancerNotFound
            | ErrorCode::UnknownResource => "declare it, or correct the id",
            ErrorCode::InvalidTarget => {
                "register the instance or ENI with the load balancer's target group"
            }
            ErrorCode::InvalidSubnetConflict => {
                "give each subnet of a VPC its own part of the VPC's CIDR block"
            }
            ErrorCode::InvalidSubnetRange => {
                "use a prefix length between /16 and /28 (/44 to /64 for IPv6)"
            }
            ErrorCode::TrafficMirrorFilterRuleAlreadyExists => {
                "give the rule a number not yet used in this direction"
            }
            ErrorCode::TrafficMirrorFilterRuleLimitExceeded
            | ErrorCode::TrafficMirrorSessionsPerInterfaceLimitExceeded
            | ErrorCode::TrafficMirrorSourcesPerTargetLimitExceeded
            | ErrorCode::TrafficMirrorSessionLimitExceeded
            | ErrorCode::TrafficMirrorTargetLimitExceeded
            | ErrorCode::TrafficMirrorFilterLimitExceeded => {
                "the quota is not adjustable: spread the resources differently"
            }
            ErrorCode::TrafficMirrorFilterInUse | ErrorCode::TrafficMirrorTargetInUseException => {
                "delete the sessions that use it first"
            }
            ErrorCode::NetworkInterfaceNotSupported => {
                "mirror an ENI of type interface on a supported instance type instead"
            }
            ErrorCode::UnauthorizedOperation => {
                "have the owning account do it, or share the resource with AWS RAM"
            }
            ErrorCode::UnreachableTarget => "`sim check` shows the path hop by hop",
            ErrorCode::TargetNotInUse => {
                "enable the zone: add a subnet of it to the load balancer's subnets"
            }
            ErrorCode::MtuMismatch => "lower the source's MTU by 54 bytes, or raise the target's",
            ErrorCode::DuplicateId => "give each resource its own id",
            ErrorCode::InvalidTraffic => "docs/scenario-format.md describes the traffic fields",
            ErrorCode::DefaultSecurityGroup => {
                "declare the appliance's security groups, with a rule for udp 4789 from the mirror sources"
            }
            ErrorCode::BandwidthLimit => {
                "run longer, or size the instances for their baseline rather than their burst"
            }
            ErrorCode::FlowLogRecordsUnused => {
                "declare the ENIs the records name, or filter the flow log to the scenario's"
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The scenario cannot run.
    Error,
    /// Valid in AWS, but probably not what the user meant.
    Warning,
}

/// One problem with a configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: ErrorCode,
    /// The id of the element that holds the fault (a resource or a flow).
    pub resource: String,
    /// The field, in the scenario file's spelling, where the fault is.
    pub field: &'static str,
    pub message: String,
    /// One line on how to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(
        code: ErrorCode,
        resource: impl Into<String>,
        field: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            resource: resource.into(),
            field,
            message: message.into(),
            help: None,
        }
    }

    pub fn warning(
        code: ErrorCode,
        resource: impl Into<String>,
        field: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, resource, field, message)
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}
