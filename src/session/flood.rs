//! Counting what a peer makes us do per interval, for the flood limits.

use super::config::Rate;
use crate::time::Instant;

/// Events in the current fixed interval.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct RateCounter {
    window_start: Instant,
    count: u32,
}

impl RateCounter {
    /// Counts one event at `now`; true when the rate is exceeded.
    pub fn hit(&mut self, rate: Rate, now: Instant) -> bool {
        if now.saturating_since(self.window_start) >= rate.per {
            self.window_start = now;
            self.count = 0;
        }
        self.count = self.count.saturating_add(1);
        self.count > rate.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Duration;

    #[test]
    fn counts_per_interval() {
        let rate = Rate::new(2, Duration::from_secs(1));
        let mut c = RateCounter::default();
        assert!(!c.hit(rate, Instant(0)));
        assert!(!c.hit(rate, Instant(10)));
        assert!(c.hit(rate, Instant(20)));
        assert!(!c.hit(rate, Instant(1000)));
    }
}
