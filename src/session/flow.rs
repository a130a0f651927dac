//! Flow-control windows (SPDY31.md §10). Only DATA payload bytes count (S-49); no window may
//! exceed 2^31 − 1 (S-55); send windows may go negative after a SETTINGS change (S-56).

/// The largest legal window, 2^31 − 1.
pub const MAX_WINDOW: i64 = 0x7fff_ffff;
/// Stream and session windows before any SETTINGS or WINDOW_UPDATE (S-50).
pub const DEFAULT_WINDOW: u32 = 65_536;
/// How much a window grows at once for a reader that keeps up.
const GROWTH: u32 = 4;

/// What we let the peer send: the receive side of one window.
///
/// The peer may send `available` more bytes. Bytes the application consumed are returned
/// to the peer with WINDOW_UPDATE once they reach half the window, batched (DESIGN rule 6).
#[derive(Clone, Copy, Debug)]
pub(super) struct RecvWindow {
    /// Bytes the peer may still send.
    pub available: i64,
    /// Bytes consumed and not yet returned with WINDOW_UPDATE.
    pub unacked: u32,
    /// The window size we advertise.
    pub size: u32,
    /// Bytes the application read since the window last grew (see `take_update_growing`).
    consumed: u64,
}

impl RecvWindow {
    pub fn new(size: u32) -> Self {
        RecvWindow {
            available: i64::from(size),
            unacked: 0,
            size,
            consumed: 0,
        }
    }

    /// Sets the advertised size (a SETTINGS change); growth is measured from it anew.
    pub fn resize(&mut self, size: u32) {
        self.size = size;
        self.consumed = 0;
    }

    /// Counts `n` received bytes; false when they overrun the window (S-59).
    pub fn receive(&mut self, n: usize) -> bool {
        self.available -= n as i64;
        self.available >= 0
    }

    /// Counts `n` consumed bytes; true when a WINDOW_UPDATE is due.
    pub fn consume(&mut self, n: usize) -> bool {
        self.unacked = self.unacked.saturating_add(n as u32);
        self.update_due()
    }

    /// Like [`consume`](Self::consume), for bytes the application read: only these count
    /// towards growing the window (`take_update_growing`); data dropped unread does not.
    pub fn consume_read(&mut self, n: usize) -> bool {
        self.consumed += n as u64;
        self.consume(n)
    }

    /// True when half the window or more is waiting to be returned.
    pub fn update_due(&self) -> bool {
        self.unacked > 0 && self.unacked >= self.size / 2
    }

    /// For the session window: also due once the credit waiting is at least what the peer
    /// may still send. Unread data of stalled streams can hold more than half the session
    /// window; what the other streams consumed must still go back, or the peer stops every
    /// stream for good. With nothing unread this is exactly the half-window rule.
    pub fn session_update_due(&self) -> bool {
        self.update_due() || (self.unacked > 0 && i64::from(self.unacked) >= self.available)
    }

    /// Like [`take_update`](Self::take_update), and grows the window (fourfold, up to
    /// `limit`) once the reader has consumed twice its size since it last grew: a reader
    /// that keeps up with a long transfer soon gets a window large enough for the path
    /// (64 KiB to 16 MiB within about 11 MiB read), while a stream read briefly and
    /// cancelled (a Range request) lets the peer send little more than it read.
    pub fn take_update_growing(&mut self, limit: u32) -> u32 {
        let mut extra = 0;
        if self.size < limit && self.consumed >= 2 * u64::from(self.size) {
            let grown = self.size.saturating_mul(GROWTH).min(limit);
            extra = grown - self.size;
            self.size = grown;
            self.consumed = 0;
        }
        let delta = self.take_update() + extra;
        self.available += i64::from(extra);
        delta
    }

    /// Takes the bytes to return in a WINDOW_UPDATE now.
    pub fn take_update(&mut self) -> u32 {
        let delta = self.unacked;
        self.available += i64::from(delta);
        self.unacked = 0;
        delta
    }
}

/// Adds a WINDOW_UPDATE delta to a send window; false when it would pass 2^31 − 1 (S-55).
pub(super) fn grow_send_window(window: &mut i64, delta: u32) -> bool {
    let grown = *window + i64::from(delta);
    if grown > MAX_WINDOW {
        return false;
    }
    *window = grown;
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s59_overrun_and_half_window_updates() {
        let mut w = RecvWindow::new(100);
        assert!(w.receive(60));
        assert!(!w.consume(49));
        assert!(w.consume(1));
        assert_eq!(w.take_update(), 50);
        assert_eq!(w.available, 90);
        assert!(w.receive(90));
        assert!(!w.receive(1));
    }

    #[test]
    fn windows_grow_for_readers_that_keep_up_and_stop_at_the_limit() {
        let mut w = RecvWindow::new(100);
        let mut sizes = alloc::vec::Vec::new();
        for _ in 0..12 {
            assert!(w.receive(50));
            w.consume_read(50);
            let delta = w.take_update_growing(400);
            sizes.push((w.size, delta));
        }
        // Grows fourfold after each 2 windows consumed, never past the limit; the delta
        // carries the growth, so the peer may send `size` unacknowledged bytes.
        assert_eq!(&sizes[..4], &[(100, 50), (100, 50), (100, 50), (400, 350)]);
        assert_eq!(w.size, 400);
        assert_eq!(w.available, 400);
        let mut capped = RecvWindow::new(100);
        for _ in 0..4 {
            assert!(capped.receive(50));
            capped.consume_read(50);
            capped.take_update_growing(250);
        }
        assert_eq!(capped.size, 250, "growth stops at the limit");
        // A brief reader never grows its window.
        let mut brief = RecvWindow::new(100);
        assert!(brief.receive(100));
        brief.consume_read(100);
        assert_eq!(brief.take_update_growing(400), 100);
        assert_eq!(brief.size, 100);
        // Data dropped unread returns credit but never grows the window.
        let mut dropped = RecvWindow::new(100);
        for _ in 0..12 {
            assert!(dropped.receive(50));
            dropped.consume(50);
            assert_eq!(dropped.take_update_growing(400), 50);
        }
        assert_eq!(dropped.size, 100);
    }

    #[test]
    fn s55_send_window_ceiling() {
        let mut w = 65_536;
        assert!(grow_send_window(&mut w, (MAX_WINDOW - 65_536) as u32));
        assert_eq!(w, MAX_WINDOW);
        assert!(!grow_send_window(&mut w, 1));
        let mut negative = -45_056;
        assert!(grow_send_window(&mut negative, 50_000));
        assert_eq!(negative, 4_944);
    }
}
