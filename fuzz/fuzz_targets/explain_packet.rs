//! The `--packet` parser of `sim explain`: any text as the packet, and a
//! packet that parses explained in the guide's first example (1 ms).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sim_core::units::Duration;
use sim_core::{Overrides, Scenario};

const SCENARIO: &str = include_str!("../../scenarios/tcp-single-appliance.ron");

fn scenario() -> &'static Scenario {
    static S: OnceLock<Scenario> = OnceLock::new();
    S.get_or_init(|| {
        let short = Overrides {
            duration: Some(Duration(1_000_000)),
            ..Default::default()
        };
        sim_core::load("single.ron", SCENARIO, &short)
            .expect("the example loads")
            .scenario
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(q) = sim_core::explain::parse_packet(text) {
        let _ = sim_core::explain::explain(scenario(), &q, Duration(0));
    }
});
