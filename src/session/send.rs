//! Everything that leaves: producing frames in order (session control first, then
//! SYN_STREAMs in id order, then streams by priority), compressing header blocks at that
//! moment (compression order = wire order, S-42), and window updates, batched.

use alloc::vec::Vec;
use bytes::{BufMut, Bytes};

use super::stream::{flag, SendItem, Sendable};
use super::{Session, DEFAULT_WINDOW};
use crate::frame::{
    Data, Frame, Headers, Setting, SettingId, Settings, SynReply, SynStream, WindowUpdate,
};
use crate::session::stat_index;
use crate::time::Instant;

/// Most WINDOW_UPDATEs our DATA can have earned at once (see `Floods`).
const EARNED_WINDOW_UPDATES_CAP: u32 = 4096;

/// What one step of the transmit side produced.
enum Produced {
    /// A frame encoded into `scratch`.
    Encoded,
    /// A DATA frame: its 8-byte head and the payload, uncopied.
    Data([u8; 8], Bytes),
}

impl Session {
    /// Writes frames to send into `buf` until about `max` bytes were written (the last
    /// frame may cross `max`; a frame never splits). Returns the bytes written; 0 when
    /// there is nothing to send.
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut impl BufMut, max: usize) -> usize {
        self.prepare_transmit();
        let mut written = 0;
        while written < max {
            match self.produce(now) {
                None => break,
                Some(Produced::Encoded) => {
                    written += self.scratch.len();
                    buf.put_slice(&self.scratch);
                    self.scratch.clear();
                }
                Some(Produced::Data(head, payload)) => {
                    written += 8 + payload.len();
                    buf.put_slice(&head);
                    buf.put_slice(&payload);
                }
            }
        }
        if core::mem::take(&mut self.writable_dirty) {
            self.check_writable();
        }
        written
    }

    /// Like [`poll_transmit`](Self::poll_transmit), but appends the frames as `Bytes`
    /// chunks: DATA payloads are the application's own buffers, never copied (for
    /// vectored writes).
    pub fn poll_transmit_chunks(
        &mut self,
        now: Instant,
        out: &mut Vec<Bytes>,
        max: usize,
    ) -> usize {
        self.prepare_transmit();
        let mut written = 0;
        while written < max {
            match self.produce(now) {
                None => break,
                Some(Produced::Encoded) => {
                    written += self.scratch.len();
                    out.push(self.scratch.split().freeze());
                }
                Some(Produced::Data(head, payload)) => {
                    written += 8 + payload.len();
                    // Carve the 8-byte heads out of one shared block rather than allocating
                    // a buffer (and its shared header) for each frame.
                    if self.scratch.capacity() < head.len() {
                        self.scratch.reserve(4096);
                    }
                    self.scratch.put_slice(&head);
                    out.push(self.scratch.split().freeze());
                    if !payload.is_empty() {
                        out.push(payload);
                    }
                }
            }
        }
        if core::mem::take(&mut self.writable_dirty) {
            self.check_writable();
        }
        written
    }

    /// True while `poll_transmit` has something to write.
    pub fn has_pending_output(&self) -> bool {
        if self.transport_closed {
            return false;
        }
        let control = !self.urgent.is_empty()
            || !self.control.is_empty()
            || self.deferred_goaway.is_some()
            || self.session_update_pending
            || !self.window_updates.is_empty();
        control || (self.ended.is_none() && !self.sched.is_idle())
    }

    /// SETTINGS (ascending ids, S-63) and the session WINDOW_UPDATE that open a session.
    pub(super) fn queue_initial_settings(&mut self) {
        self.settings_sent = true;
        self.control.push_front(Frame::Settings(Settings {
            clear_settings: false,
            entries: alloc::vec![
                Setting::new(
                    SettingId::MAX_CONCURRENT_STREAMS,
                    self.config.max_concurrent_streams
                ),
                Setting::new(SettingId::INITIAL_WINDOW_SIZE, self.config.initial_window),
            ],
        }));
        if self.session_flow() && self.config.session_window > DEFAULT_WINDOW {
            let extra = self.config.session_window - DEFAULT_WINDOW;
            self.recv.available += i64::from(extra);
            self.recv.size = self.config.session_window;
            self.control.insert(
                1,
                Frame::WindowUpdate(WindowUpdate {
                    stream_id: 0,
                    delta: extra,
                }),
            );
        }
    }

    /// Turns due window credit into WINDOW_UPDATE frames, one per stream (batched).
    fn prepare_transmit(&mut self) {
        if !self.settings_sent && self.ended.is_none() && self.has_pending_output() {
            self.queue_initial_settings();
        }
        if self.session_update_pending {
            self.session_update_pending = false;
            if self.session_flow() && self.ended.is_none() {
                let delta = self
                    .recv
                    .take_update_growing(self.config.max_session_window);
                if delta > 0 {
                    self.control.push_back(Frame::WindowUpdate(WindowUpdate {
                        stream_id: 0,
                        delta,
                    }));
                }
            }
        }
        for id in core::mem::take(&mut self.window_updates) {
            let Some(s) = self.streams.get_mut(id) else {
                continue;
            };
            s.clear(flag::UPDATE_PENDING);
            if s.has(flag::REMOTE_CLOSED) || self.ended.is_some() {
                continue;
            }
            let delta = s.recv.take_update_growing(self.config.max_stream_window);
            if delta > 0 {
                self.control.push_back(Frame::WindowUpdate(WindowUpdate {
                    stream_id: id,
                    delta,
                }));
            }
        }
    }

    /// Produces the next frame, or `None` when there is nothing to send.
    fn produce(&mut self, now: Instant) -> Option<Produced> {
        if self.transport_closed {
            return None;
        }
        if let Some(f) = self.urgent.pop_front().or_else(|| self.control.pop_front()) {
            return Some(self.encode_control(f, now));
        }
        if self.ended.is_some() {
            return None;
        }
        while let Some(id) = self.sched.syn.pop_front() {
            if let Some(p) = self.produce_syn(id, now) {
                return Some(p);
            }
        }
        while let Some(id) = self.sched.pop() {
            if let Some(p) = self.produce_stream_frame(id, now) {
                return Some(p);
            }
        }
        if let Some(goaway) = self.deferred_goaway.take() {
            return Some(self.encode_control(Frame::GoAway(goaway), now));
        }
        None
    }

    fn encode_control(&mut self, f: Frame, now: Instant) -> Produced {
        self.stats.frames_sent[stat_index(&f)] += 1;
        self.last_activity = now;
        f.encode(&mut self.scratch)
            .expect("control frames always fit");
        Produced::Encoded
    }

    fn produce_syn(&mut self, id: u32, now: Instant) -> Option<Produced> {
        let s = self.streams.get_mut(id)?;
        let Some(SendItem::Syn { .. }) = s.send_queue.front() else {
            return None;
        };
        let Some(SendItem::Syn {
            headers,
            fin,
            unidirectional,
            associated_stream_id,
        }) = s.send_queue.pop_front()
        else {
            unreachable!("checked above")
        };
        s.set(flag::SYN_SENT);
        if s.send_queue.is_empty() {
            s.send_queue.shrink_to_fit(); // an idle open stream keeps no queue buffer
        }
        let priority = s.priority;
        self.block.clear();
        self.deflater.encode_validated(&headers, &mut self.block);
        let frame = SynStream {
            stream_id: id,
            associated_stream_id,
            priority,
            slot: 0,
            fin,
            unidirectional,
            header_block: Bytes::new(),
        };
        self.encode_with_block(Frame::SynStream(frame), now);
        if fin {
            self.local_closed(id);
        }
        self.schedule(id);
        Some(Produced::Encoded)
    }

    /// Encodes a header-carrying frame whose block is in `self.block`.
    fn encode_with_block(&mut self, mut f: Frame, now: Instant) {
        let block = Bytes::copy_from_slice(&self.block);
        match &mut f {
            Frame::SynStream(s) => s.header_block = block,
            Frame::SynReply(s) => s.header_block = block,
            Frame::Headers(s) => s.header_block = block,
            _ => unreachable!("only header frames carry blocks"),
        }
        self.stats.frames_sent[stat_index(&f)] += 1;
        self.last_activity = now;
        f.encode(&mut self.scratch)
            .expect("header blocks are far below 16 MiB");
    }

    fn produce_stream_frame(&mut self, id: u32, now: Instant) -> Option<Produced> {
        let enforce = self.flow_enforced();
        let session_window = if self.session_flow() {
            self.send_window
        } else {
            i64::MAX
        };
        let max_frame = if self.sched.is_idle() {
            self.config
                .max_data_frame_alone
                .max(self.config.max_data_frame)
        } else {
            self.config.max_data_frame
        }
        .max(1);
        let s = self.streams.get_mut(id)?;
        if !s.has(flag::QUEUED) {
            return None; // a stale entry: the stream was served or blocked meanwhile
        }
        s.clear(flag::QUEUED);
        match s.head_sendable(session_window, enforce) {
            Sendable::Yes => {}
            Sendable::SessionBlocked => {
                s.set(flag::QUEUED);
                self.sched.session_blocked.push(id);
                return None;
            }
            Sendable::Nothing | Sendable::StreamBlocked => return None,
        }
        let (frame, fin) = match s.send_queue.pop_front().expect("a sendable head") {
            SendItem::Reply { headers, fin } => (Some((headers, true)), fin),
            SendItem::Headers { headers, fin } => (Some((headers, false)), fin),
            SendItem::Data { mut data, fin } => {
                let mut n = data.len().min(max_frame);
                if enforce && n > 0 {
                    n = n.min(s.send_window as usize).min(session_window as usize);
                }
                let chunk = data.split_to(n);
                let last = data.is_empty();
                if !last {
                    s.send_queue.push_front(SendItem::Data { data, fin });
                }
                s.send_window -= n as i64;
                s.send_queued -= n;
                if n > 0 {
                    s.set(flag::DATA_SENT);
                }
                self.send_queued -= n;
                if self.session_flow() {
                    self.send_window -= n as i64;
                }
                let fin = fin && last;
                let head = Data::head_bytes(id, fin, n).expect("chunks are at most 16 MiB");
                self.stats.frames_sent[0] += 1;
                self.stats.data_sent += n as u64;
                self.floods.earned_window_updates =
                    (self.floods.earned_window_updates + 2).min(EARNED_WINDOW_UPDATES_CAP);
                self.last_activity = now;
                self.after_stream_frame(id, fin);
                return Some(Produced::Data(head, chunk));
            }
            SendItem::Syn { .. } => unreachable!("SYN_STREAMs leave through the syn queue"),
        };
        if s.send_queue.is_empty() {
            s.send_queue.shrink_to_fit(); // an idle open stream keeps no queue buffer
        }
        let (headers, is_reply) = frame.expect("a header item");
        self.block.clear();
        self.deflater.encode_validated(&headers, &mut self.block);
        let frame = if is_reply {
            Frame::SynReply(SynReply {
                stream_id: id,
                fin,
                header_block: Bytes::new(),
            })
        } else {
            Frame::Headers(Headers {
                stream_id: id,
                fin,
                header_block: Bytes::new(),
            })
        };
        self.encode_with_block(frame, now);
        self.after_stream_frame(id, fin);
        Some(Produced::Encoded)
    }

    /// Bookkeeping after a stream's frame went out: FIN closes our half, the stream goes
    /// back in line if it has more, and waiting writers hear about freed capacity.
    fn after_stream_frame(&mut self, id: u32, fin: bool) {
        if fin {
            self.local_closed(id);
        }
        self.schedule(id);
        // Capacity freed by this frame is announced once per transmit call, not per frame.
        self.writable_dirty |= !self.writable_waiters.is_empty();
    }

    /// Our half of `id` is finished on the wire.
    pub(super) fn local_closed(&mut self, id: u32) {
        if let Some(s) = self.streams.get_mut(id) {
            s.set(flag::LOCAL_DONE | flag::LOCAL_CLOSED);
            if s.wire_closed() {
                let local = self.is_local_id(id);
                self.streams.deactivate(id, local);
                self.notify_can_open();
            }
        }
        self.maybe_remove(id);
    }

    /// Puts a stream in line to send if its next frame can go.
    pub(super) fn schedule(&mut self, id: u32) {
        let enforce = self.flow_enforced();
        let session_window = if self.session_flow() {
            self.send_window
        } else {
            i64::MAX
        };
        let local = self.is_local_id(id);
        let Some(s) = self.streams.get_mut(id) else {
            return;
        };
        if s.has(flag::QUEUED) || (local && !s.has(flag::SYN_SENT)) {
            return;
        }
        match s.head_sendable(session_window, enforce) {
            Sendable::Yes => {
                s.set(flag::QUEUED);
                self.sched.push(s.priority, id);
            }
            Sendable::SessionBlocked => {
                s.set(flag::QUEUED);
                self.sched.session_blocked.push(id);
            }
            Sendable::Nothing | Sendable::StreamBlocked => {}
        }
    }

    /// The session window opened: streams waiting for it go back in line.
    pub(super) fn unblock_session(&mut self) {
        for id in core::mem::take(&mut self.sched.session_blocked) {
            if let Some(s) = self.streams.get_mut(id) {
                s.clear(flag::QUEUED);
            }
            self.schedule(id);
        }
        self.check_writable();
    }

    /// Stream windows grew (SETTINGS): every stream may be able to send again.
    pub(super) fn reschedule_all(&mut self) {
        let ids: Vec<u32> = self.streams.ids().collect();
        for id in ids {
            self.schedule(id);
        }
        self.check_writable();
    }

    /// Marks a stream's WINDOW_UPDATE as due at the next transmit.
    pub(super) fn schedule_stream_update(&mut self, id: u32) {
        if let Some(s) = self.streams.get_mut(id) {
            if !s.has(flag::UPDATE_PENDING) {
                s.set(flag::UPDATE_PENDING);
                self.window_updates.push(id);
            }
        }
    }

    /// Emits `Writable` for waiting streams that have capacity again.
    pub(super) fn check_writable(&mut self) {
        let mut i = 0;
        while i < self.writable_waiters.len() {
            let id = self.writable_waiters[i];
            let alive = self
                .streams
                .get(id)
                .is_some_and(|s| s.has(flag::WANTS_WRITABLE) && !s.has(flag::LOCAL_DONE));
            if !alive {
                self.writable_waiters.swap_remove(i);
            } else if self.send_capacity(id) > 0 {
                self.writable_waiters.swap_remove(i);
                if let Some(s) = self.streams.get_mut(id) {
                    s.clear(flag::WANTS_WRITABLE);
                }
                self.events
                    .push_back(super::Event::Writable { stream_id: id });
            } else {
                i += 1;
            }
        }
    }
}
