//! What happens: the deterministic discrete-event engine, the traffic
//! sources, the mirroring pipeline and the scenario file.
//!
//! Module map (start with [`scenario::load`] and [`run`]). Layers, each
//! importing only its own layer or earlier ones:
//!
//! 1. Values: [`units`] (durations, rates, sizes as people write them),
//!    `time` ([`Instant`], and the order of events at one instant),
//!    [`outcome`] (the one outcome and reason code of every packet),
//!    [`settings`] (assumptions with documented defaults), `rng` (every
//!    random stream the seed feeds, listed in one enum).
//! 2. The resolved scenario, what a run needs: `resolved` ([`Scenario`]),
//!    `traffic` (flows, packet sizes, arrivals, replayed captures),
//!    `timeline` (changes at given times), `health` (when load balancers'
//!    health checks notice an appliance's state, as timeline events:
//!    LB-01), [`expect`].
//! 3. The world that changes over time: `world` ([`World`]: the one owner
//!    of the configuration as the timeline changes it; `World::apply` is
//!    the one function that changes it, for the loader and the engine).
//! 4. The loader: [`scenario`] (RON schema, the API's rules, error
//!    positions). It builds a [`Scenario`] and applies its timeline to a
//!    world to refuse what AWS would; it imports nothing of the run.
//! 5. Decisions of the run: [`copy_plan`] (how a session's copies are cut,
//!    framed and carried, per target kind), `delivery` (one place for ENI,
//!    NLB and GWLB-endpoint targets: node, path, eligible appliances,
//!    choice), `lb` (flow-hash placement, endpoint capacity), `budget`
//!    (token buckets).
//! 6. The run: `pipeline` (the per-packet stages; every outcome recorded
//!    once), `feed` (the flows' packets in order, on this thread or
//!    another; `queue`, their event queue), `arrivals` (copies in flight
//!    and their arrival), `engine` (the event loop), `split` (a run on
//!    two or more threads: the generator, the pipeline's source side and
//!    its delivery side as three stages), [`sampling`] (sampled runs:
//!    which periods are simulated, the rest estimated), [`results`] (the counters), `capture`
//!    and [`wire`] (packet bytes, for captures only).
//! 7. [`explain`]: one packet's fate, told from the evidence the decisions
//!    report (`topology::evidence`), never decided again.
//! 8. [`generate`]: scenarios of any size, of the bench's shape (`sim
//!    generate`), for measuring at fleet scale.
//! 9. [`work`]: how much a run will do (packets, metric periods, pcap
//!    bytes), estimated before it starts, and the limits past which it is
//!    refused.
//!
//! # Determinism
//!
//! - Time is integer nanoseconds ([`Instant`]). At one instant, timeline
//!   changes apply first (for every instant, 0 included); packets and
//!   copies then run in the order they were scheduled (a sequence number
//!   breaks ties), as in ns-3 and OMNeT++.
//! - Every random draw comes from a ChaCha stream derived from the scenario
//!   seed and the drawing component (`rng::Stream`: a flow, the VNI
//!   allocator, a session's jitter), so adding a flow does not change the
//!   draws of the others.
//! - Nothing iterates a hashed collection where the order reaches a result,
//!   and nothing reads the wall clock. The same scenario and seed give the
//!   same results, bit for bit. (Poisson gaps use `f64::ln`, which is the
//!   same on one platform and build; across platforms the last bit of a
//!   logarithm may differ.)

pub(crate) mod arrivals;
pub(crate) mod budget;
pub(crate) mod capture;
pub mod copy_plan;
pub(crate) mod delivery;
pub(crate) mod engine;
pub mod expect;
pub mod explain;
pub(crate) mod feed;
pub mod generate;
pub(crate) mod health;
pub(crate) mod lb;
pub mod outcome;
pub(crate) mod pipeline;
pub(crate) mod prefetch;
pub mod prices;
pub(crate) mod queue;
pub(crate) mod resolved;
pub mod results;
pub(crate) mod rng;
pub mod sampling;
pub mod scenario;
pub mod settings;
pub(crate) mod split;
pub(crate) mod time;
pub(crate) mod timeline;
pub(crate) mod traffic;
pub mod units;
pub mod wire;
pub mod work;
pub(crate) mod world;

pub use capture::CaptureSink;
pub use engine::{Simulation, run, run_threaded, run_with_capture};
pub use outcome::Outcome;
pub use results::RunResults;
pub use scenario::{Loaded, Overrides, Scenario, ScenarioError, load, load_with};
pub use time::Instant;
pub use traffic::capture_file::MAX_CAPTURE_BYTES;
pub use traffic::replay::CaptureFile;
pub use world::{Epoch, World};
