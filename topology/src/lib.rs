//! What exists: the resources of a scenario and the decisions that depend on
//! configuration alone.
//!
//! Module map (start with [`model`]):
//! - [`model`]: the resolved resources (VPCs, subnets, instances, ENIs,
//!   traffic mirror targets, filters and sessions), held in vectors and
//!   addressed by the typed indexes of [`ids`].
//! - [`packet`]: the header summary of a packet ([`FlowKey`]) and the
//!   traffic direction seen at an ENI.
//! - [`network`]: route tables, peering, transit gateways, network ACLs and
//!   security groups, each with the decision it makes about a packet.
//! - [`reach`]: the path a mirrored copy takes from its source to its
//!   target, or the hop where it stops (CON-*, TGT-04), and whether the
//!   source's own security group and ACL admit a packet (SRC-05).
//! - [`graph`]: VPCs joined by peering and transit gateways, as a petgraph
//!   graph, to explain a missing route (CON-03).
//! - [`instance_types`]: which instance types may be sources, and how many
//!   sources a target takes (SRC-01, TGT-12).
//! - [`filter`]: traffic mirror filter rules and their verdicts (FLT-*).
//! - [`services`]: traffic AWS never mirrors (SRC-03) and the Amazon DNS
//!   network service (FLT-06).
//! - [`regions`]: AWS Regions and the zones that belong to them (SES-14).
//! - [`decision`]: which session, if any, mirrors a packet at a source ENI
//!   (SES-02).
//! - [`diag`]: diagnostics with AWS error codes, for validation.
//!
//! **Architecture invariant:** nothing here knows about time, randomness or
//! files. Every function is a pure function of the configuration, so the
//! engine can cache its answers per flow and a test can call it with one
//! packet.

pub mod decision;
pub(crate) mod diag;
pub mod evidence;
pub mod filter;
pub(crate) mod graph;
pub(crate) mod ids;
pub mod instance_types;
pub mod model;
pub mod network;
pub mod packet;
pub mod reach;
pub mod regions;
pub mod services;
pub mod world_graph;

pub use decision::{Decision, MirrorDecision};
pub use diag::{Diagnostic, ErrorCode, Severity};
pub use filter::{FilterRule, FilterVerdict, PortRange, RuleAction, TrafficMirrorFilter};
pub use ids::*;
pub use model::{
    Account, Eni, Instance, InterfaceType, MacAddr, Principal, ResourceShare, Subnet,
    TargetResource, Topology, TrafficMirrorSession, TrafficMirrorTarget, Vpc,
};
pub use packet::{Direction, FlowKey, L3};
