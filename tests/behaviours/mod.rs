//! One module per behaviour family of the catalogue; each test is named
//! after the behaviour ID it shows and asserts numbers worked out by hand.
//!
//! Counting convention used throughout: a constant-rate flow of R packets
//! per second over D seconds sends its packets at 0, 1/R, 2/R, ... and
//! stops before D, so it sends exactly R x D packets.

mod bw;
mod con;
mod edges;
mod flt;
mod lb;
mod met;
mod mtu;
mod pkt;
pub mod replay;
mod scn;
mod ses;
mod src;
mod tgt;
mod timeline;
mod validation;
pub mod wire;
