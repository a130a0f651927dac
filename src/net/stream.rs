//! A stream handle: headers, zero-copy `Bytes` send and receive, and `AsyncRead` /
//! `AsyncWrite` for code that wants byte streams.

#[allow(unused_imports)]
use std::prelude::rust_2021::*;

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::shared::{Inner, Shared};
use super::Error;
use crate::frame::RstStatus;
use crate::header_block::HeaderList;
use crate::session::{CommandError, OpenOptions, Read};

/// One stream. Dropping it before both sides finished resets it with CANCEL; data the peer
/// already sent is discarded and its window returned.
pub struct Stream {
    shared: Arc<Shared>,
    id: u32,
    headers: Option<HeaderList>,
    /// Part of a received chunk not yet handed to `AsyncRead`.
    partial: Bytes,
    /// Bytes of the current `send` still to queue.
    shutdown: bool,
}

impl Stream {
    pub(crate) fn new(shared: Arc<Shared>, id: u32, headers: Option<HeaderList>) -> Stream {
        shared.lock().handle_added();
        Stream {
            shared,
            id,
            headers,
            partial: Bytes::new(),
            shutdown: false,
        }
    }

    /// The stream id.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The headers the peer opened the stream with (accepted streams only).
    pub fn headers(&self) -> Option<&HeaderList> {
        self.headers.as_ref()
    }

    /// Waits for the peer's SYN_REPLY (streams we opened).
    pub async fn response(&mut self) -> Result<HeaderList, Error> {
        let id = self.id;
        poll_fn(|cx| {
            let mut inner = self.shared.lock();
            let closed = inner.closed.clone();
            let slot = inner.slots.get_mut(&id).expect("a live handle has a slot");
            if let Some(h) = slot.reply.take() {
                return Poll::Ready(Ok(h));
            }
            if let Some(e) = slot.error.clone().or(closed) {
                return Poll::Ready(Err(e));
            }
            if slot.gone {
                return Poll::Ready(Err(Error::Command(CommandError::UnknownStream)));
            }
            slot.reply_waker = Some(cx.waker().clone());
            Poll::Pending
        })
        .await
    }

    /// Headers that arrived after the reply (HEADERS frames, e.g. trailers), if any so far.
    pub fn take_headers(&mut self) -> Option<HeaderList> {
        self.shared
            .lock()
            .slots
            .get_mut(&self.id)?
            .headers
            .pop_front()
    }

    /// Accepts the peer's stream (SYN_REPLY); `fin` ends our side at once.
    pub fn reply(&mut self, headers: HeaderList, fin: bool) -> Result<(), Error> {
        self.command(|inner, id| inner.session.reply(id, headers, fin))
    }

    /// Sends HEADERS; with `fin`, as trailers that end our side.
    pub fn send_headers(&mut self, headers: HeaderList, fin: bool) -> Result<(), Error> {
        self.command(|inner, id| inner.session.send_headers(id, headers, fin))
    }

    /// Pushes a resource tied to this (accepted) stream (servers only).
    pub fn push(&mut self, headers: HeaderList, options: OpenOptions) -> Result<Stream, Error> {
        let mut inner = self.shared.lock();
        let now = inner.now();
        let id = inner.session.push_stream(self.id, headers, options, now)?;
        inner.slots.insert(id, Default::default());
        inner.wake_driver();
        drop(inner);
        Ok(Stream::new(self.shared.clone(), id, None))
    }

    /// Sends `data` without copying it, waiting for flow-control window as needed; `fin`
    /// ends our side after it. It returns once the data is queued; `flush` (from
    /// `AsyncWriteExt`) waits until it was written to the transport.
    pub async fn send(&mut self, mut data: Bytes, fin: bool) -> Result<(), Error> {
        let id = self.id;
        poll_fn(|cx| {
            let mut inner = self.shared.lock();
            loop {
                if let Some(e) = stream_error(&inner, id) {
                    return Poll::Ready(Err(e));
                }
                let n = match inner.session.send_data(id, data.clone(), fin) {
                    Ok(n) => n,
                    Err(e) => {
                        inner.dispatch();
                        return Poll::Ready(Err(stream_error(&inner, id).unwrap_or(e.into())));
                    }
                };
                inner.wake_driver();
                data.advance(n);
                if data.is_empty()
                    && (n > 0 || !fin || inner.session.stream_info(id).is_none_or(|s| s.local_done))
                {
                    return Poll::Ready(Ok(()));
                }
                if n == 0 {
                    if let Some(s) = inner.slots.get_mut(&id) {
                        s.write_waker = Some(cx.waker().clone());
                    }
                    return Poll::Pending;
                }
            }
        })
        .await
    }

    /// Ends our side (an empty DATA frame with FIN).
    pub fn finish(&mut self) -> Result<(), Error> {
        self.command(|inner, id| inner.session.finish(id))
    }

    /// Resets the stream.
    pub fn reset(&mut self, status: RstStatus) -> Result<(), Error> {
        self.command(|inner, id| inner.session.reset(id, status))
    }

    /// The next chunk of data, zero-copy; `None` at the end of the stream.
    pub async fn recv(&mut self) -> Option<Result<Bytes, Error>> {
        if !self.partial.is_empty() {
            return Some(Ok(std::mem::take(&mut self.partial)));
        }
        poll_fn(|cx| self.poll_recv(cx, usize::MAX)).await
    }

    /// Poll form of [`recv`](Self::recv), for body types (`max` bounds the chunk).
    pub fn poll_recv(
        &mut self,
        cx: &mut Context<'_>,
        max: usize,
    ) -> Poll<Option<Result<Bytes, Error>>> {
        if !self.partial.is_empty() {
            let n = self.partial.len().min(max.max(1));
            return Poll::Ready(Some(Ok(self.partial.split_to(n))));
        }
        let id = self.id;
        let mut inner = self.shared.lock();
        match inner.session.read(id, max) {
            Ok(Read::Data(b)) => {
                let resume_input = inner.input_paused && inner.session.wants_input();
                if resume_input || inner.session.has_pending_output() {
                    inner.wake_driver(); // input may go on, or a window update is due
                }
                Poll::Ready(Some(Ok(b)))
            }
            // The end of data that arrived before a peer's reset: the read ends with the reset.
            // Reading the end removes the stream, which may end a draining session: the
            // driver dispatches that and writes what follows.
            Ok(Read::Fin) => {
                inner.wake_driver();
                match inner.slots.get(&id).and_then(|s| s.error.clone()) {
                    Some(e) => Poll::Ready(Some(Err(e))),
                    None => Poll::Ready(None),
                }
            }
            Ok(Read::Pending) => {
                if let Some(e) = stream_error(&inner, id) {
                    return Poll::Ready(Some(Err(e)));
                }
                if let Some(s) = inner.slots.get_mut(&id) {
                    s.read_waker = Some(cx.waker().clone());
                }
                Poll::Pending
            }
            Err(_) => match stream_error(&inner, id) {
                Some(e) => Poll::Ready(Some(Err(e))),
                None => Poll::Ready(None), // finished and gone
            },
        }
    }

    fn command(
        &mut self,
        f: impl FnOnce(&mut Inner, u32) -> Result<(), CommandError>,
    ) -> Result<(), Error> {
        let mut inner = self.shared.lock();
        if let Some(e) = stream_error(&inner, self.id) {
            return Err(e);
        }
        let result = f(&mut inner, self.id);
        // A local reset reports itself through an event: take it in now.
        inner.dispatch();
        inner.wake_driver();
        result.map_err(Error::from)
    }
}

/// The error that ended the stream or the session, if any.
fn stream_error(inner: &Inner, id: u32) -> Option<Error> {
    inner
        .slots
        .get(&id)
        .and_then(|s| s.error.clone())
        .or_else(|| {
            inner
                .closed
                .clone()
                .filter(|_| inner.session.stream_info(id).is_none())
        })
}

impl Drop for Stream {
    fn drop(&mut self) {
        let mut inner = self.shared.lock();
        let id = self.id;
        if let Some(info) = inner.session.stream_info(id) {
            if !info.local_done || !info.remote_closed {
                let _ = inner.session.reset(id, RstStatus::CANCEL);
            } else {
                // Both sides finished: drain what is unread so the stream can leave.
                while let Ok(Read::Data(_)) = inner.session.read(id, usize::MAX) {}
                let _ = inner.session.read(id, 1);
            }
            inner.dispatch();
            inner.wake_driver();
        }
        inner.slots.remove(&id);
        inner.handle_dropped();
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.partial.is_empty() {
            let max = buf.remaining();
            match self.poll_recv(cx, max) {
                Poll::Ready(Some(Ok(b))) => self.partial = b,
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Err(e.into())),
                Poll::Ready(None) => return Poll::Ready(Ok(())),
                Poll::Pending => return Poll::Pending,
            }
        }
        let n = self.partial.len().min(buf.remaining());
        buf.put_slice(&self.partial[..n]);
        self.partial.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let id = self.id;
        let mut inner = self.shared.lock();
        if let Some(e) = stream_error(&inner, id) {
            return Poll::Ready(Err(e.into()));
        }
        let cap = inner.session.send_capacity(id).min(buf.len());
        if cap == 0 {
            // Register for `Writable`: send_data records that we wait.
            match inner.session.send_data(
                id,
                Bytes::copy_from_slice(&buf[..buf.len().min(1)]),
                false,
            ) {
                Ok(0) => {
                    if let Some(s) = inner.slots.get_mut(&id) {
                        s.write_waker = Some(cx.waker().clone());
                    }
                    return Poll::Pending;
                }
                Ok(n) => {
                    inner.wake_driver();
                    return Poll::Ready(Ok(n));
                }
                Err(e) => return Poll::Ready(Err(Error::from(e).into())),
            }
        }
        match inner
            .session
            .send_data(id, Bytes::copy_from_slice(&buf[..cap]), false)
        {
            Ok(n) => {
                inner.wake_driver();
                Poll::Ready(Ok(n))
            }
            Err(e) => Poll::Ready(Err(Error::from(e).into())),
        }
    }

    /// Ready once everything queued on the connection was written to the transport (or the
    /// stream or session ended).
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut inner = self.shared.lock();
        if let Some(e) = stream_error(&inner, self.id) {
            return Poll::Ready(Err(e.into()));
        }
        let queued = inner
            .session
            .stream_info(self.id)
            .map_or(0, |s| s.send_queued);
        if (queued == 0 && inner.output_idle) || inner.closed.is_some() {
            return Poll::Ready(Ok(()));
        }
        inner.output_idle = false;
        inner.flush_wakers.push(cx.waker().clone());
        inner.wake_driver();
        Poll::Pending
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if !self.shutdown {
            self.shutdown = true;
            if let Err(e) = self.finish() {
                return Poll::Ready(Err(e.into()));
            }
        }
        Poll::Ready(Ok(()))
    }
}
