//! Simulated time, stated once.
//!
//! An [`Instant`] is an integer count of nanoseconds since the run began;
//! nothing in a run reads the wall clock. Ordering, also stated once:
//! everything due at one instant happens in this order (the engine's loop
//! is built so):
//!
//! 1. timeline changes due at the instant, in file order;
//! 2. then packets and copies due at it, in the order they were scheduled
//!    (a sequence number breaks ties, as in ns-3 and OMNeT++).
//!
//! So a change at `t` applies to the packets at `t`, for every `t`
//! including 0, and `sim explain --at t` sees the same configuration.

use std::fmt;

use crate::units::Duration;

/// A point in simulated time: nanoseconds since the run began.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(pub u64);

impl Instant {
    pub const ZERO: Instant = Instant(0);

    pub fn from_nanos(ns: u64) -> Instant {
        Instant(ns)
    }

    pub fn as_nanos(self) -> u64 {
        self.0
    }

    /// The time since the run began, as a duration.
    pub fn since_start(self) -> Duration {
        Duration(self.0)
    }
}

impl fmt::Display for Instant {
    /// As people write it: `0s`, `4s`, `1.5ms`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            f.write_str("0s")
        } else {
            Duration(self.0).fmt(f)
        }
    }
}
