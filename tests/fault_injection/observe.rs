//! What a session sent and what it told its application, in the terms the checks use.

use bytes::BytesMut;
use spdy3::frame::{Decoder, DecoderConfig, Frame, GoAway, RstStatus, MAX_PAYLOAD_LEN};
use spdy3::header_block::{HeaderInflater, Limits};
use spdy3::session::{Event, Initiator, Role, StreamError};

/// Decodes what a session sent, inflating header blocks in order (one context).
pub fn decode_output(out: &[u8]) -> Result<Vec<Frame>, String> {
    let mut decoder = Decoder::new(DecoderConfig {
        data_piece: MAX_PAYLOAD_LEN,
        ..DecoderConfig::default()
    });
    let mut inflater = HeaderInflater::new();
    let mut input = BytesMut::from(out);
    let mut frames = Vec::new();
    loop {
        match decoder.decode(&mut input) {
            Ok(Some(frame)) => {
                if let Some(block) = frame.header_block() {
                    inflater
                        .decode(block, &Limits::default())
                        .map_err(|e| format!("sent a bad header block: {e}"))?;
                }
                frames.push(frame);
            }
            Ok(None) => break,
            Err(e) => return Err(format!("sent an invalid frame: {e}")),
        }
    }
    if !input.is_empty() {
        return Err(format!("sent a partial frame ({} bytes)", input.len()));
    }
    Ok(frames)
}

/// The RST_STREAMs among `frames`: stream and status.
pub fn rsts(frames: &[Frame]) -> Vec<(u32, RstStatus)> {
    frames
        .iter()
        .filter_map(|f| match f {
            Frame::RstStream(r) => Some((r.stream_id, r.status)),
            _ => None,
        })
        .collect()
}

/// The ids of the PINGs among `frames`.
pub fn pings(frames: &[Frame]) -> Vec<u32> {
    frames
        .iter()
        .filter_map(|f| match f {
            Frame::Ping(p) => Some(p.id),
            _ => None,
        })
        .collect()
}

/// The GOAWAYs among `frames`, with their positions.
pub fn goaways(frames: &[Frame]) -> Vec<(usize, GoAway)> {
    frames
        .iter()
        .enumerate()
        .filter_map(|(i, f)| match f {
            Frame::GoAway(g) => Some((i, *g)),
            _ => None,
        })
        .collect()
}

/// How many pongs for PING `id` the application was told of.
pub fn pongs(log: &[Event], id: u32) -> usize {
    log.iter()
        .filter(|e| matches!(e, Event::Pong { id: p, .. } if *p == id))
        .count()
}

/// The stream an event is about.
pub fn event_stream(e: &Event) -> Option<u32> {
    match e {
        Event::StreamOpened { stream_id, .. }
        | Event::Reply { stream_id, .. }
        | Event::Headers { stream_id, .. }
        | Event::Readable { stream_id }
        | Event::Writable { stream_id }
        | Event::StreamReset { stream_id, .. }
        | Event::StreamClosed { stream_id } => Some(*stream_id),
        _ => None,
    }
}

/// The errors stream `id` was told of.
pub fn stream_resets(log: &[Event], id: u32) -> Vec<StreamError> {
    log.iter()
        .filter_map(|e| match e {
            Event::StreamReset { stream_id, error } if *stream_id == id => Some(*error),
            _ => None,
        })
        .collect()
}

/// What a stream reset with CANCEL by `initiator` is told.
pub fn cancelled_by(initiator: Initiator) -> StreamError {
    StreamError::Reset {
        status: RstStatus::CANCEL,
        initiator,
    }
}

/// True for a stream id of the peer of `role` (S-13).
pub fn peer_parity(role: Role, id: u32) -> bool {
    (id % 2 == 1) == (role == Role::Server)
}
