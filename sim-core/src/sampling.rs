//! Sampled runs (`--fidelity sampled`): hours of a fleet in seconds, with
//! every count an estimate that says so.
//!
//! A metrics period is *steady* when nothing in it changes the rates or
//! the configuration: no timeline change after its first instant, no flow
//! starting or ending inside it, no replayed capture playing in it, and a
//! length that is a whole number `m` (two or more) of windows. In a steady
//! period only the first window is simulated packet by packet (the second
//! in the run's first period, whose first window warms the buckets up:
//! [`Schedule::lead`]); then time
//! stands still for the rest of the period (`P - W`) and resumes at the
//! next period's start:
//!
//! - the flows' next packets move on by the span skipped, so each keeps its
//!   phase (`feed`);
//! - token buckets and the BW-06 fairness clock move on with them: a budget
//!   meets the next window as the last one left it, in its steady state;
//! - the slowly changing state is carried across by its rates in the
//!   window: BW-05 burst credits change by the window's net change times
//!   `m - 1` (bounded by empty and full), and Gateway Load Balancer
//!   endpoints (TGT-11) scale at each scaling window's end by the demand
//!   the sampled window showed;
//! - every counter's growth in the window is counted `m` times, and so is
//!   the growth of the period's values in every series (what they held
//!   when the window opened, a warm-up or copies that were in flight,
//!   counts once). A whole-number `m` keeps every sum exact: outcomes
//!   still add up to what was offered (MET-02).
//!
//! Periods that are not steady run in full. The run's results say which
//! periods are estimates and the window used ([`Sampling`]), and every
//! report marks them.
//!
//! When it is unsafe (docs/performance.md): flows slower than a few
//! packets per window (their counts are a few samples times `m`); flows
//! shorter than a period (the periods they start or end in run in full,
//! which is safe but slow); bursts or on/off patterns longer than the
//! window, which a window sees in one phase only.

use crate::resolved::Scenario;
use crate::results::Series;
use crate::results::{
    ApplianceStats, Configuration, Count, InstanceLoad, OutcomeTable, Reordering, RunResults,
    SessionStats, SourceStats, TargetStats, series_period,
};
use crate::settings::Fidelity;

/// Which periods of a run are sampled, and how.
#[derive(Clone, Debug)]
pub struct Schedule {
    pub period_ns: u64,
    pub end_ns: u64,
    pub window_ns: u64,
    /// Per period (as the series count them): whether it is steady.
    pub steady: Vec<bool>,
}

/// A sampled run's account of itself, for the reports: what was
/// simulated and what estimated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sampling {
    pub window_ns: u64,
    pub period_ns: u64,
    /// The run's first period's warm-up before its window (0: none;
    /// [`Schedule::lead`]).
    pub warm_up_ns: u64,
    /// Per period: whether its counts are estimates (a window scaled up).
    pub estimated: Vec<bool>,
}

impl Sampling {
    pub fn estimated_periods(&self) -> usize {
        self.estimated.iter().filter(|&&e| e).count()
    }
}

impl Schedule {
    /// The schedule of a sampled scenario; `None` for a full run.
    pub fn of(scenario: &Scenario) -> Option<Schedule> {
        let Fidelity::Sampled { window_ns } = scenario.settings.fidelity else {
            return None;
        };
        let end = scenario.duration.as_nanos();
        let period = series_period(scenario.settings.metrics_period_ns, end);
        if window_ns == 0 || !period.is_multiple_of(window_ns) {
            return None;
        }
        let periods = end.div_ceil(period).max(1) as usize;
        // A period's length: the last may be cut short by the run's end.
        let length = |k: usize| end.min((k as u64 + 1) * period) - k as u64 * period;
        let mut steady: Vec<bool> = (0..periods)
            .map(|k| {
                let l = length(k);
                l.is_multiple_of(window_ns) && l / window_ns >= 2
            })
            .collect();
        // An instant strictly inside a period unsettles it.
        let mut unsettle = |at: u64| {
            if at < end && !at.is_multiple_of(period) {
                steady[(at / period) as usize] = false;
            }
        };
        for e in &scenario.timeline {
            unsettle(e.at.as_nanos());
        }
        let mut replaying = vec![0i64; periods + 1];
        for f in &scenario.flows {
            unsettle(f.start_ns);
            unsettle(f.end_ns);
            if f.replay.is_some() && f.start_ns < end {
                // A capture's rate is its own: its periods run in full.
                let from = (f.start_ns / period) as usize;
                let to = (f.end_ns.min(end).div_ceil(period) as usize).clamp(from + 1, periods);
                replaying[from] += 1;
                replaying[to] -= 1;
            }
        }
        let mut playing = 0;
        for (k, s) in steady.iter_mut().enumerate() {
            playing += replaying[k];
            if playing > 0 {
                *s = false;
            }
        }
        Some(Schedule {
            period_ns: period,
            end_ns: end,
            window_ns,
            steady,
        })
    }

    /// Time run packet by packet in steady period `k` before its window
    /// opens. The run's first window would meet every token bucket full
    /// (a burst window's depth more than it will ever have again), and
    /// scaled up that start would count many times: so when the run's
    /// first period is steady and holds three windows or more, its first
    /// window runs as itself (a warm-up) and the second is the sample.
    pub fn lead(&self, k: usize) -> u64 {
        let holds = self.end_ns.min(self.period_ns) / self.window_ns;
        if k == 0 && self.steady.first() == Some(&true) && holds >= 3 {
            self.window_ns
        } else {
            0
        }
    }

    /// When steady period `k`'s window opens.
    pub fn window_start(&self, k: usize) -> u64 {
        k as u64 * self.period_ns + self.lead(k)
    }

    /// The first steady period at or after `k`, with the end of its window.
    pub fn next_window(&self, k: usize) -> Option<(usize, u64)> {
        (k..self.steady.len())
            .find(|&j| self.steady[j])
            .map(|j| (j, self.window_start(j) + self.window_ns))
    }

    /// The time skipped in steady period `k`: the rest of it after the
    /// window.
    pub fn skipped(&self, k: usize) -> u64 {
        let from = k as u64 * self.period_ns;
        self.end_ns.min(from + self.period_ns) - from - self.lead(k) - self.window_ns
    }

    /// How many windows the time skipped in period `k` holds: what its
    /// window stands for besides itself.
    pub fn windows_skipped(&self, k: usize) -> u64 {
        self.skipped(k) / self.window_ns
    }

    /// Simulated time, packet by packet: the steady periods' windows and
    /// the other periods whole.
    pub fn simulated_ns(&self) -> u64 {
        (0..self.steady.len())
            .map(|k| {
                if self.steady[k] {
                    self.lead(k) + self.window_ns
                } else {
                    let from = k as u64 * self.period_ns;
                    self.end_ns.min(from + self.period_ns) - from
                }
            })
            .sum()
    }

    /// The account the results carry.
    pub fn account(&self) -> Sampling {
        Sampling {
            window_ns: self.window_ns,
            period_ns: self.period_ns,
            warm_up_ns: self.lead(0),
            estimated: self.steady.clone(),
        }
    }
}

/// The counters as they stood when a window began, with each series'
/// values in its period `bin` only (what was counted there before the
/// window: a warm-up, copies that were in flight; they are not scaled).
/// The series' bins are moved out while the rest is cloned, and back:
/// nothing per period.
pub fn totals(results: &mut RunResults, bin: usize) -> RunResults {
    let bins = Bins::take(results);
    let mut copy = results.clone();
    bins.put(results);
    fn row<const N: usize>(to: &mut Series<N>, from: &Series<N>, bin: usize) {
        to.bins = from.bins.get(bin).map(|r| vec![*r]).unwrap_or_default();
    }
    for (c, r) in copy.sources.iter_mut().zip(&results.sources) {
        row(&mut c.series, &r.series, bin);
    }
    for (c, r) in copy.sessions.iter_mut().zip(&results.sessions) {
        row(&mut c.series, &r.series, bin);
    }
    for (c, r) in copy.targets.iter_mut().zip(&results.targets) {
        row(&mut c.series, &r.series, bin);
    }
    for (c, r) in copy.appliances.iter_mut().zip(&results.appliances) {
        if let (Some(c), Some(r)) = (c, r) {
            row(&mut c.series, &r.series, bin);
        }
    }
    for (c, r) in copy.instance_load.iter_mut().zip(&results.instance_load) {
        if let (Some(c), Some(r)) = (c, r) {
            row(&mut c.series, &r.series, bin);
        }
    }
    for (c, r) in copy.cloudwatch.iter_mut().zip(&results.cloudwatch) {
        if let (Some(c), Some(r)) = (c, r) {
            row(c, r, bin);
        }
    }
    copy
}

/// Every series' bins of a run, moved out of it.
struct Bins {
    sources: Vec<Vec<[u64; 2]>>,
    sessions: Vec<Vec<[u64; 6]>>,
    targets: Vec<Vec<[u64; 6]>>,
    appliances: Vec<Vec<[u64; 5]>>,
    load: Vec<Vec<[u64; 4]>>,
    cloudwatch: Vec<Vec<[u64; 8]>>,
}

fn take_bins<'a, const N: usize>(
    series: impl Iterator<Item = &'a mut Series<N>>,
) -> Vec<Vec<[u64; N]>> {
    series.map(|s| std::mem::take(&mut s.bins)).collect()
}

fn put_bins<'a, const N: usize>(
    series: impl Iterator<Item = &'a mut Series<N>>,
    bins: Vec<Vec<[u64; N]>>,
) {
    for (s, b) in series.zip(bins) {
        s.bins = b;
    }
}

impl Bins {
    fn take(r: &mut RunResults) -> Bins {
        Bins {
            sources: take_bins(r.sources.iter_mut().map(|s| &mut s.series)),
            sessions: take_bins(r.sessions.iter_mut().map(|s| &mut s.series)),
            targets: take_bins(r.targets.iter_mut().map(|t| &mut t.series)),
            appliances: take_bins(r.appliances.iter_mut().flatten().map(|a| &mut a.series)),
            load: take_bins(r.instance_load.iter_mut().flatten().map(|l| &mut l.series)),
            cloudwatch: take_bins(r.cloudwatch.iter_mut().flatten()),
        }
    }

    fn put(self, r: &mut RunResults) {
        put_bins(r.sources.iter_mut().map(|s| &mut s.series), self.sources);
        put_bins(r.sessions.iter_mut().map(|s| &mut s.series), self.sessions);
        put_bins(r.targets.iter_mut().map(|t| &mut t.series), self.targets);
        put_bins(
            r.appliances.iter_mut().flatten().map(|a| &mut a.series),
            self.appliances,
        );
        put_bins(
            r.instance_load.iter_mut().flatten().map(|l| &mut l.series),
            self.load,
        );
        put_bins(r.cloudwatch.iter_mut().flatten(), self.cloudwatch);
    }
}

/// Counts the window's growth of every counter again for each window it
/// stands for: `own` more windows of its period `bin` (whose series
/// values grow by `own` times the window's growth), and `owed` windows of
/// an earlier period (added to that period's series values).
pub fn extrapolate(
    r: &mut RunResults,
    before: &RunResults,
    bin: usize,
    own: u64,
    owed: Option<(usize, u64)>,
) {
    let extra = own + owed.map_or(0, |o| o.1);
    r.generated.grow(&before.generated, extra);
    for (s, b) in r.sources.iter_mut().zip(&before.sources) {
        s.grow(b, extra);
    }
    for (s, b) in r.sessions.iter_mut().zip(&before.sessions) {
        s.grow(b, extra);
    }
    for (t, b) in r.targets.iter_mut().zip(&before.targets) {
        t.grow(b, extra);
    }
    for (a, b) in r.appliances.iter_mut().zip(&before.appliances) {
        if let Some(a) = a {
            a.grow(b.as_ref().unwrap_or(&ApplianceStats::default()), extra);
        }
    }
    for (l, b) in r.instance_load.iter_mut().zip(&before.instance_load) {
        if let (Some(l), Some(b)) = (l, b) {
            l.grow(b, extra);
        }
    }
    // Each series' period `bin`: its value before the window stays, the
    // window's growth stands for `own + 1` windows (and `owed` earlier).
    fn scale<const N: usize>(
        s: &mut Series<N>,
        before: Option<&Series<N>>,
        bin: usize,
        own: u64,
        owed: Option<(usize, u64)>,
    ) {
        let base = before.and_then(|b| b.bins.first().copied());
        let Some(now) = s.bins.get(bin).copied() else {
            return;
        };
        let base = base.unwrap_or([0; N]);
        let window: [u64; N] = std::array::from_fn(|i| now[i].saturating_sub(base[i]));
        for (v, w) in s.bins[bin].iter_mut().zip(window) {
            *v = v.saturating_add(w.saturating_mul(own));
        }
        if let Some((earlier, n)) = owed
            && let Some(e) = s.bins.get_mut(earlier)
        {
            for (v, w) in e.iter_mut().zip(window) {
                *v = v.saturating_add(w.saturating_mul(n));
            }
        }
    }
    for (s, b) in r.sources.iter_mut().zip(&before.sources) {
        scale(&mut s.series, Some(&b.series), bin, own, owed);
    }
    for (s, b) in r.sessions.iter_mut().zip(&before.sessions) {
        scale(&mut s.series, Some(&b.series), bin, own, owed);
    }
    for (t, b) in r.targets.iter_mut().zip(&before.targets) {
        scale(&mut t.series, Some(&b.series), bin, own, owed);
    }
    for (a, b) in r.appliances.iter_mut().zip(&before.appliances) {
        if let Some(a) = a {
            scale(&mut a.series, b.as_ref().map(|b| &b.series), bin, own, owed);
        }
    }
    for (l, b) in r.instance_load.iter_mut().zip(&before.instance_load) {
        if let Some(l) = l {
            scale(&mut l.series, b.as_ref().map(|b| &b.series), bin, own, owed);
        }
    }
    for (c, b) in r.cloudwatch.iter_mut().zip(&before.cloudwatch) {
        if let Some(c) = c {
            scale(c, b.as_ref(), bin, own, owed);
        }
    }
}

/// `x += (x - before) * extra`.
fn grow(x: &mut u64, before: u64, extra: u64) {
    *x = x.saturating_add(x.saturating_sub(before).saturating_mul(extra));
}

/// A counter that grows over a window, and can be grown as if the window
/// had lasted `extra` times longer.
trait Grow {
    fn grow(&mut self, before: &Self, extra: u64);
}

impl Grow for Count {
    fn grow(&mut self, b: &Self, extra: u64) {
        grow(&mut self.packets, b.packets, extra);
        grow(&mut self.bytes, b.bytes, extra);
    }
}

impl Grow for OutcomeTable {
    fn grow(&mut self, b: &Self, extra: u64) {
        for (x, y) in self.counts_mut().iter_mut().zip(b.counts()) {
            x.grow(y, extra);
        }
    }
}

impl Grow for Reordering {
    /// Packets and extents grow; the largest extent is what was seen.
    fn grow(&mut self, b: &Self, extra: u64) {
        grow(&mut self.packets, b.packets, extra);
        grow(&mut self.extent_sum, b.extent_sum, extra);
    }
}

impl<T: Grow> Grow for [T] {
    fn grow(&mut self, b: &Self, extra: u64) {
        for (x, y) in self.iter_mut().zip(b) {
            x.grow(y, extra);
        }
    }
}

impl Grow for u64 {
    fn grow(&mut self, b: &Self, extra: u64) {
        grow(self, *b, extra);
    }
}

impl Grow for SourceStats {
    fn grow(&mut self, b: &Self, extra: u64) {
        self.offered.grow(&b.offered, extra);
        self.outcomes.grow(&b.outcomes, extra);
    }
}

impl Grow for SessionStats {
    fn grow(&mut self, b: &Self, extra: u64) {
        self.evaluated.grow(&b.evaluated, extra);
        self.passed_on.grow(&b.passed_on, extra);
        self.rejected.grow(&b.rejected, extra);
        self.mirrored.grow(&b.mirrored, extra);
        self.outcomes.grow(&b.outcomes, extra);
        self.copy_bytes.grow(&b.copy_bytes, extra);
        self.delivered_bytes.grow(&b.delivered_bytes, extra);
        self.reordering.grow(&b.reordering, extra);
        // A configuration begun at the period's first instant (a change
        // then) counted nothing before the window.
        for (i, c) in self.configurations.iter_mut().enumerate() {
            let zero;
            let d = match b.configurations.get(i) {
                Some(d) => d,
                None => {
                    zero = Configuration {
                        rule_hits: [vec![0; c.rule_hits[0].len()], vec![0; c.rule_hits[1].len()]],
                        amazon_dns_hits: 0,
                        mirrored: Count::default(),
                        outcomes: OutcomeTable::default(),
                        ..c.clone()
                    };
                    &zero
                }
            };
            for k in 0..2 {
                c.rule_hits[k].grow(&d.rule_hits[k], extra);
            }
            c.amazon_dns_hits.grow(&d.amazon_dns_hits, extra);
            c.mirrored.grow(&d.mirrored, extra);
            c.outcomes.grow(&d.outcomes, extra);
        }
    }
}

impl Grow for TargetStats {
    /// Outer flows begun are flows, not traffic: not grown.
    fn grow(&mut self, b: &Self, extra: u64) {
        self.received.grow(&b.received, extra);
        self.sent_wire_bytes.grow(&b.sent_wire_bytes, extra);
        self.cross_zone_bytes.grow(&b.cross_zone_bytes, extra);
        self.outcomes.grow(&b.outcomes, extra);
        self.delivered_bytes.grow(&b.delivered_bytes, extra);
        self.reordering.grow(&b.reordering, extra);
    }
}

impl Grow for ApplianceStats {
    fn grow(&mut self, b: &Self, extra: u64) {
        self.sent.grow(&b.sent, extra);
        self.sent_wire_bytes.grow(&b.sent_wire_bytes, extra);
        self.delivered.grow(&b.delivered, extra);
        self.delivered_wire_bytes
            .grow(&b.delivered_wire_bytes, extra);
        self.dropped_appliance_down
            .grow(&b.dropped_appliance_down, extra);
        self.dropped_bandwidth.grow(&b.dropped_bandwidth, extra);
        self.dropped_pps.grow(&b.dropped_pps, extra);
        self.reordered.grow(&b.reordered, extra);
    }
}

impl Grow for InstanceLoad {
    fn grow(&mut self, b: &Self, extra: u64) {
        self.bw_in_allowance_exceeded
            .grow(&b.bw_in_allowance_exceeded, extra);
        self.bw_out_allowance_exceeded
            .grow(&b.bw_out_allowance_exceeded, extra);
        self.pps_allowance_exceeded
            .grow(&b.pps_allowance_exceeded, extra);
    }
}
