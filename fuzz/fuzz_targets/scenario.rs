//! The scenario loader and checker: any bytes as a scenario file. Loads it
//! as `sim check` does, renders its problems with the binary's renderer,
//! and for a scenario that loads, estimates its work and draws its paths.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sim_core::Overrides;
use sim_core::units::Duration;

// The `sim` binary's renderer, which has no library of its own.
#[path = "../../src/diagnostics.rs"]
#[allow(dead_code)]
mod diagnostics;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let short = Overrides {
        duration: Some(Duration(1_000_000)),
        ..Default::default()
    };
    match sim_core::load("fuzz.ron", text, &short) {
        Ok(loaded) => {
            let _ = diagnostics::render("fuzz.ron", text, &loaded.warnings);
            let _ = sim_core::work::estimate(&loaded.scenario);
            let _ = reports::check::paths("fuzz.ron", &loaded.scenario, loaded.warnings.len());
        }
        Err(e) => {
            assert!(!e.problems.is_empty(), "an error with no problem");
            let _ = diagnostics::render(&e.file, &e.text, &e.problems);
        }
    }
});
