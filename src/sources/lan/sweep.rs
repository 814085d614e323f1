//! The active check's ARP sweep: which addresses it asks ([`sweep_targets`], at most a
//! /16) and when ([`ArpSweep`]: paced batches, replies read in between, retries only for
//! the silent ones). Pure: time is an input.

use std::collections::{HashMap, HashSet};
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use crate::observation::MacAddr;

/// Largest subnet the active sweep accepts.
pub const MIN_PREFIX: u8 = 16;

/// ARP requests sent at once; the replies are read between two batches.
pub const SWEEP_BATCH: usize = 64;
/// Least time between two batches: at most `SWEEP_BATCH` requests per `SWEEP_INTERVAL`
/// (8,000 a second, about 4 Mbit/s of 60-byte broadcasts: a /24 in four batches, about
/// 30 ms; a /16 in about 8 s). docs/network-check.md says what this means for a router.
pub const SWEEP_INTERVAL: Duration = Duration::from_millis(8);
/// Times every silent address is asked (the first request and two retries).
pub const SWEEP_ROUNDS: u32 = 3;
/// Wait before retrying silent addresses while no reply has given a round trip time.
pub const SWEEP_WAIT_UNKNOWN: Duration = Duration::from_millis(250);
/// Bounds of the wait before a retry (twice the slowest round trip seen).
pub const SWEEP_WAIT_MIN: Duration = Duration::from_millis(20);
pub const SWEEP_WAIT_MAX: Duration = Duration::from_millis(1000);
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "The network is a /{prefix}: larger than a /{MIN_PREFIX}, too large to ask every address. Run the check without --active (listen only)."
)]
pub struct TooLarge {
    pub prefix: u8,
}

/// Every host address of a subnet except ours; refuses anything larger than a /16.
pub fn sweep_targets(ip: Ipv4Addr, prefix: u8) -> Result<Vec<Ipv4Addr>, TooLarge> {
    if prefix < MIN_PREFIX {
        return Err(TooLarge { prefix });
    }
    if prefix >= 31 {
        return Ok(Vec::new());
    }
    let mask = u32::MAX << (32 - prefix);
    let net = u32::from(ip) & mask;
    let bcast = net | !mask;
    Ok(((net + 1)..bcast)
        .map(Ipv4Addr::from)
        .filter(|a| *a != ip)
        .collect())
}

/// The active ARP sweep's plan: which addresses to ask when, and when it is over. Pure
/// (time is an input), so its pacing and retries are tested without a network.
///
/// Requests go out in batches of [`SWEEP_BATCH`] at least [`SWEEP_INTERVAL`] apart, with
/// the replies read in between (a reply never waits behind the rest of the subnet). After
/// each round, only addresses that have not answered are asked again, after a wait of
/// twice the slowest round trip seen so far (a network that answers in 2 ms is not waited
/// on for 250 ms; a slow one gets the time it needs).
#[derive(Debug)]
pub struct ArpSweep {
    order: Vec<Ipv4Addr>,
    targets: HashSet<Ipv4Addr>,
    answered: HashMap<Ipv4Addr, MacAddr>,
    /// When each silent address was last asked.
    asked_at: HashMap<Ipv4Addr, Instant>,
    round: u32,
    cursor: usize,
    next_batch: Instant,
    /// When the current round's wait ends (set once its last request is sent).
    round_end: Option<Instant>,
    slowest: Option<Duration>,
}

impl ArpSweep {
    pub fn new(targets: Vec<Ipv4Addr>, now: Instant) -> Self {
        ArpSweep {
            targets: targets.iter().copied().collect(),
            order: targets,
            answered: HashMap::new(),
            asked_at: HashMap::new(),
            round: 0,
            cursor: 0,
            next_batch: now,
            round_end: None,
            slowest: None,
        }
    }

    /// The wait before silent addresses are asked again.
    pub fn retry_wait(&self) -> Duration {
        self.slowest.map_or(SWEEP_WAIT_UNKNOWN, |rtt| {
            (rtt * 2).clamp(SWEEP_WAIT_MIN, SWEEP_WAIT_MAX)
        })
    }

    /// Addresses to ask now (at most one batch), appended to `out`.
    pub fn due(&mut self, now: Instant, out: &mut Vec<Ipv4Addr>) {
        if self.answered.len() == self.order.len() {
            self.round = SWEEP_ROUNDS;
        }
        if self.round >= SWEEP_ROUNDS || now < self.next_batch {
            return;
        }
        if let Some(end) = self.round_end {
            // Between rounds: wait for late replies, then start the next round.
            if now < end + self.retry_wait() {
                return;
            }
            self.round_end = None;
            self.round += 1;
            self.cursor = 0;
            if self.round >= SWEEP_ROUNDS {
                return;
            }
        }
        let start = out.len();
        while self.cursor < self.order.len() && out.len() - start < SWEEP_BATCH {
            let t = self.order[self.cursor];
            self.cursor += 1;
            if !self.answered.contains_key(&t) {
                self.asked_at.insert(t, now);
                out.push(t);
            }
        }
        if out.len() > start {
            self.next_batch = now + SWEEP_INTERVAL;
        }
        if self.cursor >= self.order.len() {
            self.round_end = Some(now);
        }
    }

    /// A sighting of `ip` (a reply, or the host's own ARP): true if it is one of the
    /// targets and had not answered yet.
    pub fn heard(&mut self, ip: Ipv4Addr, mac: MacAddr, now: Instant) -> bool {
        if !self.targets.contains(&ip) || self.answered.contains_key(&ip) {
            return false;
        }
        if let Some(at) = self.asked_at.remove(&ip) {
            let rtt = now.saturating_duration_since(at);
            self.slowest = Some(self.slowest.map_or(rtt, |s| s.max(rtt)));
        }
        self.answered.insert(ip, mac);
        true
    }

    /// Every round sent and the last wait over (or every address answered).
    pub fn finished(&self, now: Instant) -> bool {
        self.round >= SWEEP_ROUNDS
            || self.answered.len() == self.order.len()
            || (self.round + 1 >= SWEEP_ROUNDS
                && self
                    .round_end
                    .is_some_and(|end| now >= end + self.retry_wait()))
    }

    /// The hosts that answered.
    pub fn answered(&self) -> &HashMap<Ipv4Addr, MacAddr> {
        &self.answered
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Everything the sweep asks from `t0` on, in (milliseconds since `t0`, address)
    /// order, stepping time by 1 ms; `answers(ip)` says after how many ms a host answers
    /// (None: silent).
    fn run_sweep(
        targets: Vec<Ipv4Addr>,
        answers: impl Fn(Ipv4Addr) -> Option<u64>,
    ) -> (Vec<(u64, Ipv4Addr)>, ArpSweep, u64) {
        let t0 = Instant::now();
        let mut sw = ArpSweep::new(targets, t0);
        let mut sent = Vec::new();
        let mut pending: Vec<(u64, Ipv4Addr)> = Vec::new();
        let mut batch = Vec::new();
        for ms in 0..10_000u64 {
            let now = t0 + Duration::from_millis(ms);
            pending.retain(|(at, ip)| {
                if *at <= ms {
                    sw.heard(*ip, MacAddr([2, 0, 0, 0, 0, 1]), now);
                    false
                } else {
                    true
                }
            });
            if sw.finished(now) {
                return (sent, sw, ms);
            }
            sw.due(now, &mut batch);
            for ip in batch.drain(..) {
                sent.push((ms, ip));
                if let Some(d) = answers(ip) {
                    pending.push((ms + d, ip));
                }
            }
        }
        panic!("the sweep never finished");
    }

    fn slash24() -> Vec<Ipv4Addr> {
        sweep_targets(Ipv4Addr::new(10, 9, 0, 1), 24).expect("targets")
    }

    #[test]
    fn sweep_is_paced_in_batches() {
        let (sent, _, _) = run_sweep(slash24(), |_| Some(2));
        assert_eq!(sent.len(), 253, "every address once: all answered");
        for w in sent.windows(SWEEP_BATCH + 1) {
            let span = w[SWEEP_BATCH].0 - w[0].0;
            assert!(
                span >= SWEEP_INTERVAL.as_millis() as u64,
                "{} requests within {span} ms",
                SWEEP_BATCH + 1
            );
        }
    }

    #[test]
    fn only_silent_addresses_are_asked_again_after_a_wait_from_the_round_trip() {
        let silent = [Ipv4Addr::new(10, 9, 0, 7), Ipv4Addr::new(10, 9, 0, 200)];
        let (sent, sw, end) = run_sweep(slash24(), |ip| (!silent.contains(&ip)).then_some(3));
        assert_eq!(sw.answered().len(), 251);
        let retries: Vec<_> = sent[253..].to_vec();
        assert_eq!(retries.len(), 2 * silent.len(), "{retries:?}");
        assert!(retries.iter().all(|(_, ip)| silent.contains(ip)));
        // Replies took 3 ms (4 with the 1 ms step): the wait is the floor, 20 ms, not 250.
        assert_eq!(sw.retry_wait(), SWEEP_WAIT_MIN);
        let first_round_end = sent[252].0;
        assert_eq!(retries[0].0, first_round_end + 20);
        assert_eq!(retries[2].0, retries[0].0 + 20);
        assert_eq!(end, retries[2].0 + 20, "finished after the last wait");
    }

    #[test]
    fn retry_wait_follows_the_slowest_round_trip() {
        let (_, sw, _) = run_sweep(slash24(), |ip| (ip.octets()[3] != 9).then_some(150));
        assert_eq!(sw.retry_wait(), Duration::from_millis(300));
        let (_, sw, end) = run_sweep(slash24(), |_| None);
        assert_eq!(sw.retry_wait(), SWEEP_WAIT_UNKNOWN);
        assert!(sw.answered().is_empty());
        assert!(end > 3 * 250, "three rounds, each waited on");
        // Nothing to ask: finished at once.
        let (sent, _, end) = run_sweep(Vec::new(), |_| Some(1));
        assert!(sent.is_empty() && end == 0);
    }

    #[test]
    fn a_reply_from_outside_the_targets_is_not_an_answer() {
        let mut sw = ArpSweep::new(slash24(), Instant::now());
        let m = MacAddr([2, 0, 0, 0, 0, 9]);
        assert!(!sw.heard(Ipv4Addr::new(10, 9, 1, 5), m, Instant::now()));
        assert!(
            !sw.heard(Ipv4Addr::new(10, 9, 0, 1), m, Instant::now()),
            "ourselves"
        );
        assert!(sw.heard(Ipv4Addr::new(10, 9, 0, 5), m, Instant::now()));
        assert!(
            !sw.heard(Ipv4Addr::new(10, 9, 0, 5), m, Instant::now()),
            "once"
        );
    }
}
