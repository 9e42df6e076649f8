//! Reconnection backoff, from gRPC's connection-backoff.md.
//!
//! ```text
//! INITIAL_BACKOFF = 1 s;  MULTIPLIER = 1.6;  JITTER = 0.2;  MAX_BACKOFF = 120 s
//! ```
//!
//! After each failed attempt the delay grows by the multiplier up to the maximum; each actual
//! wait is the delay spread by ±20% so that many clients do not reconnect in step.

use std::time::Duration;

/// The first delay: 1 s.
pub const INITIAL_BACKOFF: Duration = Duration::from_secs(1);
/// How the delay grows after each failure: ×1.6.
pub const MULTIPLIER: f64 = 1.6;
/// How much each wait is spread: ±20%.
pub const JITTER: f64 = 0.2;
/// The largest delay: 120 s.
pub const MAX_BACKOFF: Duration = Duration::from_secs(120);

/// The delays between connection attempts.
#[derive(Debug, Clone)]
pub struct Backoff {
    current: Duration,
    seed: u64,
}

impl Default for Backoff {
    fn default() -> Self {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x9e37_79b9_7f4a_7c15, |d| u64::from(d.subsec_nanos()) | 1);
        Self {
            current: INITIAL_BACKOFF,
            seed,
        }
    }
}

impl Backoff {
    /// The wait before the next attempt; grows the delay for the one after.
    pub fn next_delay(&mut self) -> Duration {
        let base = self.current;
        self.current = base.mul_f64(MULTIPLIER).min(MAX_BACKOFF);
        // A uniform number in [-1, 1) from a xorshift generator: jitter needs no better.
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        let unit = (self.seed >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0;
        base.mul_f64(1.0 + JITTER * unit)
    }

    /// Starts over after a successful connection.
    pub fn reset(&mut self) {
        self.current = INITIAL_BACKOFF;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_by_1_6_within_jitter_up_to_the_cap() {
        let mut backoff = Backoff::default();
        let mut expected = 1.0f64;
        for _ in 0..20 {
            let delay = backoff.next_delay().as_secs_f64();
            assert!(
                delay >= expected * 0.8 - 1e-9 && delay <= expected * 1.2 + 1e-9,
                "{delay} vs {expected}"
            );
            expected = (expected * 1.6).min(120.0);
        }
        backoff.reset();
        let first = backoff.next_delay().as_secs_f64();
        assert!((0.8..=1.2).contains(&first));
    }
}
