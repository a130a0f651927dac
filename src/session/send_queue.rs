//! The send scheduler: which stream's frame goes out next.
//!
//! Session control frames are queued elsewhere and always go first. Then SYN_STREAMs, in
//! id order (ids must rise on the wire, S-14). Then streams by priority, 0 first, round
//! robin within a priority; a priority passed over [`STARVATION_LIMIT`] times in a row is
//! served next, so lower priorities slow down but never stop.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

/// Picks of higher priorities a waiting priority level tolerates before it is served.
pub const STARVATION_LIMIT: u32 = 8;

/// Queues of stream ids.
#[derive(Debug, Default)]
pub(super) struct Scheduler {
    /// Streams whose SYN_STREAM waits, in id order.
    pub syn: VecDeque<u32>,
    /// Streams with a frame to send, by priority.
    ready: [VecDeque<u32>; 8],
    /// Consecutive picks each level was passed over.
    skipped: [u32; 8],
    /// Streams whose next DATA waits for the session window.
    pub session_blocked: Vec<u32>,
}

impl Scheduler {
    /// Queues a stream (the caller tracks that it is not queued twice).
    pub fn push(&mut self, priority: u8, id: u32) {
        self.ready[usize::from(priority.min(7))].push_back(id);
    }

    /// The next stream to serve, by priority with the starvation guard.
    pub fn pop(&mut self) -> Option<u32> {
        let first = self.ready.iter().position(|q| !q.is_empty())?;
        let starved = (first + 1..8)
            .filter(|&p| !self.ready[p].is_empty() && self.skipped[p] >= STARVATION_LIMIT)
            .max_by_key(|&p| self.skipped[p]);
        let level = starved.unwrap_or(first);
        for p in first..8 {
            if p != level && !self.ready[p].is_empty() {
                self.skipped[p] += 1;
            }
        }
        self.skipped[level] = 0;
        self.ready[level].pop_front()
    }

    /// True when no stream waits to send (SYNs included).
    pub fn is_idle(&self) -> bool {
        self.syn.is_empty() && self.ready.iter().all(VecDeque::is_empty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_priority_with_starvation_guard() {
        let mut s = Scheduler::default();
        // Priority 0 always has work; priority 7 must still get a turn.
        let mut served_low = 0;
        for _ in 0..100 {
            s.push(0, 1);
            if s.ready[7].is_empty() {
                s.push(7, 3);
            }
            match s.pop() {
                Some(3) => served_low += 1,
                Some(1) => {}
                other => panic!("{other:?}"),
            }
            // Drop the high-priority entry if it was not served this round.
            s.ready[0].clear();
        }
        assert!(served_low >= 100 / (STARVATION_LIMIT as usize + 1));
        assert!(served_low <= 100 / STARVATION_LIMIT as usize + 1);
    }

    #[test]
    fn round_robin_within_a_priority() {
        let mut s = Scheduler::default();
        for id in [1, 3, 5] {
            s.push(2, id);
        }
        assert_eq!(s.pop(), Some(1));
        s.push(2, 1);
        assert_eq!(s.pop(), Some(3));
        assert_eq!(s.pop(), Some(5));
        assert_eq!(s.pop(), Some(1));
        assert!(s.is_idle());
    }
}
