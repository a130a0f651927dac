//! Property tests of the frame codec: encode → decode is the identity for arbitrary
//! frames, and arbitrary bytes in arbitrary chunkings never panic and decode exactly as in
//! one piece (DESIGN rule 3).

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use spdy3::frame::*;

fn bytes_up_to(n: usize) -> impl Strategy<Value = Bytes> {
    proptest::collection::vec(any::<u8>(), 0..n).prop_map(Bytes::from)
}

fn stream_id() -> impl Strategy<Value = u32> {
    1u32..=ID_MASK
}

fn any_frame() -> impl Strategy<Value = Frame> {
    prop_oneof![
        (stream_id(), any::<bool>(), bytes_up_to(3000)).prop_map(|(stream_id, fin, payload)| {
            Frame::Data(Data {
                stream_id,
                fin,
                payload,
            })
        }),
        (
            stream_id(),
            0..=ID_MASK,
            0u8..8,
            any::<u8>(),
            any::<bool>(),
            any::<bool>(),
            bytes_up_to(300)
        )
            .prop_map(
                |(
                    stream_id,
                    associated_stream_id,
                    priority,
                    slot,
                    fin,
                    unidirectional,
                    header_block,
                )| {
                    Frame::SynStream(SynStream {
                        stream_id,
                        associated_stream_id,
                        priority,
                        slot,
                        fin,
                        unidirectional,
                        header_block,
                    })
                }
            ),
        (stream_id(), any::<bool>(), bytes_up_to(300)).prop_map(
            |(stream_id, fin, header_block)| Frame::SynReply(SynReply {
                stream_id,
                fin,
                header_block
            })
        ),
        (stream_id(), any::<bool>(), bytes_up_to(300)).prop_map(
            |(stream_id, fin, header_block)| Frame::Headers(Headers {
                stream_id,
                fin,
                header_block
            })
        ),
        (stream_id(), any::<u32>()).prop_map(|(stream_id, s)| Frame::RstStream(RstStream {
            stream_id,
            status: RstStatus(s)
        })),
        (
            any::<bool>(),
            proptest::collection::vec(
                (0u32..0x100_0000, any::<u32>(), any::<bool>(), any::<bool>()),
                0..20
            )
        )
            .prop_map(|(clear_settings, e)| Frame::Settings(Settings {
                clear_settings,
                entries: e
                    .into_iter()
                    .map(|(id, value, persist_value, persisted)| Setting {
                        id: SettingId(id),
                        value,
                        persist_value,
                        persisted
                    })
                    .collect(),
            })),
        any::<u32>().prop_map(|id| Frame::Ping(Ping { id })),
        (0..=ID_MASK, any::<u32>()).prop_map(|(l, s)| Frame::GoAway(GoAway {
            last_good_stream_id: l,
            status: GoAwayStatus(s)
        })),
        (0..=ID_MASK, 1..=ID_MASK)
            .prop_map(|(stream_id, delta)| Frame::WindowUpdate(WindowUpdate { stream_id, delta })),
    ]
}

fn whole_frames() -> DecoderConfig {
    DecoderConfig {
        data_piece: MAX_PAYLOAD_LEN,
        ..DecoderConfig::default()
    }
}

/// Feeds `wire` in chunks, collecting frames and errors until a session error.
fn run(wire: &[u8], sizes: &[usize], config: DecoderConfig) -> Vec<Result<Frame, DecodeError>> {
    let mut d = Decoder::new(config);
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    let mut at = 0;
    let mut sizes = sizes.iter().cycle();
    while at < wire.len() {
        let n = (*sizes.next().unwrap()).clamp(1, wire.len() - at);
        buf.extend_from_slice(&wire[at..at + n]);
        at += n;
        loop {
            match d.decode(&mut buf) {
                Ok(Some(f)) => out.push(Ok(f)),
                Ok(None) => break,
                Err(e) => {
                    out.push(Err(e));
                    if e.is_session_error() {
                        // Poisoned: the same error again, and no more frames.
                        assert_eq!(d.decode(&mut buf), Err(e));
                        return out;
                    }
                }
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn encode_then_decode_is_identity(frames in proptest::collection::vec(any_frame(), 1..8),
                                      sizes in proptest::collection::vec(1usize..100, 1..10)) {
        let mut wire = Vec::new();
        for f in &frames {
            let before = wire.len();
            f.encode(&mut wire).unwrap();
            prop_assert_eq!(wire.len() - before, f.encoded_len());
        }
        let got: Vec<Frame> = run(&wire, &sizes, whole_frames()).into_iter().map(Result::unwrap).collect();
        prop_assert_eq!(got, frames);
    }

    #[test]
    fn data_pieces_carry_the_same_bytes(frames in proptest::collection::vec(
            (1u32..5, any::<bool>(), bytes_up_to(5000)), 1..6),
            sizes in proptest::collection::vec(1usize..700, 1..10), piece in 0u32..2000) {
        let mut wire = Vec::new();
        for (id, fin, p) in &frames {
            Data { stream_id: *id, fin: *fin, payload: p.clone() }.encode(&mut wire).unwrap();
        }
        let config = DecoderConfig { data_piece: piece, ..DecoderConfig::default() };
        let got = run(&wire, &sizes, config);
        // Pieces arrive in order; concatenated they give each frame's payload, FIN on the last.
        let mut pieces = got.into_iter().map(|r| match r.unwrap() { Frame::Data(d) => d, f => panic!("{f:?}") }).peekable();
        for (id, fin, p) in &frames {
            let mut joined = Vec::new();
            loop {
                let d = pieces.next().expect("a piece");
                prop_assert_eq!(d.stream_id, *id);
                joined.extend_from_slice(&d.payload);
                if joined.len() == p.len() {
                    prop_assert_eq!(d.fin, *fin);
                    break;
                }
                prop_assert!(!d.fin && !d.payload.is_empty());
            }
            prop_assert_eq!(&joined[..], &p[..]);
        }
        prop_assert!(pieces.next().is_none());
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_chunking_does_not_matter(
            wire in proptest::collection::vec(any::<u8>(), 0..2000),
            sizes in proptest::collection::vec(1usize..50, 1..10)) {
        let one = run(&wire, &[wire.len().max(1)], whole_frames());
        let chunked = run(&wire, &sizes, whole_frames());
        prop_assert_eq!(one, chunked);
        // Pieces mode never panics either.
        run(&wire, &sizes, DecoderConfig::default());
    }

    #[test]
    fn control_frame_lookalikes_never_panic(
            ty in 0u16..12, flags in any::<u8>(), body in proptest::collection::vec(any::<u8>(), 0..64),
            sizes in proptest::collection::vec(1usize..9, 1..5)) {
        // Well-formed heads with arbitrary payloads exercise every parser's length checks.
        let mut wire = vec![0x80, 0x03, (ty >> 8) as u8, ty as u8, flags, 0, 0, body.len() as u8];
        wire.extend_from_slice(&body);
        let one = run(&wire, &[wire.len()], whole_frames());
        prop_assert_eq!(one, run(&wire, &sizes, whole_frames()));
    }
}
