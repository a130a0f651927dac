//! The bodies of the fuzz targets (`fuzz/`), here so that plain `cargo test` can replay
//! every saved crasher and corpus entry without a nightly toolchain. Each function takes the
//! fuzzer's bytes, exercises one layer, and panics only when an invariant breaks.

use alloc::vec::Vec;
use bytes::{Bytes, BytesMut};

use super::{EventLedger, RawPeer};
use crate::frame::{Decoder, DecoderConfig, Frame, MAX_PAYLOAD_LEN};
use crate::header_block::{
    CompressionOptions, Compressor, Decompressor, HeaderInflater, HeaderList, Limits, Strategy,
};
use crate::session::{Config, Event, OpenOptions, Read, Role, Session, MAX_WINDOW};
use crate::time::Instant;

/// Splits fuzzer bytes into (chunk sizes, payload): the first byte seeds the chunking.
fn chunks(data: &[u8]) -> (impl Iterator<Item = usize> + '_, &[u8]) {
    let (seed, rest) = data.split_first().map_or((1u8, data), |(s, r)| (*s, r));
    let step = usize::from(seed % 64) + 1;
    let sizes = rest
        .iter()
        .cycle()
        .map(move |b| 1 + usize::from(*b) % step)
        .chain(core::iter::repeat(step));
    (sizes, rest)
}

/// Frame decode: arbitrary bytes in arbitrary chunkings decode exactly as in one piece, and
/// whatever decodes re-encodes and decodes to the same frame.
pub fn frame_decode(data: &[u8]) {
    let (sizes, input) = chunks(data);
    let config = DecoderConfig {
        data_piece: MAX_PAYLOAD_LEN,
        max_control_payload: 4096,
        ..DecoderConfig::default()
    };
    let run = |sizes: &mut dyn Iterator<Item = usize>| {
        let mut d = Decoder::new(config);
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        let mut at = 0;
        while at < input.len() {
            let n = sizes.next().unwrap_or(1).clamp(1, input.len() - at);
            buf.extend_from_slice(&input[at..at + n]);
            at += n;
            loop {
                match d.decode(&mut buf) {
                    Ok(Some(f)) => out.push(Ok(f)),
                    Ok(None) => break,
                    Err(e) => {
                        out.push(Err(e));
                        if e.is_session_error() {
                            return out;
                        }
                    }
                }
            }
        }
        out
    };
    let mut sizes = sizes;
    let chunked = run(&mut sizes);
    let whole = run(&mut core::iter::once(input.len().max(1)));
    assert_eq!(chunked, whole, "chunking changed the result");
    for f in whole.into_iter().flatten() {
        if matches!(f, Frame::Unknown(_)) {
            continue;
        }
        let mut wire = Vec::new();
        f.encode(&mut wire).expect("a decoded frame re-encodes");
        let mut buf = BytesMut::from(&wire[..]);
        let again = Decoder::new(config).decode(&mut buf);
        assert_eq!(again, Ok(Some(f)), "re-encoding changed the frame");
        assert!(buf.is_empty());
    }
}

/// Header block: inflate and parse arbitrary blocks through one context under tight caps;
/// what parses re-encodes to a list that parses equal.
pub fn header_block(data: &[u8]) {
    let limits = Limits {
        max_block: 4096,
        max_inflated: 64 * 1024,
        max_pairs: 64,
    };
    let mut inflater = HeaderInflater::new();
    // Blocks come length-prefixed (2 bytes, big-endian), so one input holds several.
    let mut rest = data;
    while let [hi, lo, tail @ ..] = rest {
        let len = (usize::from(*hi) << 8 | usize::from(*lo)).min(tail.len());
        let (block, next) = tail.split_at(len);
        rest = next;
        match inflater.decode(block, &limits) {
            Ok(list) => {
                let mut nv = Vec::new();
                if list.encode_block(&mut nv).is_ok() {
                    let back =
                        HeaderList::parse(Bytes::from(nv), limits.max_pairs).expect("re-parses");
                    assert_eq!(back, list);
                }
            }
            Err(e) if e.reaction(1).is_session_error() => return,
            Err(_) => {}
        }
    }
}

/// Arbitrary blocks compressed through one context and inflated through another: the
/// first byte picks the level and strategy, then blocks come length-prefixed (2 bytes,
/// big-endian). Every block must come back exactly, with the sync flush at its end.
pub fn header_compress(data: &[u8]) {
    let Some((&pick, mut rest)) = data.split_first() else {
        return;
    };
    let strategy = [Strategy::Fixed, Strategy::Dynamic][usize::from(pick >> 7)];
    let mut compressor = Compressor::new(CompressionOptions {
        level: pick % 10,
        strategy,
    });
    let mut decompressor = Decompressor::new();
    let (mut wire, mut out) = (Vec::new(), Vec::new());
    while let [hi, lo, tail @ ..] = rest {
        let len = (usize::from(*hi) << 8 | usize::from(*lo)).min(tail.len());
        let (block, next) = tail.split_at(len);
        rest = next;
        wire.clear();
        out.clear();
        compressor.compress(block, &mut wire);
        assert!(wire.ends_with(&[0, 0, 0xff, 0xff]), "sync flush");
        let n = decompressor
            .decompress(&wire, &mut out, usize::MAX, usize::MAX)
            .expect("our own block inflates");
        assert_eq!(n, block.len());
        assert!(out == block, "round trip");
    }
}

/// A session fed arbitrary bytes (a client first sends requests), draining every output
/// after each input and checking invariants. The first byte's top bits choose the way in:
/// plain input, or DATA payloads kept apart (`feed_payloads_apart`) with 0, 64 or 1,024
/// bytes copied beyond what the decoder wants.
pub fn session(role: Role, data: &[u8]) {
    let apart = match data.first().map_or(0, |b| b >> 6) {
        0 => None,
        1 => Some(0),
        2 => Some(64),
        _ => Some(1024),
    };
    let now = Instant(0);
    let mut s = Session::new(role, Config::default(), now);
    let mut ledger = EventLedger::new(role);
    if role == Role::Client {
        for path in ["/", "/a"] {
            if let Ok(id) = s.open_stream(RawPeer::request(path), OpenOptions::default(), now) {
                ledger.opened_locally(id);
            }
        }
    }
    let (sizes, input) = chunks(data);
    let mut at = 0;
    let mut t = 0u64;
    let mut out = Vec::new();
    for n in sizes {
        if at >= input.len() {
            break;
        }
        let n = n.clamp(1, input.len() - at);
        t += 1;
        let now = Instant(t * 10);
        match apart {
            None => s.handle_bytes(&input[at..at + n], now),
            Some(greedy) => super::feed_payloads_apart(&mut s, &input[at..at + n], greedy, now),
        }
        at += n;
        play(&mut s, role, &mut ledger);
        if s.poll_timeout().is_some_and(|d| d <= now) {
            s.handle_timeout(now);
        }
        out.clear();
        while s.poll_transmit(now, &mut out, 1 << 16) > 0 {}
        check(&s);
    }
    s.handle_eof(Instant(t * 10 + 1));
    play(&mut s, role, &mut ledger);
    assert!(s.is_closed());
    read_to_the_end(&mut s, &mut ledger);
}

/// After the session ended: reads what streams still hold, so every stream leaves, and
/// checks that each was told.
fn read_to_the_end(s: &mut Session, ledger: &mut EventLedger) {
    for id in s.stream_ids() {
        while let Ok(Read::Data(_)) = s.read(id, usize::MAX) {}
    }
    while let Some(e) = s.poll_event() {
        ledger.observe(&e);
    }
    assert!(
        s.stream_ids().is_empty(),
        "streams left: {:?}",
        s.stream_ids()
    );
    assert_eq!(s.stats().held_blocks, 0);
    assert_eq!(s.stats().recv_buffered, 0);
    ledger.assert_all_ended();
}

/// The application side: reply to requests, read everything.
fn play(s: &mut Session, role: Role, ledger: &mut EventLedger) {
    while let Some(e) = s.poll_event() {
        ledger.observe(&e);
        match e {
            Event::StreamOpened {
                stream_id,
                unidirectional: false,
                ..
            } if role == Role::Server => {
                let _ = s.reply(stream_id, RawPeer::response(), false);
                let _ = s.send_data(stream_id, Bytes::from_static(b"hello"), true);
            }
            Event::Readable { stream_id } => {
                while let Ok(Read::Data(_)) = s.read(stream_id, 4096) {}
            }
            _ => {}
        }
    }
}

/// Invariants that hold after every step.
pub fn check(s: &Session) {
    let st = s.stats();
    assert!(st.send_window <= MAX_WINDOW && st.recv_window <= MAX_WINDOW);
    assert_eq!(st.streams, s.stream_ids().len());
    assert!(st.held_blocks <= s.config().max_held_blocks);
    assert!(st.held_blocks == 0 || st.recv_buffered > 0);
    assert!(st.active_local + st.active_remote <= st.streams);
    for id in s.stream_ids() {
        assert!(s.stream_send_window(id).is_some_and(|w| w <= MAX_WINDOW));
        assert!(s.stream_recv_window(id).is_some_and(|w| w <= MAX_WINDOW));
    }
}

/// Operation sequences on an in-memory pair: each byte pair is one command or pipe event.
/// After each step: invariants on both ends, and after a cut, nothing left half-alive.
pub fn ops(data: &[u8]) {
    let mut p = super::Pair::new(Config::default(), Config::default());
    let mut open: Vec<u32> = Vec::new();
    let mut served: Vec<u32> = Vec::new();
    let mut client_ledger = EventLedger::new(Role::Client);
    let mut server_ledger = EventLedger::new(Role::Server);
    for op in data.chunks(2) {
        let (kind, arg) = (op[0], op.get(1).copied().unwrap_or(0));
        let pick = |v: &Vec<u32>| (!v.is_empty()).then(|| v[usize::from(arg) % v.len()]);
        let now = p.now;
        match kind % 12 {
            0 => {
                let opts = OpenOptions {
                    priority: arg % 8,
                    fin: arg & 0x80 != 0,
                    unidirectional: false,
                };
                if let Ok(id) = p.client.open_stream(RawPeer::request("/x"), opts, now) {
                    client_ledger.opened_locally(id);
                    open.push(id);
                }
            }
            1 => {
                if let Some(id) = pick(&open) {
                    let _ = p.client.send_data(
                        id,
                        Bytes::from(alloc::vec![arg; usize::from(arg) * 64]),
                        arg & 1 == 1,
                    );
                }
            }
            2 => {
                if let Some(id) = pick(&served) {
                    let _ = p.server.send_data(
                        id,
                        Bytes::from(alloc::vec![arg; usize::from(arg) * 256]),
                        arg & 1 == 1,
                    );
                }
            }
            3 => {
                if let Some(id) = pick(&open) {
                    let _ = p.client.reset(id, crate::frame::RstStatus::CANCEL);
                }
            }
            4 => {
                if let Some(id) = pick(&served) {
                    let _ = p.server.reset(id, crate::frame::RstStatus::INTERNAL_ERROR);
                }
            }
            5 => {
                let _ = p.client.ping(now);
            }
            6 => {
                let _ = p
                    .server
                    .change_settings(None, Some(u32::from(arg) * 1024 + 1));
            }
            7 => p.chunking = super::Chunking::Fixed(usize::from(arg % 16) + 1),
            8 => {
                p.latency = crate::time::Duration::from_millis(u64::from(arg % 4));
            }
            9 => {
                if arg % 4 == 0 {
                    p.server.goaway(now);
                }
            }
            10 => {
                if arg % 8 == 0 {
                    p.cut();
                }
            }
            _ => {
                p.advance(crate::time::Duration::from_millis(u64::from(arg) * 100));
            }
        }
        p.run();
        // Applications: the server replies to and reads everything; the client reads.
        for e in p.take_server_events() {
            server_ledger.observe(&e);
            match e {
                Event::StreamOpened { stream_id, .. }
                    if p.server
                        .reply(stream_id, RawPeer::response(), false)
                        .is_ok() =>
                {
                    served.push(stream_id);
                }
                Event::Readable { stream_id } => {
                    while let Ok(Read::Data(_)) = p.server.read(stream_id, 1 << 16) {}
                }
                Event::StreamClosed { stream_id } => served.retain(|&x| x != stream_id),
                _ => {}
            }
        }
        for e in p.take_client_events() {
            client_ledger.observe(&e);
            match e {
                Event::Readable { stream_id } => {
                    while let Ok(Read::Data(_)) = p.client.read(stream_id, 1 << 16) {}
                }
                Event::StreamClosed { stream_id } => open.retain(|&x| x != stream_id),
                _ => {}
            }
        }
        check(&p.client);
        check(&p.server);
        if p.client.is_closed() && p.server.is_closed() {
            // Nothing half-alive: every stream left, or holds only data still to read.
            for s in [&p.client, &p.server] {
                assert_eq!(s.stats().send_buffered, 0);
                assert!(s.poll_timeout().is_none());
            }
            read_to_the_end(&mut p.client, &mut client_ledger);
            read_to_the_end(&mut p.server, &mut server_ledger);
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_accept_empty_and_small_inputs() {
        for data in [
            &[][..],
            &[0],
            &[1, 2, 3],
            &[0x80, 3, 0, 6, 0, 0, 0, 4, 0, 0, 0, 1],
        ] {
            frame_decode(data);
            header_block(data);
            session(Role::Server, data);
            session(Role::Client, data);
            ops(data);
        }
    }
}
