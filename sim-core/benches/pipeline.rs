//! Throughput of the mirroring pipeline: offered packets per second of wall
//! time, on one core (or two, for the `_2_threads` benches).
//!
//! The scenarios are `sim_core::generate`'s (what `sim generate` writes):
//! source ENIs each with three sessions (session numbers 1, 2, 3) whose
//! filters hold ten rules each, and two-way connections (a mix of TCP, UDP
//! and ICMP, IMIX and fixed sizes, constant and Poisson arrivals), at 100,
//! 20,000 and 100,000 one-way flows. Run with `cargo bench -p sim-core`.

use divan::Bencher;
use divan::counter::ItemsCount;
use sim_core::generate::scenario_text;
use sim_core::{Overrides, Scenario};

/// The allocator `sim` runs with (`src/allocator.rs`), so that these
/// figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

fn load(text: &str) -> Scenario {
    sim_core::load("bench.ron", text, &Overrides::default())
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario
}

/// 100 sources x 100 two-way connections = 20,000 one-way flows at 50 pps
/// on average: 1,000,000 packets a simulated second, each offered at one
/// source; copies to three ENI targets.
#[divan::bench(sample_count = 10)]
fn offered_packets_10k_connections(bencher: Bencher) {
    let scenario = load(&scenario_text(100, 100, "2s", false));
    let packets = sim_core::run(&scenario).offered().packets;
    bencher
        .counter(ItemsCount::new(packets))
        .bench(|| sim_core::run(&scenario));
}

/// The same run on two threads (`sim run --threads 2`): the flows'
/// packets made on one, the pipeline on the other; the same results.
#[divan::bench(sample_count = 10)]
fn offered_packets_10k_connections_2_threads(bencher: Bencher) {
    let scenario = load(&scenario_text(100, 100, "2s", false));
    let packets = sim_core::run(&scenario).offered().packets;
    bencher
        .counter(ItemsCount::new(packets))
        .bench(|| sim_core::run_threaded(&scenario, 2, None, &mut |_, _| {}));
}

/// The NLB run on two threads.
#[divan::bench(sample_count = 10)]
fn offered_packets_10k_connections_nlb_2_threads(bencher: Bencher) {
    let scenario = load(&scenario_text(100, 100, "2s", true));
    let packets = sim_core::run(&scenario).offered().packets;
    bencher
        .counter(ItemsCount::new(packets))
        .bench(|| sim_core::run_threaded(&scenario, 2, None, &mut |_, _| {}));
}

/// The same traffic with every session's target a Network Load Balancer
/// over ten appliances in two zones: flow-hash placement, per-packet
/// jitter, appliance budgets.
#[divan::bench(sample_count = 10)]
fn offered_packets_10k_connections_nlb(bencher: Bencher) {
    let scenario = load(&scenario_text(100, 100, "2s", true));
    let packets = sim_core::run(&scenario).offered().packets;
    bencher
        .counter(ItemsCount::new(packets))
        .bench(|| sim_core::run(&scenario));
}

/// Pcap files for every appliance, written to nowhere: what building and
/// writing the bytes of every delivered copy costs (compare with
/// `offered_packets_10k_connections`).
#[divan::bench(sample_count = 10)]
fn offered_packets_10k_connections_pcap(bencher: Bencher) {
    use sim_core::wire::pcap::PcapOut;
    struct Sinks(std::collections::BTreeMap<String, PcapOut<std::io::Sink>>);
    impl sim_core::CaptureSink for Sinks {
        fn capture(&mut self, appliance: &str, at_ns: u64, frame: &[u8]) {
            if !self.0.contains_key(appliance) {
                let out = PcapOut::new(std::io::sink(), 0).expect("a sink takes a header");
                self.0.insert(appliance.to_string(), out);
            }
            if let Some(out) = self.0.get_mut(appliance) {
                let _ = out.record(at_ns, frame);
            }
        }
    }
    let scenario = load(&scenario_text(100, 100, "2s", false));
    let packets = sim_core::run(&scenario).offered().packets;
    bencher.counter(ItemsCount::new(packets)).bench(|| {
        let mut sinks = Sinks(Default::default());
        sim_core::run_with_capture(&scenario, &mut sinks)
    });
}

/// One source, 50 connections: 100 one-way flows (the small end).
#[divan::bench(sample_count = 20)]
fn offered_packets_100_flows(bencher: Bencher) {
    let scenario = load(&scenario_text(1, 50, "10s", false));
    let packets = sim_core::run(&scenario).offered().packets;
    bencher
        .counter(ItemsCount::new(packets))
        .bench(|| sim_core::run(&scenario));
}

/// 1,000 sources x 50 connections = 100,000 one-way flows (ten sets of
/// three ENI targets, a hundred sources each, TGT-12): the event queue and
/// the per-flow state at fleet scale.
#[divan::bench(sample_count = 3)]
fn offered_packets_100k_flows(bencher: Bencher) {
    let scenario = load(&scenario_text(1000, 50, "400ms", false));
    let packets = sim_core::run(&scenario).offered().packets;
    bencher
        .counter(ItemsCount::new(packets))
        .bench(|| sim_core::run(&scenario));
}

/// The 100,000 flows on two threads.
#[divan::bench(sample_count = 5)]
fn offered_packets_100k_flows_2_threads(bencher: Bencher) {
    let scenario = load(&scenario_text(1000, 50, "400ms", false));
    let packets = sim_core::run(&scenario).offered().packets;
    bencher
        .counter(ItemsCount::new(packets))
        .bench(|| sim_core::run_threaded(&scenario, 2, None, &mut |_, _| {}));
}

/// The same 100,000 flows through one Network Load Balancer.
#[divan::bench(sample_count = 3)]
fn offered_packets_100k_flows_nlb(bencher: Bencher) {
    let scenario = load(&scenario_text(1000, 50, "400ms", true));
    let packets = sim_core::run(&scenario).offered().packets;
    bencher
        .counter(ItemsCount::new(packets))
        .bench(|| sim_core::run(&scenario));
}

/// Loading and checking the same scenario (20,000 flows).
#[divan::bench(sample_count = 5)]
fn load_10k_connections(bencher: Bencher) {
    let text = scenario_text(100, 100, "2s", false);
    bencher.bench(|| load(&text));
}

/// Sampled against full, on one scenario: two sources of 10 Gbps in
/// 1,000-byte packets (2.5 M packets a simulated second), 4s in periods of
/// 1s. The counter is the packets the run accounts for (offered,
/// estimated or not), so the figure is simulated traffic per wall second.
fn fleet_10gbps(sampled: bool) -> Scenario {
    let text =
        sim_core::generate::scenario_text_at(2, 10, "4s", false, Some(10_000_000_000), Some(1000));
    let mut s = load(&text);
    s.settings.metrics_period_ns = 1_000_000_000;
    if sampled {
        s.settings.fidelity = sim_core::settings::Fidelity::Sampled {
            window_ns: 100_000_000,
        };
    }
    s
}

#[divan::bench(sample_count = 5)]
fn accounted_packets_10gbps_full(bencher: Bencher) {
    let scenario = fleet_10gbps(false);
    let packets = sim_core::run(&scenario).offered().packets;
    bencher
        .counter(ItemsCount::new(packets))
        .bench(|| sim_core::run(&scenario));
}

/// The same, sampled by windows of 100ms (a tenth of each period).
#[divan::bench(sample_count = 5)]
fn accounted_packets_10gbps_sampled(bencher: Bencher) {
    let scenario = fleet_10gbps(true);
    let packets = sim_core::run(&scenario).offered().packets;
    bencher
        .counter(ItemsCount::new(packets))
        .bench(|| sim_core::run(&scenario));
}
