//! What exists: the resources of a scenario and the decisions that depend on
//! configuration alone.
//!
//! Module map (start with [`model`]):
//! - [`model`]: the resolved resources (VPCs, subnets, instances, ENIs,
//!   traffic mirror targets, filters and sessions), held in vectors and
//!   addressed by the typed indexes of [`ids`].
//! - [`packet`]: the header summary of a packet ([`FlowKey`]) and the
//!   traffic direction seen at an ENI.
//! - [`filter`]: traffic mirror filter rules and their verdicts (FLT-*).
//! - [`services`]: traffic AWS never mirrors (SRC-03) and the Amazon DNS
//!   network service (FLT-06).
//! - [`decision`]: which session, if any, mirrors a packet at a source ENI
//!   (SES-02).
//! - [`diag`]: diagnostics with AWS error codes, for validation.
//!
//! **Architecture invariant:** nothing here knows about time, randomness or
//! files. Every function is a pure function of the configuration, so the
//! engine can cache its answers per flow and a test can call it with one
//! packet.

pub mod decision;
pub mod diag;
pub mod filter;
pub mod ids;
pub mod model;
pub mod packet;
pub mod services;

pub use decision::{Decision, MirrorDecision};
pub use diag::{Diagnostic, ErrorCode, Severity};
pub use filter::{FilterRule, FilterVerdict, PortRange, RuleAction, TrafficMirrorFilter};
pub use ids::{EniIdx, FilterIdx, InstanceIdx, SessionIdx, SubnetIdx, TargetIdx, VpcIdx};
pub use model::{
    Eni, Instance, MacAddr, Subnet, TargetResource, Topology, TrafficMirrorSession,
    TrafficMirrorTarget, Vpc,
};
pub use packet::{Direction, FlowKey, L3};
