//! The pcap and pcapng readers: any bytes as the capture `replay-web.ron`
//! replays. Read, classified at the ENI, and replayed for 20 ms, so the
//! frames' bytes reach the mirrored copies.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sim_core::Overrides;
use sim_core::units::Duration;

const SCENARIO: &str = include_str!("../../scenarios/replay-web.ron");

fuzz_target!(|data: &[u8]| {
    let short = Overrides {
        duration: Some(Duration(20_000_000)),
        ..Default::default()
    };
    let bytes = data.to_vec();
    let read = move |_: &str| Ok(sim_core::CaptureFile::from(bytes.clone()));
    if let Ok(loaded) = sim_core::load_with("replay.ron", SCENARIO, &short, &read) {
        let _ = sim_core::run(&loaded.scenario);
    }
});
