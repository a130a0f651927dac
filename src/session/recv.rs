//! Everything that arrives: decoding input and applying each frame's rules
//! (SPDY31.md §8–§13, the receive side of S-9 … S-84).

use alloc::vec::Vec;
use bytes::{Bytes, BytesMut};

use super::event::{Event, Initiator, RemoteSettings, SessionError, SessionErrorKind, StreamError};
use super::flow::{grow_send_window, MAX_WINDOW};
use super::stream::{flag, Stream};
use super::{held_blocks, stat_index, CommandError, Role, Session, DATA_STAT};
use crate::frame::{
    Data, DecodeError, Frame, GoAway, GoAwayStatus, Headers, Ping, RstStatus, RstStream, SettingId,
    Settings, SynReply, SynStream, WindowUpdate,
};
use crate::header_block::{HeaderError, HeaderList};
use crate::http;
use crate::time::Instant;
use crate::Reaction;

impl Session {
    /// Takes bytes received from the peer and processes every complete frame in them.
    /// Then follow the call protocol (module docs).
    pub fn handle_bytes(&mut self, data: &[u8], now: Instant) {
        if self.ended.is_some() {
            return;
        }
        // Payloads are slices of this buffer, so it cannot be reused while the application
        // holds them: grow it in large steps, not once per small chunk.
        if self.input.capacity() - self.input.len() < data.len() {
            self.input.reserve(data.len().max(16 * 1024));
        }
        self.input.extend_from_slice(data);
        self.process_input(now);
    }

    /// The input buffer, for adapters that read from the socket straight into it; call
    /// [`handle_input`](Self::handle_input) afterwards.
    pub fn input_buffer(&mut self) -> &mut BytesMut {
        &mut self.input
    }

    /// Processes what was read into [`input_buffer`](Self::input_buffer).
    pub fn handle_input(&mut self, now: Instant) {
        if self.ended.is_none() {
            self.process_input(now);
        }
    }

    /// How many more bytes [`handle_input`](Self::handle_input) needs in the input buffer to
    /// make progress (at least 1): the rest of a frame head, of a control frame or of a
    /// DATA piece. With [`expected_payload`](Self::expected_payload) it lets an adapter copy
    /// only frame heads and control frames into the input and hand DATA payloads over apart.
    pub fn input_wanted(&self) -> usize {
        self.decoder.wanted(&self.input)
    }

    /// The DATA payload that [`handle_payload`](Self::handle_payload) may take now: the rest
    /// of the DATA frame under way once its head is decoded, after whatever of it is in the
    /// input buffer.
    pub fn expected_payload(&self) -> Option<ExpectedPayload> {
        if self.ended.is_some() {
            return None;
        }
        // In a DATA payload the input holds only a prefix of it, shorter than a piece
        // (the decoder took any more).
        let remaining = self
            .decoder
            .payload_remaining()
            .checked_sub(self.input.len())
            .filter(|&n| n > 0)?;
        let frame_len = match self.decoder.last_head() {
            Some((_, head)) => head.length as usize,
            None => remaining,
        };
        Some(ExpectedPayload {
            remaining,
            frame_len: frame_len.max(remaining),
        })
    }

    /// Takes the next bytes of the DATA payload under way from outside the input buffer (at
    /// most [`expected_payload`](Self::expected_payload)), after any of it the input holds.
    /// They are buffered for reading as given, never copied or read, so an adapter that
    /// keeps received bytes in its own memory may pass a stand-in of the same length and
    /// map what [`read`](Self::read) returns back to its bytes. Returns the stream whose
    /// reads will return them, or `None` when they were discarded as the spec says
    /// (unknown or reset stream, flow-control error, …: the same reaction as for bytes
    /// given as input). `NotAllowed` (nothing taken) when no payload is expected, `payload`
    /// is empty or longer than expected; `SessionClosed` (`payload` not taken) when the
    /// session has ended, or ended on the buffered start of the payload.
    pub fn handle_payload(
        &mut self,
        payload: Bytes,
        now: Instant,
    ) -> Result<Option<u32>, CommandError> {
        if self.ended.is_some() {
            return Err(CommandError::SessionClosed);
        }
        if payload.is_empty() || payload.len() > self.expected_payload().map_or(0, |e| e.remaining)
        {
            return Err(CommandError::NotAllowed);
        }
        if !self.input.is_empty() {
            // The buffered start of this payload goes first, as a piece of its own.
            let prefix = self.input.split().freeze();
            if let Some(data) = self.decoder.decode_payload(prefix) {
                self.on_payload_piece(data, Keep::Sliced, now);
            }
            if self.ended.is_some() {
                return Err(CommandError::SessionClosed); // `payload` not taken
            }
        }
        let data = self
            .decoder
            .decode_payload(payload)
            .ok_or(CommandError::NotAllowed)?;
        let kept = self.on_payload_piece(data, Keep::AsGiven, now);
        self.note_mid_frame(true, now);
        Ok(kept)
    }

    /// A piece of a DATA payload taken by `handle_payload`.
    fn on_payload_piece(&mut self, data: Data, keep: Keep, now: Instant) -> Option<u32> {
        self.stats.frames_received[DATA_STAT] += 1;
        self.note_frame(now);
        self.on_data(data, now, keep)
    }

    /// The transport ended (EOF or error). Every open stream is told; the session is over.
    pub fn handle_eof(&mut self, now: Instant) {
        let _ = now;
        let already_ended = self.ended.is_some();
        self.transport_closed = true;
        self.input.clear(); // a partial frame can never complete now
        if !already_ended {
            // After a GOAWAY, with every stream finished on the wire (only unread data left),
            // the transport closing is the expected end, not a lost connection: spdystream
            // closes the socket right behind its last frames (KUBERNETES.md §3).
            let wire_done = self.streams.active_local == 0 && self.streams.active_remote == 0;
            let (initiator, kind) = if wire_done && self.draining_since.is_some() {
                (Initiator::Local, SessionErrorKind::Closed)
            } else if wire_done && self.goaway_received.is_some() {
                (Initiator::Remote, SessionErrorKind::GoAway)
            } else {
                (Initiator::Remote, SessionErrorKind::ConnectionLost)
            };
            self.end(SessionError {
                status: GoAwayStatus::OK,
                initiator,
                kind,
            });
        }
    }

    fn process_input(&mut self, now: Instant) {
        let mut progressed = false;
        while self.ended.is_none() {
            match self.decoder.decode(&mut self.input) {
                Ok(Some(frame)) => {
                    progressed = true;
                    self.on_frame(frame, now);
                }
                Ok(None) => break,
                Err(e) => {
                    progressed = true;
                    self.on_decode_error(e, now);
                }
            }
        }
        self.note_mid_frame(progressed, now);
    }

    /// Starts, restarts or stops the frame-completion clock after input was processed.
    fn note_mid_frame(&mut self, progressed: bool, now: Instant) {
        if self.decoder.is_mid_frame(self.input.len()) {
            if progressed || self.mid_frame_since.is_none() {
                self.mid_frame_since = Some(now);
            }
        } else {
            self.mid_frame_since = None;
        }
    }

    fn on_decode_error(&mut self, e: DecodeError, now: Instant) {
        self.note_frame(now);
        match e.reaction() {
            Reaction::CloseSession(_) => self.protocol_error(e.rule()),
            Reaction::ResetStream { stream_id, status } => {
                if let DecodeError::DataFrameTooLarge { length, .. } = e {
                    // The skipped payload still counts against the session window (S-58).
                    if !self.count_session_data(length as usize) {
                        return;
                    }
                    self.credit_session(length as usize);
                }
                self.stream_error(stream_id, status);
            }
        }
    }

    fn note_frame(&mut self, now: Instant) {
        self.last_recv = now;
        self.last_activity = now;
        if !self.got_first_frame {
            self.got_first_frame = true;
            if !self.settings_sent {
                self.queue_initial_settings();
            }
        }
    }

    fn on_frame(&mut self, frame: Frame, now: Instant) {
        self.stats.frames_received[stat_index(&frame)] += 1;
        self.note_frame(now);
        match frame {
            Frame::Data(f) => {
                self.on_data(f, now, Keep::Sliced);
            }
            Frame::SynStream(f) => self.on_syn_stream(f),
            Frame::SynReply(f) => self.on_syn_reply(f),
            Frame::Headers(f) => self.on_headers(f),
            Frame::RstStream(f) => self.on_rst_stream(f, now),
            Frame::Settings(f) => self.on_settings(f, now),
            Frame::Ping(f) => self.on_ping(f, now),
            Frame::GoAway(f) => self.on_goaway(f),
            Frame::WindowUpdate(f) => self.on_window_update(f, now),
            Frame::Unknown(_) => {
                if self.floods.unknown.hit(self.config.floods.unknown, now) {
                    self.flood("unknown frame");
                }
            }
        }
    }

    /// Counts DATA against the session receive window; false (session ended) on overrun.
    fn count_session_data(&mut self, len: usize) -> bool {
        if self.session_flow() && !self.recv.receive(len) {
            self.end(SessionError {
                status: GoAwayStatus::PROTOCOL_ERROR,
                initiator: Initiator::Library,
                kind: SessionErrorKind::FlowControl,
            });
            return false;
        }
        // Data for streams nobody reads may leave the peer less than we owe it.
        if self.session_flow() {
            self.session_update_pending |= self.recv.session_update_due();
        }
        true
    }

    /// A DATA frame or piece; returns the stream when its payload was buffered for reading.
    fn on_data(&mut self, d: Data, now: Instant, keep: Keep) -> Option<u32> {
        let len = d.payload.len();
        self.stats.data_received += len as u64;
        if len == 0
            && !d.fin
            && self
                .floods
                .empty_data
                .hit(self.config.floods.empty_data, now)
        {
            self.flood("empty DATA");
            return None;
        }
        if !self.count_session_data(len) {
            return None;
        }
        let id = d.stream_id;
        let local = self.is_local_id(id);
        let enforce = self.flow_enforced();
        // Data sent against a larger window we advertised before is not the peer's fault.
        let slack = i64::from(
            self.max_advertised_window - self.config.initial_window.min(self.max_advertised_window),
        );
        let Some(s) = self.streams.get_mut(id) else {
            self.credit_session(len);
            self.on_data_for_unknown_stream(id);
            return None;
        };
        if s.has(flag::RESET) {
            // The peer reset it and its unread data is kept for the application: this frame
            // was in flight. Counted and returned (S-58), otherwise ignored (S-26).
            self.credit_session(len);
            return None;
        }
        let error = if s.has(flag::REMOTE_CLOSED) {
            Some(RstStatus::STREAM_ALREADY_CLOSED) // S-22
        } else if local && !s.has(flag::REPLIED) {
            Some(RstStatus::PROTOCOL_ERROR) // S-21
        } else if enforce && !s.recv.receive(len) && s.recv.available + slack < 0 {
            Some(RstStatus::FLOW_CONTROL_ERROR) // S-59
        } else {
            None
        };
        if let Some(status) = error {
            self.credit_session(len);
            self.stream_error(id, status);
            return None;
        }
        let mut kept = None;
        if s.has(flag::DISCARD) {
            s.recv.consume(len);
            if s.recv.update_due() {
                self.schedule_stream_update(id);
            }
            self.credit_session(len);
        } else if len > 0 {
            match keep {
                Keep::Sliced => {
                    let block = held_blocks::block_key(&self.input);
                    s.recv_buf.push(
                        d.payload,
                        block,
                        &mut self.held,
                        self.config.max_held_blocks,
                    );
                }
                Keep::AsGiven => s.recv_buf.push_as_given(d.payload),
            }
            self.unread += len;
            kept = Some(id);
        }
        if d.fin {
            self.remote_closed(id);
        }
        self.signal_readable(id);
        kept
    }

    fn on_data_for_unknown_stream(&mut self, id: u32) {
        if self.streams.recently_ended(id) {
            return; // in flight when we reset or closed it
        }
        if self.is_idle_id(id) {
            if !self.goaway_sent {
                self.stream_error(id, RstStatus::INVALID_STREAM); // S-20, S-77
            }
        } else {
            self.stream_error(id, RstStatus::PROTOCOL_ERROR); // S-23
        }
    }

    /// An id neither side has used yet.
    fn is_idle_id(&self, id: u32) -> bool {
        if self.is_local_id(id) {
            u64::from(id) >= self.next_stream_id
        } else {
            id > self.last_peer_stream_id
        }
    }

    /// Inflates a received block (always, S-33); a lost context ends the session.
    fn inflate(&mut self, block: &Bytes) -> Option<Result<HeaderList, HeaderError>> {
        match self.inflater.decode(block, &self.config.header_limits) {
            Err(e) if e.reaction(0).is_session_error() => {
                self.protocol_error(e.rule());
                None
            }
            other => Some(other),
        }
    }

    fn on_syn_stream(&mut self, f: SynStream) {
        let Some(headers) = self.inflate(&f.header_block) else {
            return;
        };
        if self.goaway_sent {
            return; // S-74: ignored, no reply
        }
        let id = f.stream_id;
        if self.is_local_id(id) {
            return self.protocol_error("S-17");
        }
        if id <= self.last_peer_stream_id {
            // A live id reused: S-16. A stream the peer itself reset (kept here only for
            // its unread data) is not live for it: its id going round again is S-15.
            if self.streams.get(id).is_some_and(|s| !s.has(flag::RESET)) {
                return self.stream_error(id, RstStatus::PROTOCOL_ERROR); // S-16
            }
            return self.protocol_error("S-15");
        }
        self.last_peer_stream_id = id;
        let push = self.role == Role::Client;
        if push {
            if f.associated_stream_id == 0 {
                return self.protocol_error("S-79");
            }
            if !self.config.accept_push {
                return self.refuse(id);
            }
            let associated_open = self.streams.get(f.associated_stream_id).is_some_and(|a| {
                self.is_local_id(f.associated_stream_id) && !a.has(flag::REMOTE_CLOSED)
            });
            if !associated_open {
                return self.stream_error(id, RstStatus::PROTOCOL_ERROR); // S-81
            }
        } else if f.associated_stream_id != 0 {
            return self.stream_error(id, RstStatus::PROTOCOL_ERROR);
        }
        let headers = match headers {
            Ok(h) => h,
            Err(e) => return self.header_error(id, e),
        };
        if push && self.config.http && http::missing_push_headers(&headers).is_some() {
            return self.stream_error(id, RstStatus::PROTOCOL_ERROR); // S-80
        }
        if self.streams.active_remote >= self.config.max_concurrent_streams as usize {
            return self.refuse(id); // S-67
        }
        let mut s = Stream::new(
            f.priority,
            i64::from(self.peer_initial_window),
            self.config.initial_window,
        );
        if f.fin {
            // The event carries the end of the stream: nothing is left to read.
            s.set(flag::REMOTE_CLOSED | flag::FIN_READ);
        }
        // spdy-transport sends pushes without UNIDIRECTIONAL: a push is one-way anyway.
        let unidirectional = f.unidirectional || push;
        if unidirectional {
            s.set(flag::LOCAL_DONE | flag::LOCAL_CLOSED);
        }
        if push {
            s.set(flag::PUSH);
            s.associated = f.associated_stream_id;
            s.push_names = Some(
                headers
                    .iter()
                    .map(|(n, _)| Bytes::copy_from_slice(n))
                    .collect(),
            );
        }
        self.streams.insert(id, s, false);
        self.last_good_peer_stream_id = id;
        if s_wire_closed(self, id) {
            self.streams.deactivate(id, false);
        }
        if self.role == Role::Server
            && self.config.http
            && http::missing_request_headers(&headers).is_some()
        {
            // S-85: answer 400 ourselves; the application never sees the stream.
            return self.reject_request(id);
        }
        self.events.push_back(Event::StreamOpened {
            stream_id: id,
            headers,
            fin: f.fin,
            unidirectional,
            associated_stream_id: f.associated_stream_id,
            priority: f.priority,
        });
        self.maybe_remove(id);
    }

    fn on_syn_reply(&mut self, f: SynReply) {
        let Some(headers) = self.inflate(&f.header_block) else {
            return;
        };
        let id = f.stream_id;
        let local = self.is_local_id(id);
        let Some(s) = self.streams.get_mut(id) else {
            return self.on_headers_for_unknown_stream(id);
        };
        if s.has(flag::RESET) {
            return; // in flight when the peer reset it (S-26)
        }
        let error = if !local || s.has(flag::PUSH) {
            Some(RstStatus::PROTOCOL_ERROR) // a reply to the peer's own stream, S-84
        } else if s.has(flag::REPLIED) {
            Some(RstStatus::STREAM_IN_USE) // S-24
        } else if s.has(flag::REMOTE_CLOSED) {
            Some(RstStatus::STREAM_ALREADY_CLOSED) // S-22
        } else {
            None
        };
        if let Some(status) = error {
            return self.stream_error(id, status);
        }
        let headers = match headers {
            Ok(h) => h,
            Err(e) => return self.header_error(id, e),
        };
        if self.config.http && http::missing_response_headers(&headers).is_some() {
            return self.stream_error(id, RstStatus::PROTOCOL_ERROR); // S-87
        }
        s.set(flag::REPLIED);
        self.events.push_back(Event::Reply {
            stream_id: id,
            headers,
            fin: f.fin,
        });
        // DATA queued before the reply arrived may now flow (nothing waits on replies for
        // sending, but a reply may complete the stream).
        if f.fin {
            self.fin_by_headers(id);
        }
    }

    fn on_headers(&mut self, f: Headers) {
        let Some(headers) = self.inflate(&f.header_block) else {
            return;
        };
        let id = f.stream_id;
        let Some(s) = self.streams.get_mut(id) else {
            return self.on_headers_for_unknown_stream(id);
        };
        if s.has(flag::RESET) {
            return; // in flight when the peer reset it (S-26), like DATA above
        }
        if s.has(flag::REMOTE_CLOSED) {
            return self.stream_error(id, RstStatus::STREAM_ALREADY_CLOSED); // S-22
        }
        let headers = match headers {
            Ok(h) => h,
            Err(e) => return self.header_error(id, e),
        };
        if let Some(names) = s.push_names.as_mut() {
            // S-83: no URL headers and no repeated names on a pushed stream.
            let bad = headers.iter().any(|(n, _)| {
                matches!(n, b":host" | b":scheme" | b":path") || names.iter().any(|m| &m[..] == n)
            });
            if bad {
                return self.stream_error(id, RstStatus::PROTOCOL_ERROR);
            }
            names.extend(headers.iter().map(|(n, _)| Bytes::copy_from_slice(n)));
        }
        if !s.has(flag::DISCARD) {
            self.events.push_back(Event::Headers {
                stream_id: id,
                headers,
                fin: f.fin,
            });
        }
        if f.fin {
            self.fin_by_headers(id);
        }
    }

    fn on_headers_for_unknown_stream(&mut self, id: u32) {
        if self.streams.recently_ended(id) {
            return;
        }
        let status = if self.is_idle_id(id) {
            RstStatus::INVALID_STREAM
        } else {
            RstStatus::PROTOCOL_ERROR
        };
        self.stream_error(id, status);
    }

    fn on_rst_stream(&mut self, f: RstStream, now: Instant) {
        self.stats.resets_received += 1;
        // Rapid Reset is opening streams and resetting them before they yield anything;
        // a reader that cancels a stream it received data on (a player seeking through
        // Range requests) paid for that data and is not counted.
        let served = self
            .streams
            .get(f.stream_id)
            .is_some_and(|s| s.has(flag::DATA_SENT));
        if !served && self.floods.reset.hit(self.config.floods.reset, now) {
            return self.flood("RST_STREAM");
        }
        let error = if f.status == RstStatus::REFUSED_STREAM {
            StreamError::Refused
        } else {
            StreamError::Reset {
                status: f.status,
                initiator: Initiator::Remote,
            }
        };
        // Never answered (S-25); unknown ids are ignored.
        if let Some(s) = self.streams.get(f.stream_id) {
            if s.has(flag::RESET) {
                return; // already reset, kept only for its unread data
            }
            if s.wire_closed() {
                // Both FINs have crossed: the stream is closed (SPDY31.md §8.2) and kept only
                // for unread data, which is a complete message. A reset now is a late
                // reaction, e.g. spdy-transport's INVALID_STREAM for a WINDOW_UPDATE that
                // crossed its FIN (it breaks S-60): ignore it, as for a closed stream.
            } else if !s.recv_buf.is_empty()
                && !s.has(flag::DISCARD)
                && error != StreamError::Refused
            {
                self.keep_reset_stream(f.stream_id, error);
            } else {
                self.drop_stream(f.stream_id, Some(error));
            }
            if self.role == Role::Server && f.status == RstStatus::CANCEL {
                self.cancel_pushes_of(f.stream_id); // S-82
            }
        }
    }

    fn on_settings(&mut self, f: Settings, now: Instant) {
        if self.floods.settings.hit(self.config.floods.settings, now) {
            return self.flood("SETTINGS");
        }
        let mut seen = 0u16;
        let mut out = RemoteSettings {
            max_concurrent_streams: None,
            initial_window_size: None,
            persist: Vec::new(),
            clear_persisted: self.role == Role::Client && f.clear_settings,
            entries: f.entries.clone(),
        };
        for e in &f.entries {
            if !(1..=8).contains(&e.id.0) || seen & (1 << e.id.0) != 0 {
                continue; // S-64 first wins, S-65 unknown ignored
            }
            seen |= 1 << e.id.0;
            match e.id {
                SettingId::MAX_CONCURRENT_STREAMS => out.max_concurrent_streams = Some(e.value),
                SettingId::INITIAL_WINDOW_SIZE => {
                    if i64::from(e.value) > MAX_WINDOW {
                        return self.protocol_error("S-61");
                    }
                    out.initial_window_size = Some(e.value);
                }
                _ => {}
            }
            // S-66: only a client keeps values, and never the initial window.
            if self.role == Role::Client
                && e.persist_value
                && e.id != SettingId::INITIAL_WINDOW_SIZE
            {
                out.persist.push(*e);
            }
        }
        if let Some(n) = out.max_concurrent_streams {
            self.peer_max_concurrent = Some(n);
            self.notify_can_open();
        }
        if let Some(v) = out.initial_window_size {
            // S-56: shift every stream's send window by the difference.
            let delta = i64::from(v) - i64::from(self.peer_initial_window);
            self.peer_initial_window = v;
            if delta != 0 {
                for s in self.streams.values_mut() {
                    s.send_window += delta;
                }
                if delta > 0 {
                    self.reschedule_all();
                }
            }
        }
        self.events.push_back(Event::Settings(out));
    }

    fn on_ping(&mut self, f: Ping, now: Instant) {
        let from_client = f.id % 2 == 1;
        let peer_parity = from_client == (self.role == Role::Server);
        if peer_parity {
            if self.floods.ping.hit(self.config.floods.ping, now) {
                return self.flood("PING");
            }
            self.urgent.push_back(Frame::Ping(f)); // S-70
        } else if let Some(i) = self.pings.iter().position(|(id, _)| *id == f.id) {
            let (_, sent) = self.pings.remove(i).expect("position is in range");
            self.events.push_back(Event::Pong {
                id: f.id,
                rtt: now.saturating_since(sent).as_millis(),
            });
        }
        // Otherwise our parity and not ours: ignored, never echoed (S-71).
    }

    fn on_goaway(&mut self, f: GoAway) {
        self.goaway_received = Some(f.last_good_stream_id);
        self.events.push_back(Event::GoAway {
            last_good_stream_id: f.last_good_stream_id,
            status: f.status,
        });
        // S-75: our streams above last-good were never processed.
        let refused: Vec<u32> = self
            .streams
            .ids()
            .filter(|&id| self.is_local_id(id) && id > f.last_good_stream_id)
            // A stream the peer reset already had its answer (and keeps its unread data).
            .filter(|&id| self.streams.get(id).is_some_and(|s| !s.has(flag::RESET)))
            .collect();
        for id in refused {
            self.drop_stream(id, Some(StreamError::Refused));
        }
        if self.streams.is_empty() {
            self.end(SessionError {
                status: f.status,
                initiator: Initiator::Remote,
                kind: SessionErrorKind::GoAway,
            });
        }
    }

    fn on_window_update(&mut self, f: WindowUpdate, now: Instant) {
        if self.floods.earned_window_updates > 0 {
            self.floods.earned_window_updates -= 1;
        } else if self
            .floods
            .window_update
            .hit(self.config.floods.window_update, now)
        {
            return self.flood("WINDOW_UPDATE");
        }
        if !self.flow_enforced() {
            return;
        }
        if f.stream_id == 0 {
            if !self.session_flow() {
                return;
            }
            if !grow_send_window(&mut self.send_window, f.delta) {
                return self.end(SessionError {
                    status: GoAwayStatus::PROTOCOL_ERROR,
                    initiator: Initiator::Library,
                    kind: SessionErrorKind::FlowControl,
                }); // S-55
            }
            self.unblock_session();
            return;
        }
        let Some(s) = self.streams.get_mut(f.stream_id) else {
            return; // S-60: closed or unknown
        };
        if s.has(flag::RESET) {
            return; // the peer reset it; kept only for its unread data (S-26)
        }
        if !grow_send_window(&mut s.send_window, f.delta) {
            return self.stream_error(f.stream_id, RstStatus::FLOW_CONTROL_ERROR);
            // S-55
        }
        self.schedule(f.stream_id);
        self.check_writable();
    }

    /// FIN on a SYN_REPLY or HEADERS: the event tells the application, so with nothing
    /// buffered there is nothing left to read; after buffered DATA, `read` gives `Fin`.
    fn fin_by_headers(&mut self, id: u32) {
        if let Some(s) = self.streams.get_mut(id) {
            if s.recv_buf.is_empty() {
                s.set(flag::FIN_READ);
            }
        }
        self.remote_closed(id);
        self.signal_readable(id);
    }

    /// The peer finished its half of `id`.
    fn remote_closed(&mut self, id: u32) {
        if let Some(s) = self.streams.get_mut(id) {
            s.set(flag::REMOTE_CLOSED);
            if s.wire_closed() {
                let local = self.is_local_id(id);
                self.streams.deactivate(id, local);
                self.notify_can_open();
            }
        }
        self.maybe_remove(id);
    }

    /// Emits `Readable` when the stream goes from nothing to read to something.
    pub(super) fn signal_readable(&mut self, id: u32) {
        if let Some(s) = self.streams.get_mut(id) {
            let something =
                !s.recv_buf.is_empty() || (s.has(flag::REMOTE_CLOSED) && !s.has(flag::FIN_READ));
            if something && !s.has(flag::READABLE_SENT) && !s.has(flag::DISCARD) {
                s.set(flag::READABLE_SENT);
                self.events.push_back(Event::Readable { stream_id: id });
            }
        }
    }

    fn header_error(&mut self, id: u32, e: HeaderError) {
        match e.reaction(id) {
            Reaction::ResetStream { status, .. } => self.stream_error(id, status),
            Reaction::CloseSession(_) => self.protocol_error(e.rule()),
        }
    }

    /// Refuses a new peer stream before any processing (S-29).
    fn refuse(&mut self, id: u32) {
        self.stream_error(id, RstStatus::REFUSED_STREAM);
    }

    /// Answers a request that breaks S-85 with 400 and ignores its body.
    fn reject_request(&mut self, id: u32) {
        let headers = http::response_headers(400);
        if let Some(s) = self.streams.get_mut(id) {
            s.set(flag::DISCARD | flag::FIN_READ);
            s.credit_unread_into(&mut self.recv, &mut self.held);
        }
        let _ = self.reply(id, headers, true);
        self.session_update_pending |= self.recv.update_due();
    }

    /// Ends the session for a protocol violation (GOAWAY PROTOCOL_ERROR, S-31).
    pub(super) fn protocol_error(&mut self, rule: &'static str) {
        self.end(SessionError {
            status: GoAwayStatus::PROTOCOL_ERROR,
            initiator: Initiator::Library,
            kind: SessionErrorKind::Protocol(rule),
        });
    }

    fn flood(&mut self, kind: &'static str) {
        self.end(SessionError {
            status: GoAwayStatus::PROTOCOL_ERROR,
            initiator: Initiator::Library,
            kind: SessionErrorKind::Flood(kind),
        });
    }
}

/// DATA payload bytes the session expects next ([`Session::expected_payload`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExpectedPayload {
    /// Bytes of the frame's payload still to come.
    pub remaining: usize,
    /// The whole payload length of the frame.
    pub frame_len: usize,
}

/// How a received DATA payload is buffered for reading.
#[derive(Clone, Copy)]
enum Keep {
    /// A slice of the input buffer: kept as a slice or copied, as the held-block limit allows.
    Sliced,
    /// Given apart from the input ([`Session::handle_payload`]): kept exactly as given.
    AsGiven,
}

fn s_wire_closed(session: &Session, id: u32) -> bool {
    session.streams.get(id).is_some_and(Stream::wire_closed)
}

impl Stream {
    /// Returns unread bytes to a session window as consumed (the stream will never be read)
    /// and drops them, releasing the input blocks they pinned.
    pub(super) fn credit_unread_into(
        &mut self,
        session: &mut super::flow::RecvWindow,
        held: &mut super::held_blocks::HeldBlocks,
    ) {
        session.consume(self.recv_buf.len());
        self.recv_buf.clear(held);
    }
}
