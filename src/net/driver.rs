//! The driver future: socket ↔ session, timers, and wake-ups, following the session's call
//! protocol literally.

#[allow(unused_imports)]
use std::prelude::rust_2021::*;

use std::collections::VecDeque;
use std::future::Future;
use std::io::IoSlice;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Sleep;

use super::read_blocks::{ReadBlocks, LARGE_BLOCK};
use super::shared::Shared;
use super::Error;

/// Most bytes taken from the session per write round.
const WRITE_BATCH: usize = 512 * 1024;
/// Bytes read in one poll after which the driver yields, so that the streams it woke (often
/// queued behind it on the same worker) read their data before more arrives. Without it
/// the driver reads until the session window is spent while readers wait, and each unread
/// block stays pinned instead of being reused.
const READ_PER_POLL: usize = 2 * LARGE_BLOCK;
/// Reads and writes at least this large run without the session lock.
const LARGE_IO: usize = 64 * 1024;

/// Pumps one connection. Spawn it (`tokio::spawn(driver)`); it completes when the session
/// has ended and its last bytes were written, with the transport error if one stopped it.
#[must_use = "the driver does nothing unless polled (spawn it)"]
pub struct Driver<T> {
    io: T,
    shared: Arc<Shared>,
    /// Bytes taken from the session, not yet written.
    out: VecDeque<Bytes>,
    sleep: Pin<Box<Sleep>>,
    /// Read blocks: received DATA is sliced from them without a copy; the session keeps
    /// unread slices in at most `Config::max_held_blocks` blocks, so data nobody reads pins
    /// at most that many.
    blocks: ReadBlocks,
    /// Output was held back once to gather more (see the output step).
    deferred: bool,
    read_closed: bool,
    done: bool,
}

impl<T> Driver<T> {
    pub(crate) fn new(io: T, shared: Arc<Shared>) -> Self {
        Driver {
            io,
            shared,
            out: VecDeque::new(),
            sleep: Box::pin(tokio::time::sleep(std::time::Duration::from_secs(3600))),
            blocks: ReadBlocks::default(),
            deferred: false,
            read_closed: false,
            done: false,
        }
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> Future for Driver<T> {
    type Output = Result<(), Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(Ok(()));
        }
        let shared = this.shared.clone();
        let mut inner = shared.lock();
        inner.driver_waker = Some(cx.waker().clone());
        let mut read_this_poll = 0;
        loop {
            let mut progress = false;
            let now = inner.now();
            // Input, while the session wants it (its backpressure).
            inner.input_paused = !this.read_closed && !inner.session.wants_input();
            if !this.read_closed && !inner.input_paused {
                let mut buf = std::mem::take(inner.session.input_buffer());
                this.blocks.prepare(&mut buf);
                // A large read runs without the lock, so stream tasks are not held up by
                // the copy out of the kernel (only the driver touches the input buffer); a
                // small one is cheaper than unlocking and locking again.
                let io = Pin::new(&mut this.io);
                let read = if this.blocks.last_read() >= LARGE_IO {
                    drop(inner);
                    let read = tokio_util::io::poll_read_buf(io, cx, &mut buf);
                    inner = shared.lock();
                    read
                } else {
                    tokio_util::io::poll_read_buf(io, cx, &mut buf)
                };
                match read {
                    Poll::Ready(Ok(n)) => this.blocks.read(n),
                    Poll::Pending => this.blocks.nothing_to_read(&mut buf),
                    Poll::Ready(Err(_)) => {}
                }
                *inner.session.input_buffer() = buf;
                match read {
                    Poll::Ready(Ok(0)) => {
                        this.read_closed = true;
                        inner.session.handle_eof(now);
                        progress = true;
                    }
                    Poll::Ready(Ok(n)) => {
                        read_this_poll += n;
                        inner.session.handle_input(now);
                        progress = true;
                    }
                    Poll::Ready(Err(e)) => {
                        this.read_closed = true;
                        inner.session.handle_eof(now);
                        inner.dispatch();
                        inner.set_closed(Error::from(e));
                        progress = true;
                    }
                    Poll::Pending => {}
                }
            }
            if inner.session.poll_timeout().is_some_and(|t| t <= now) {
                inner.session.handle_timeout(now);
                progress = true;
            }
            inner.dispatch();
            // Output. Before taking a batch, the driver first lets the tasks queued behind it
            // run once, so that the frames they add leave in the same write.
            if this.out.is_empty() && !this.deferred && inner.session.has_pending_output() {
                this.deferred = true;
                inner.output_idle = false; // a flush meanwhile must wait for this output
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            if this.out.is_empty() {
                this.deferred = false;
                let mut chunks = Vec::new();
                inner
                    .session
                    .poll_transmit_chunks(now, &mut chunks, WRITE_BATCH);
                this.out.extend(chunks);
                inner.dispatch();
            }
            if !this.out.is_empty() {
                // Data taken from the session is not written yet: a flush must wait.
                inner.output_idle = false;
                // Large writes without the lock, like large reads.
                let written = if this.out.iter().map(Bytes::len).sum::<usize>() >= LARGE_IO {
                    drop(inner);
                    let written = write_out(&mut this.io, &mut this.out, cx);
                    inner = shared.lock();
                    written
                } else {
                    write_out(&mut this.io, &mut this.out, cx)
                };
                match written {
                    Written::Nothing => {}
                    Written::Some => progress = true,
                    Written::PeerGone => {
                        // Nothing more can be sent.
                        this.out.clear();
                        this.read_closed = true;
                        inner.session.handle_eof(now);
                        inner.dispatch();
                        progress = true;
                    }
                }
            }
            inner.output_idle = this.out.is_empty() && !inner.session.has_pending_output();
            if inner.output_idle {
                for w in inner.flush_wakers.drain(..) {
                    w.wake();
                }
            }
            if inner.session.is_closed() && this.out.is_empty() {
                let _ = Pin::new(&mut this.io).poll_shutdown(cx);
                let reason = inner.session.close_reason();
                inner.driver_stopped(reason.map(Error::Session));
                this.done = true;
                return Poll::Ready(match inner.closed.clone() {
                    Some(Error::Io(e)) => Err(Error::Io(e)),
                    _ => Ok(()),
                });
            }
            if !progress {
                break;
            }
            if read_this_poll >= READ_PER_POLL {
                cx.waker().wake_by_ref(); // more may be waiting: come back after the readers
                return Poll::Pending;
            }
        }
        // Sleep until the session's next deadline (or the moment to give read blocks back).
        let session_deadline = inner.session.poll_timeout().map(|at| inner.deadline(at));
        let quiet_at = this.blocks.quiet_at();
        if let Some(deadline) = session_deadline.into_iter().chain(quiet_at).min() {
            if this.sleep.deadline() != deadline {
                this.sleep.as_mut().reset(deadline);
            }
            if this.sleep.as_mut().poll(cx).is_ready() {
                cx.waker().wake_by_ref();
            }
        }
        Poll::Pending
    }
}

/// What a round of writing achieved.
enum Written {
    Nothing,
    Some,
    PeerGone,
}

/// Writes queued chunks until the transport would block or they are all written.
fn write_out<T: AsyncWrite + Unpin>(
    io: &mut T,
    out: &mut VecDeque<Bytes>,
    cx: &mut Context<'_>,
) -> Written {
    let mut written = Written::Nothing;
    while !out.is_empty() {
        let slices: Vec<IoSlice<'_>> = out.iter().take(64).map(|b| IoSlice::new(b)).collect();
        match Pin::new(&mut *io).poll_write_vectored(cx, &slices) {
            Poll::Ready(Ok(0)) | Poll::Ready(Err(_)) => return Written::PeerGone,
            Poll::Ready(Ok(mut n)) => {
                while n > 0 {
                    let front = out.front_mut().expect("wrote no more than queued");
                    if n >= front.len() {
                        n -= front.len();
                        out.pop_front();
                    } else {
                        front.advance(n);
                        n = 0;
                    }
                }
                written = Written::Some;
            }
            Poll::Pending => break,
        }
    }
    written
}

impl<T> Drop for Driver<T> {
    fn drop(&mut self) {
        if !self.done {
            self.shared.lock().driver_stopped(None);
        }
    }
}
