//! A counting global allocator for the hostile-peer batteries: allocations, bytes and the
//! peak of live heap, per thread, so a test measures only its own work. A test crate
//! installs it with `#[global_allocator] static A: Counting = Counting;`.
#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// What the allocator saw on this thread since [`reset`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Counts {
    /// Calls to alloc, alloc_zeroed and realloc.
    pub allocations: u64,
    /// Bytes those calls asked for.
    pub bytes: u64,
    /// Bytes allocated minus bytes freed.
    pub live: i64,
    /// The highest `live` reached.
    pub peak: i64,
}

thread_local! {
    static COUNTS: Cell<Counts> = const {
        Cell::new(Counts { allocations: 0, bytes: 0, live: 0, peak: 0 })
    };
}

fn note(grown: usize, freed: usize, call: bool) {
    // `try_with`: allocations during thread teardown find no counter and are not counted.
    let _ = COUNTS.try_with(|c| {
        let mut n = c.get();
        n.allocations += u64::from(call);
        n.bytes += grown as u64;
        n.live += grown as i64 - freed as i64;
        n.peak = n.peak.max(n.live);
        c.set(n);
    });
}

/// Sets this thread's counters to zero.
pub fn reset() {
    COUNTS.with(|c| c.set(Counts::default()));
}

/// This thread's counters since [`reset`].
pub fn counts() -> Counts {
    COUNTS.with(|c| c.get())
}

/// The system allocator, counted.
pub struct Counting;

// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size(), 0, true);
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size(), 0, true);
        System.alloc_zeroed(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note(0, layout.size(), false);
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size, layout.size(), true);
        System.realloc(ptr, layout, new_size)
    }
}
