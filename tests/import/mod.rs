//! `sim import aws` and `sim import terraform` against what they should
//! reproduce: a topology written as the AWS CLI's describe outputs (the
//! helper in `describe`), imported, and compared with the original:
//! accounts and organisations, VPCs, subnets, routing, transit gateways,
//! ENIs, security groups, load balancers and their attributes, endpoints,
//! RAM shares and the mirror configuration.
//!
//! - `round_trip`: every shipped scenario, and generated designs;
//! - `fixtures`: the snapshot fixtures (their runs equal the hand-written
//!   scenarios', their keys are botocore's), and the snapshot script;
//! - `terraform`: export -> plan -> import, plans over a base, `--expect`;
//! - `ram`: shares across organisations.

mod compare;
pub(crate) mod describe;
mod fixtures;
mod ram;
mod round_trip;
mod terraform;
