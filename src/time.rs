//! Time as the session sees it: a millisecond count the caller passes in. The engine never
//! reads a clock (DESIGN rule 1), so tests can run it on a virtual one.

use core::ops::{Add, Sub};

/// A point in time, in milliseconds since an origin the caller chooses (process start,
/// `performance.now()`, a test's virtual clock). Only differences matter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(pub u64);

/// A span of time in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(pub u64);

impl Instant {
    /// The origin.
    pub const ZERO: Instant = Instant(0);

    /// Milliseconds since the origin.
    pub fn millis(self) -> u64 {
        self.0
    }

    /// Time from `earlier` to `self`, zero if `earlier` is later.
    pub fn saturating_since(self, earlier: Instant) -> Duration {
        Duration(self.0.saturating_sub(earlier.0))
    }
}

impl Duration {
    /// No time.
    pub const ZERO: Duration = Duration(0);

    /// `n` milliseconds.
    pub const fn from_millis(n: u64) -> Duration {
        Duration(n)
    }

    /// `n` seconds.
    pub const fn from_secs(n: u64) -> Duration {
        Duration(n * 1000)
    }

    /// The span in milliseconds.
    pub fn as_millis(self) -> u64 {
        self.0
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        Instant(self.0.saturating_add(d.0))
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    fn sub(self, earlier: Instant) -> Duration {
        self.saturating_since(earlier)
    }
}

#[cfg(feature = "std")]
impl From<core::time::Duration> for Duration {
    fn from(d: core::time::Duration) -> Self {
        Duration(d.as_millis().min(u128::from(u64::MAX)) as u64)
    }
}

#[cfg(feature = "std")]
impl From<Duration> for core::time::Duration {
    fn from(d: Duration) -> Self {
        core::time::Duration::from_millis(d.0)
    }
}
