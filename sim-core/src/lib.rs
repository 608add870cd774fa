//! What happens: the deterministic discrete-event engine, the traffic
//! sources, the mirroring pipeline and the scenario file.
//!
//! Module map (start with [`scenario::load`] and [`engine::run`]):
//! - [`scenario`]: the RON scenario file, its checks and error positions.
//! - [`units`]: durations, rates and sizes as people write them.
//! - [`traffic`]: flows, packet sizes and arrival processes.
//! - [`timeline`]: changes at given times (API calls during the run).
//! - [`engine`]: the event queue and the run loop.
//! - [`lb`]: load balancer targets: placement, health, zones, capacity.
//! - [`budget`]: token buckets for instance budgets, per-flow limits and
//!   load balancer capacity.
//! - [`pipeline`]: sessions, filters and copies, packet by packet;
//!   [`copy_plan`]: how a session's copies are cut and carried.
//! - [`outcome`]: the one outcome and reason code of every packet.
//! - [`results`]: the counters a run produces.
//! - [`rng`]: per-component random streams.
//! - [`wire`]: packet bytes, for captures only; [`capture`]: the frames of
//!   delivered copies, handed to a sink.
//! - [`expect`]: what a scenario says its run must show.
//! - [`explain`]: one packet's fate, step by step (`sim explain`).
//! - [`settings`]: latencies, metrics period, prices: assumptions with
//!   documented defaults.
//!
//! # Determinism
//!
//! - Time is integer nanoseconds. Events due at the same instant run in the
//!   order they were scheduled (a sequence number breaks ties), as in ns-3
//!   and OMNeT++.
//! - Every random draw comes from a ChaCha stream derived from the scenario
//!   seed and the drawing component's name (a flow's name, `session-vni`),
//!   so adding a flow does not change the draws of the others.
//! - Nothing iterates a hashed collection where the order reaches a result,
//!   and nothing reads the wall clock. The same scenario and seed give the
//!   same results, bit for bit. (Poisson gaps use `f64::ln`, which is the
//!   same on one platform and build; across platforms the last bit of a
//!   logarithm may differ.)

pub mod budget;
pub mod capture;
pub mod copy_plan;
pub mod delivery;
pub mod engine;
pub mod expect;
pub mod explain;
pub mod lb;
pub mod outcome;
pub mod pipeline;
pub mod results;
pub mod rng;
pub mod scenario;
pub mod settings;
pub mod time;
pub mod timeline;
pub mod traffic;
pub mod units;
pub mod wire;
pub mod world;

pub use capture::CaptureSink;
pub use engine::{Simulation, run, run_with_capture};
pub use outcome::Outcome;
pub use results::RunResults;
pub use scenario::{Loaded, Overrides, Scenario, ScenarioError, load, load_with};
