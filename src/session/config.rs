//! Session configuration: protocol options, limits and timers, each with a documented
//! default and, for limits, the attack it stops (DESIGN rule 8).

use crate::frame::DecoderConfig;
use crate::header_block::{CompressionOptions, Limits};
use crate::time::Duration;

/// How flow control is run (SPDY31.md §10, §2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowControl {
    /// SPDY/3.1: stream windows and a session window (the default).
    Spdy31,
    /// SPDY/3: stream windows only; no WINDOW_UPDATE for stream 0 is sent and no session
    /// window is enforced (S-90).
    Spdy3,
    /// For peers that neither send nor honour WINDOW_UPDATE (moby/spdystream, used by
    /// Kubernetes): received data beyond a window is tolerated and our sending is not
    /// throttled by windows. Memory stays bounded because the session stops asking for
    /// input ([`Session::wants_input`](super::Session::wants_input)) while too much is
    /// buffered, so TCP pushes back instead.
    Lenient,
}

/// A rate limit: at most `max` events per `per`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    /// Events allowed in one interval.
    pub max: u32,
    /// The interval.
    pub per: Duration,
}

impl Rate {
    /// `max` events per `per`.
    pub const fn new(max: u32, per: Duration) -> Rate {
        Rate { max, per }
    }
}

/// Flood limits on what a peer may make us do. Exceeding one ends the session with GOAWAY
/// PROTOCOL_ERROR. Each bounds work a peer can cause without opening flow-controlled data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FloodLimits {
    /// PINGs from the peer (each costs an echo). Default 100 per 10 s.
    pub ping: Rate,
    /// SETTINGS frames (each may touch every stream). Default 100 per 10 s.
    pub settings: Rate,
    /// RST_STREAMs from the peer of streams we sent no data on: open-then-reset churn
    /// (HTTP/2 "Rapid Reset"), where each reset stream cost us a stream setup and gave the
    /// peer nothing. Cancelling a stream after receiving data from it (seeking with Range
    /// requests) is not counted. Default 1000 per 10 s.
    pub reset: Rate,
    /// Empty DATA frames without FIN (no progress, pure work). Default 1000 per 10 s.
    pub empty_data: Rate,
    /// WINDOW_UPDATE frames beyond those our DATA frames earned (two per frame sent, so a
    /// fast honest transfer never trips it). Default 10 000 per 10 s.
    pub window_update: Rate,
    /// Frames of unknown type (skipped, pure work). Default 100 per 10 s.
    pub unknown: Rate,
}

impl Default for FloodLimits {
    fn default() -> Self {
        let ten_s = Duration::from_secs(10);
        FloodLimits {
            ping: Rate::new(100, ten_s),
            settings: Rate::new(100, ten_s),
            reset: Rate::new(1000, ten_s),
            empty_data: Rate::new(1000, ten_s),
            window_update: Rate::new(10_000, ten_s),
            unknown: Rate::new(100, ten_s),
        }
    }
}

/// Timers, each off when `None`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// Close (GOAWAY OK) after this long with no open stream and no frame either way.
    /// Default 5 minutes.
    pub idle: Option<Duration>,
    /// Send a PING after this long without receiving anything. Default off.
    pub keepalive: Option<Duration>,
    /// A PING of ours unanswered this long ends the session. Default 30 s.
    pub ping: Option<Duration>,
    /// A stream we opened without SYN_REPLY this long is reset with CANCEL. Default off.
    pub reply: Option<Duration>,
    /// After our graceful GOAWAY, streams still open this long are reset and the session
    /// closes. Default 30 s.
    pub goaway_drain: Option<Duration>,
    /// The peer must send its first frame this soon after the session starts (an idle
    /// connection that never speaks). Default 30 s.
    pub first_frame: Option<Duration>,
    /// A frame once started must be complete this soon (a peer dribbling a frame byte by
    /// byte, "slowloris"). Default 30 s.
    pub frame_completion: Option<Duration>,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            idle: Some(Duration::from_secs(300)),
            keepalive: None,
            ping: Some(Duration::from_secs(30)),
            reply: None,
            goaway_drain: Some(Duration::from_secs(30)),
            first_frame: Some(Duration::from_secs(30)),
            frame_completion: Some(Duration::from_secs(30)),
        }
    }
}

/// Everything a [`Session`](super::Session) can be told at creation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Flow-control mode. Default [`FlowControl::Spdy31`].
    pub flow_control: FlowControl,
    /// The receive window we grant each stream (SETTINGS_INITIAL_WINDOW_SIZE). It bounds
    /// the unread data of a stream whose reader is not keeping up, and how much a peer
    /// sends before a reset of the stream reaches it. Default 64 KiB (SPDY's own default):
    /// a stream read briefly and cancelled (a `Range` request) costs little, and a reader
    /// that keeps up soon has a larger window (`max_stream_window`).
    pub initial_window: u32,
    /// How far a stream's receive window may grow beyond `initial_window` for a reader
    /// that keeps up with a long transfer (it grows fourfold each time the reader has
    /// consumed twice its size). It bounds the unread data one stream can hold;
    /// `initial_window` or less turns growth off. Default 16 MiB.
    pub max_stream_window: u32,
    /// The session receive window we grant at first (raised from 64 KiB with
    /// WINDOW_UPDATE(0) at start). With `max_session_window` it bounds the unread data of
    /// all streams together. Default 4 MiB.
    pub session_window: u32,
    /// How far the session window may grow beyond `session_window` for an application
    /// that keeps up (fourfold each time it has read twice the window; data dropped
    /// unread does not count), so that a fast transfer is not held up by the data in
    /// flight in the transport's buffers. It bounds
    /// the unread data of all streams together; `session_window` or less turns growth off.
    /// Default 16 MiB.
    pub max_session_window: u32,
    /// Most streams the peer may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS);
    /// more draw REFUSED_STREAM (S-67). Bounds per-session state. Default 256.
    pub max_concurrent_streams: u32,
    /// Largest DATA payload we send in one frame while other streams wait to send, so one
    /// stream cannot hold the connection for long. Default 16 KiB.
    pub max_data_frame: usize,
    /// Largest DATA payload we send in one frame while no other stream waits: a lone
    /// transfer then pays for a quarter of the frames (and of the work per frame on both
    /// ends). Default 64 KiB; never below `max_data_frame`.
    pub max_data_frame_alone: usize,
    /// Without a session window ([`FlowControl::Lenient`] and [`FlowControl::Spdy3`]),
    /// unread bytes above which the session stops asking for input. Default 4 MiB.
    pub max_buffered: usize,
    /// Most input blocks that received DATA payloads held unread as slices of them (zero
    /// copy) may keep alive, across the session; payloads of further blocks are copied until
    /// some are read. This bounds the memory that data nobody reads can pin to this many
    /// input blocks beside the data itself. Default 16 (4 MiB with the tokio driver's
    /// 256 KiB blocks).
    pub max_held_blocks: usize,
    /// Data an application may queue for sending beyond nothing: the most bytes accepted
    /// ahead of what has been written out, per session. Default 2 MiB.
    pub max_send_buffer: usize,
    /// The most of `max_send_buffer` one stream may hold, so one busy stream leaves room
    /// for the others and the priority scheduler has frames of several streams to choose
    /// from. Default 512 KiB: enough for a writer to refill while an adapter writes out a
    /// batch, so one stream can keep a fast socket busy.
    pub max_stream_send_buffer: usize,
    /// Limits on received header blocks.
    pub header_limits: Limits,
    /// Frame-size limits of the decoder.
    pub decoder: DecoderConfig,
    /// Compression of the header blocks we send.
    pub compression: CompressionOptions,
    /// Send SETTINGS (and the session WINDOW_UPDATE) as soon as the session starts.
    /// Turn off for a server behind an `Upgrade: SPDY/3.1` handshake that must stay silent
    /// until the client's first frame; they are then sent right after it. Default on.
    pub send_settings_at_start: bool,
    /// Apply the HTTP rules (S-80, S-85, S-87): a request without `:method`, `:path`,
    /// `:version`, `:host` and `:scheme` gets a 400 reply, a reply without `:status` and
    /// `:version` is reset, pushes need `:scheme`, `:host` and `:path`. Off for raw
    /// (Kubernetes-style) sessions. Default on.
    pub http: bool,
    /// Accept server pushes (client only); off refuses them with REFUSED_STREAM. Default on.
    pub accept_push: bool,
    /// Most PINGs of ours awaiting an echo; more are refused. Default 8.
    pub max_outstanding_pings: usize,
    /// Flood limits.
    pub floods: FloodLimits,
    /// Timers.
    pub timeouts: Timeouts,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            flow_control: FlowControl::Spdy31,
            initial_window: 64 * 1024,
            max_stream_window: 16 * 1024 * 1024,
            session_window: 4 * 1024 * 1024,
            max_session_window: 16 * 1024 * 1024,
            max_concurrent_streams: 256,
            max_data_frame: 16 * 1024,
            max_data_frame_alone: 64 * 1024,
            max_buffered: 4 * 1024 * 1024,
            max_held_blocks: 16,
            max_send_buffer: 2 * 1024 * 1024,
            max_stream_send_buffer: 512 * 1024,
            header_limits: Limits::default(),
            decoder: DecoderConfig::default(),
            compression: CompressionOptions::default(),
            send_settings_at_start: true,
            http: true,
            accept_push: true,
            max_outstanding_pings: 8,
            floods: FloodLimits::default(),
            timeouts: Timeouts::default(),
        }
    }
}

impl Config {
    /// The configuration for a session on a connection upgraded with `Upgrade: SPDY/3.1`
    /// (Kubernetes, moby/spdystream peers): raw streams without HTTP rules, lenient flow
    /// control, and — for the server — silence until the client's first frame.
    pub fn kubernetes() -> Config {
        Config {
            flow_control: FlowControl::Lenient,
            http: false,
            send_settings_at_start: false,
            ..Config::default()
        }
    }
}
