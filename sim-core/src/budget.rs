//! Token buckets: the bandwidth and packet budgets of instances, the
//! per-flow limit, and load balancer capacity.
//!
//! Buckets are updated lazily, at the times packets pass, never by timer
//! events. Tokens are kept in nano-units (a unit is a bit or a packet), so
//! refilling at `rate` units per second over `dt` nanoseconds adds exactly
//! `rate * dt` nano-units: no rounding, no drift.

/// Nano-units in one unit.
const NANO: u128 = 1_000_000_000;

/// How much a bucket holds, in time at its rate: enough for microbursts,
/// small enough that a budget is a budget. (AWS publishes no figure; this
/// is the project's assumption.)
pub const BURST_WINDOW_NS: u64 = 1_000_000;

/// A token bucket.
#[derive(Clone, Debug)]
pub struct Bucket {
    /// Units per second.
    rate: u64,
    /// Capacity, in nano-units.
    depth: u128,
    /// Current tokens, in nano-units.
    tokens: u128,
    /// Time of the last refill, in nanoseconds.
    last: u64,
}

impl Bucket {
    /// A full bucket of `rate` units per second holding `depth` units.
    pub fn new(rate: u64, depth: u64) -> Bucket {
        let depth = u128::from(depth.max(1)) * NANO;
        Bucket {
            rate,
            depth,
            tokens: depth,
            last: 0,
        }
    }

    /// A full bucket holding [`BURST_WINDOW_NS`] of its rate, at least
    /// `min_depth` units (one large packet must always fit).
    pub fn with_window(rate: u64, min_depth: u64) -> Bucket {
        let depth = (u128::from(rate) * u128::from(BURST_WINDOW_NS) / NANO) as u64;
        Bucket::new(rate, depth.max(min_depth))
    }

    #[inline]
    fn refill(&mut self, now: u64) {
        if now > self.last {
            let add = u128::from(self.rate) * u128::from(now - self.last);
            self.tokens = (self.tokens + add).min(self.depth);
            self.last = now;
        }
    }

    /// Sampled runs: time stands still for `span` after `at` (refilled to
    /// `at`, the bucket meets `at + span` as it was).
    pub fn freeze(&mut self, at: u64, span: u64) {
        self.refill(at);
        self.last = self.last.saturating_add(span);
    }

    /// Whether `units` fit with `reserve_units` left over, at `now`.
    #[inline]
    pub fn has(&mut self, now: u64, units: u64, reserve: u128) -> bool {
        self.refill(now);
        self.tokens >= u128::from(units) * NANO + reserve
    }

    /// Takes `units`; call after [`Bucket::has`] said they fit.
    #[inline]
    pub fn take(&mut self, units: u64) {
        self.tokens = self.tokens.saturating_sub(u128::from(units) * NANO);
    }

    /// Half the bucket, in nano-units: what copies must leave for
    /// production traffic (BW-02).
    pub fn half(&self) -> u128 {
        self.depth / 2
    }

    pub fn rate(&self) -> u64 {
        self.rate
    }

    /// The units held at `now` (refilled to then), and the capacity.
    pub fn level(&mut self, now: u64) -> (u64, u64) {
        self.refill(now);
        ((self.tokens / NANO) as u64, (self.depth / NANO) as u64)
    }
}

/// Why a copy did not fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shortfall {
    Bandwidth,
    Pps,
}

/// One direction's budget of an instance: a peak-rate bucket, a credit
/// bucket at the baseline for "up to" types, and a packet bucket.
#[derive(Clone, Debug)]
pub struct DirectionBudget {
    peak: Bucket,
    /// Present for burstable ("up to") types: refills at the baseline and
    /// holds `(burst - baseline) x burst duration`, full at the start.
    credits: Option<Bucket>,
    pps: Bucket,
    fairness: Fairness,
    /// Sampled runs: the credits when the window began (nano-units).
    credits_at_mark: u128,
}

/// BW-06: copies of inbound and of outbound packets compete for the egress
/// budget on equal terms. Which copy meets a nearly empty bucket depends on
/// the order of events (a request and its response, a flow's phase), not
/// on AWS; left alone, a constant pattern gives every skip to one
/// direction. So while the budget is contested (the other direction had a
/// copy skipped within the last bucket window), a copy whose direction has
/// so far lost a smaller share than the other's gives way, and the tokens
/// go to the other direction's next copy: the shares meet.
#[derive(Clone, Debug, Default)]
struct Fairness {
    offered: [u64; 2],
    skipped: [u64; 2],
    /// The last copy of each direction that did not fit (a yield is not
    /// one), and why.
    last_skip: [Option<(u64, Shortfall)>; 2],
}

impl Fairness {
    /// Whether a copy of direction `d` that fits should give way at `now`.
    fn yields(&self, d: usize, now: u64) -> Option<Shortfall> {
        let o = 1 - d;
        let (at, kind) = self.last_skip[o]?;
        let contested = now.saturating_sub(at) <= BURST_WINDOW_NS;
        // skipped[d] / offered[d] < skipped[o] / offered[o], after this one.
        let mine = u128::from(self.skipped[d]) * u128::from(self.offered[o].max(1));
        let theirs = u128::from(self.skipped[o]) * u128::from(self.offered[d].max(1));
        (contested && mine < theirs).then_some(kind)
    }
}

impl DirectionBudget {
    /// `credits_percent` is how full the credit bucket starts (BW-05).
    pub fn new(
        baseline_bps: u64,
        burst_bps: u64,
        pps: u64,
        burst_ns: u64,
        credits_percent: u8,
    ) -> DirectionBudget {
        let credits = (burst_bps > baseline_bps).then(|| {
            let depth = (u128::from(burst_bps - baseline_bps) * u128::from(burst_ns) / NANO) as u64;
            let mut b = Bucket::new(baseline_bps, depth.max(9001 * 8));
            b.tokens = b.depth * u128::from(credits_percent.min(100)) / 100;
            b
        });
        DirectionBudget {
            peak: Bucket::with_window(burst_bps, 9001 * 8),
            credits,
            pps: Bucket::with_window(pps, 64),
            fairness: Fairness::default(),
            credits_at_mark: 0,
        }
    }

    /// BW-02: production traffic takes what it needs while there is any;
    /// an error means even production does not fit (it is dropped), and
    /// which budget it exceeded.
    #[inline]
    pub fn production(&mut self, now: u64, bytes: u64) -> Result<(), Shortfall> {
        self.take_whole(now, bytes)
    }

    /// Takes a packet from the whole of each bucket (nothing held back),
    /// or says which ran short.
    #[inline]
    fn take_whole(&mut self, now: u64, bytes: u64) -> Result<(), Shortfall> {
        let bits = bytes * 8;
        if !self.peak.has(now, bits, 0)
            || self.credits.as_mut().is_some_and(|c| !c.has(now, bits, 0))
        {
            return Err(Shortfall::Bandwidth);
        }
        if !self.pps.has(now, 1, 0) {
            return Err(Shortfall::Pps);
        }
        self.peak.take(bits);
        if let Some(c) = &mut self.credits {
            c.take(bits);
        }
        self.pps.take(1);
        Ok(())
    }

    /// BW-01, BW-02, BW-04: a copy goes only if it leaves half of each
    /// bucket for production traffic; otherwise it is skipped, and the
    /// shortfall says which budget ran out.
    ///
    /// `own_bytes` is the packet's own size when it was just charged to this
    /// same budget (the copy of an outbound packet), else 0: the copy is
    /// judged against the budget as it stood before its packet, as a copy
    /// of an inbound packet is. Otherwise copies of outbound packets would
    /// always meet the budget right after their own packet took from it,
    /// and lose more than copies of inbound ones (BW-01: both alike).
    ///
    /// `dir` is the direction of the packet copied (0 inbound, 1 outbound),
    /// for BW-06's fairness.
    #[inline]
    pub fn copy(
        &mut self,
        now: u64,
        bytes: u64,
        own_bytes: u64,
        dir: usize,
    ) -> Result<(), Shortfall> {
        self.fairness.offered[dir] += 1;
        let fits = self.fits(now, bytes, own_bytes);
        if let Err(kind) = fits {
            // A real shortfall: the budget is contested from now.
            self.fairness.last_skip[dir] = Some((now, kind));
        }
        let outcome = match fits {
            Ok(()) => match self.fairness.yields(dir, now) {
                Some(kind) => Err(kind),
                None => Ok(()),
            },
            Err(kind) => Err(kind),
        };
        match outcome {
            Ok(()) => {
                let bits = bytes * 8;
                self.peak.take(bits);
                if let Some(c) = &mut self.credits {
                    c.take(bits);
                }
                self.pps.take(1);
            }
            Err(_) => self.fairness.skipped[dir] += 1,
        }
        outcome
    }

    /// Whether a copy fits what production must be left (see [`Self::copy`]).
    #[inline]
    fn fits(&mut self, now: u64, bytes: u64, own_bytes: u64) -> Result<(), Shortfall> {
        let bits = bytes * 8;
        let own = u128::from(own_bytes * 8) * NANO;
        let half = self.peak.half().saturating_sub(own);
        if !self.peak.has(now, bits, half) {
            return Err(Shortfall::Bandwidth);
        }
        if let Some(c) = &mut self.credits
            && !c.has(now, bits, half)
        {
            return Err(Shortfall::Bandwidth);
        }
        let own_packet = if own_bytes > 0 { NANO } else { 0 };
        let half = self.pps.half().saturating_sub(own_packet);
        if !self.pps.has(now, 1, half) {
            return Err(Shortfall::Pps);
        }
        Ok(())
    }

    /// Sampled runs: a window begins at `at`; its credits are noted.
    pub fn mark(&mut self, at: u64) {
        if let Some(c) = &mut self.credits {
            c.refill(at);
            self.credits_at_mark = c.tokens;
        }
    }

    /// Sampled runs: whole windows like the one that began at the last
    /// [`Self::mark`] and ends at `at` until the credits run out (BW-05),
    /// when they are running down.
    pub fn windows_left(&mut self, at: u64) -> Option<u64> {
        let c = self.credits.as_mut()?;
        c.refill(at);
        let loss = self
            .credits_at_mark
            .checked_sub(c.tokens)
            .filter(|&l| l > 0)?;
        // Below half the peak bucket, copies are refused already (BW-02):
        // the credits are out, and this window showed it.
        let out = self.peak.half();
        let left = c.tokens.checked_sub(out).filter(|&l| l > 0)?;
        // To the nearest window: the run-out is then at most half a
        // window from where it is counted.
        Some(((left + loss / 2) / loss).min(u128::from(u64::MAX)) as u64)
    }

    /// Sampled runs: whether the burst credits ran out during the window
    /// that began at the last [`Self::mark`] and ends at `at` (BW-05): it
    /// began above the level where copies are refused and ends there.
    /// Such a window shows two budgets; the windows after it, one.
    pub fn ran_out(&mut self, at: u64) -> bool {
        let hold = self.peak.half();
        let Some(c) = self.credits.as_mut() else {
            return false;
        };
        c.refill(at);
        let near = hold + hold / 8;
        self.credits_at_mark > near && c.tokens <= near
    }

    /// Sampled runs: the window that began at the last [`Self::mark`] ends
    /// at `at`, and the `span` after it is skipped. The buckets meet the
    /// next window as this one left them; BW-05's credits change over the
    /// span by the window's net change, `extra` times over (the span is
    /// that many windows), bounded by full and by the level where copies
    /// are refused.
    pub fn skip(&mut self, at: u64, span: u64, extra: u64) {
        self.peak.freeze(at, span);
        self.pps.freeze(at, span);
        // Copies are refused below half the peak bucket (BW-02): credits
        // that reach it stay near it (copies spend what rises above), so
        // the carried change stops there, coming from either side.
        let hold = self.peak.half();
        if let Some(c) = &mut self.credits {
            c.freeze(at, span);
            let now = c.tokens;
            c.tokens = if now >= self.credits_at_mark {
                let gain = (now - self.credits_at_mark).saturating_mul(u128::from(extra));
                let ceiling = if now < hold { hold } else { c.depth };
                now.saturating_add(gain).min(ceiling.max(now))
            } else {
                let loss = (self.credits_at_mark - now).saturating_mul(u128::from(extra));
                now.saturating_sub(loss).max(hold.min(now))
            };
        }
        for s in self.fairness.last_skip.iter_mut().flatten() {
            if s.0 <= at {
                s.0 += span;
            }
        }
    }

    /// BW-05: the burst credits held at `now` and their capacity, in bits,
    /// for "up to" instances.
    pub fn credits(&mut self, now: u64) -> Option<(u64, u64)> {
        self.credits.as_mut().map(|c| c.level(now))
    }

    /// Whether a receiver can take a copy (appliance budgets: no
    /// production to protect, so the whole bucket counts).
    #[inline]
    pub fn receive(&mut self, now: u64, bytes: u64) -> Result<(), Shortfall> {
        self.take_whole(now, bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_refills_exactly_at_its_rate() {
        // 8,000 bits/s, 1,000 bits deep: after draining, 125 ms gives 1,000.
        let mut b = Bucket::new(8_000, 1_000);
        assert!(b.has(0, 1_000, 0));
        b.take(1_000);
        assert!(!b.has(124_999_999, 1_000, 0));
        assert!(b.has(125_000_000, 1_000, 0));
    }

    #[test]
    fn copies_leave_half_the_bucket_to_production() {
        // 1,000 bits deep: a 500-bit copy needs 500 + 500 of headroom.
        let mut d = DirectionBudget::new(1_000_000_000, 1_000_000_000, 1_000_000, 0, 100);
        // Depth is 1 ms of 1 Gbps = 1,000,000 bits, half 500,000.
        for _ in 0..62 {
            assert!(d.copy(0, 1_000, 0, 0).is_ok()); // 8,000 bits each
        }
        // 62 x 8,000 = 496,000 taken; one more leaves 496,000 < 500,000.
        assert_eq!(d.copy(0, 1_000, 0, 0), Err(Shortfall::Bandwidth));
        // Production may still use the rest.
        assert!(d.production(0, 60_000).is_ok());
    }
}
