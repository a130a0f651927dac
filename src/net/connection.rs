//! The connection handle: open and accept streams, ping, shut down.

#[allow(unused_imports)]
use std::prelude::rust_2021::*;

use std::future::poll_fn;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use tokio::sync::oneshot;

use super::shared::Shared;
use super::stream::Stream;
use super::Error;
use crate::header_block::HeaderList;
use crate::session::{CommandError, OpenOptions, Stats};

/// A handle to one SPDY connection. Clones share the connection; when the last handle and
/// the last stream are dropped, the session shuts down gracefully (GOAWAY).
pub struct Connection {
    shared: Arc<Shared>,
}

impl Clone for Connection {
    fn clone(&self) -> Self {
        Connection::new(self.shared.clone())
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.shared.lock().handle_dropped();
    }
}

impl Connection {
    pub(crate) fn new(shared: Arc<Shared>) -> Connection {
        shared.lock().handle_added();
        Connection { shared }
    }

    /// Opens a stream, waiting while the peer's concurrency limit is reached.
    pub async fn open(&self, headers: HeaderList, options: OpenOptions) -> Result<Stream, Error> {
        let mut headers = Some(headers);
        poll_fn(|cx| {
            let mut inner = self.shared.lock();
            if let Some(e) = &inner.closed {
                return Poll::Ready(Err(e.clone()));
            }
            match inner.session.check_can_open() {
                Ok(()) => {}
                Err(CommandError::ConcurrencyLimit) => {
                    inner.open_wakers.push(cx.waker().clone());
                    return Poll::Pending;
                }
                Err(e) => return Poll::Ready(Err(Error::Command(e))),
            }
            let now = inner.now();
            let h = headers.take().expect("polled after completion");
            match inner.session.open_stream(h, options, now) {
                Ok(id) => {
                    inner.slots.insert(id, Default::default());
                    inner.wake_driver();
                    drop(inner);
                    Poll::Ready(Ok(Stream::new(self.shared.clone(), id, None)))
                }
                Err(e) => Poll::Ready(Err(Error::Command(e))),
            }
        })
        .await
    }

    /// The next stream the peer opened (requests on a server, pushes on a client), with its
    /// headers in [`Stream::headers`]. `None` once the session has ended.
    pub async fn accept(&self) -> Option<Stream> {
        poll_fn(|cx| {
            let mut inner = self.shared.lock();
            if let Some(i) = inner.incoming.pop_front() {
                drop(inner);
                return Poll::Ready(Some(Stream::new(
                    self.shared.clone(),
                    i.id,
                    Some(i.headers),
                )));
            }
            if inner.closed.is_some() {
                return Poll::Ready(None);
            }
            inner.accept_waker = Some(cx.waker().clone());
            Poll::Pending
        })
        .await
    }

    /// Sends a PING and waits for its echo: the round-trip time.
    pub async fn ping(&self) -> Result<Duration, Error> {
        let rx = {
            let mut inner = self.shared.lock();
            if let Some(e) = &inner.closed {
                return Err(e.clone());
            }
            let now = inner.now();
            let id = inner.session.ping(now)?;
            let (tx, rx) = oneshot::channel();
            inner.pings.insert(id, tx);
            inner.wake_driver();
            rx
        };
        match rx.await {
            Ok(ms) => Ok(Duration::from_millis(ms)),
            Err(_) => Err(self.closed_error()),
        }
    }

    /// Starts a graceful shutdown: GOAWAY now, no new streams, the session ends when the
    /// open streams finish (or at the drain deadline of the configuration).
    pub fn goaway(&self) {
        let mut inner = self.shared.lock();
        let now = inner.now();
        inner.session.goaway(now);
        inner.dispatch();
        inner.wake_driver();
    }

    /// Ends the session now (GOAWAY OK); open streams fail.
    pub fn close(&self) {
        let mut inner = self.shared.lock();
        let now = inner.now();
        inner.session.close(now);
        inner.dispatch();
        inner.wake_driver();
    }

    /// Waits until the session has ended, and says why.
    pub async fn closed(&self) -> Error {
        poll_fn(|cx| {
            let mut inner = self.shared.lock();
            match &inner.closed {
                Some(e) => Poll::Ready(e.clone()),
                None => {
                    inner.close_wakers.push(cx.waker().clone());
                    Poll::Pending
                }
            }
        })
        .await
    }

    /// The session's counters and gauges.
    pub fn stats(&self) -> Stats {
        self.shared.lock().session.stats()
    }

    fn closed_error(&self) -> Error {
        self.shared
            .lock()
            .closed
            .clone()
            .unwrap_or(Error::Command(CommandError::SessionClosed))
    }
}
