//! Unit behaviour of the frame decoder that the vectors do not reach: limits, skipping,
//! pieces, poisoning, and hostile lengths.

use bytes::BytesMut;
use spdy3::frame::*;
use spdy3::{GoAwayStatus, Reaction, RstStatus};

fn feed(d: &mut Decoder, bytes: &[u8]) -> (BytesMut, Vec<Result<Frame, DecodeError>>) {
    let mut buf = BytesMut::from(bytes);
    let mut out = Vec::new();
    loop {
        match d.decode(&mut buf) {
            Ok(Some(f)) => out.push(Ok(f)),
            Ok(None) => break,
            Err(e) => {
                out.push(Err(e));
                if e.is_session_error() {
                    break;
                }
            }
        }
    }
    (buf, out)
}

fn ping(id: u32) -> Vec<u8> {
    let mut v = Vec::new();
    Ping { id }.encode(&mut v);
    v
}

#[test]
fn s10_settings_claiming_four_billion_entries_costs_nothing() {
    // Length 12 (one entry's worth) but a count of 2^32 − 1: rejected before any sizing.
    let wire = [
        0x80, 3, 0, 4, 0, 0, 0, 12, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 4, 0, 0, 0, 1,
    ];
    let (_, out) = feed(&mut Decoder::new(Default::default()), &wire);
    assert_eq!(
        out,
        [Err(DecodeError::InvalidLength {
            frame_type: FrameType::SETTINGS,
            length: 12
        })]
    );
}

#[test]
fn s6_control_payloads_of_8192_bytes_are_accepted_and_the_limit_is_configurable() {
    let big = SynReply {
        stream_id: 1,
        fin: false,
        header_block: vec![7u8; 8188].into(),
    };
    let mut wire = Vec::new();
    big.encode(&mut wire).unwrap();
    let (_, out) = feed(&mut Decoder::new(Default::default()), &wire);
    assert_eq!(out, [Ok(Frame::SynReply(big.clone()))]);

    let small = DecoderConfig {
        max_control_payload: 8191,
        ..Default::default()
    };
    let (_, out) = feed(&mut Decoder::new(small), &wire);
    let e = out[0].clone().unwrap_err();
    assert_eq!(
        e,
        DecodeError::ControlFrameTooLarge {
            frame_type: FrameType::SYN_REPLY,
            length: 8192
        }
    );
    assert_eq!(
        e.reaction(),
        Reaction::CloseSession(GoAwayStatus::PROTOCOL_ERROR)
    );
}

#[test]
fn s30_oversized_data_is_reset_and_skipped_without_buffering() {
    let config = DecoderConfig {
        max_data_payload: 100,
        ..Default::default()
    };
    let mut d = Decoder::new(config);
    let mut wire = Vec::new();
    Data {
        stream_id: 5,
        fin: true,
        payload: vec![1u8; 1000].into(),
    }
    .encode(&mut wire)
    .unwrap();
    wire.extend(ping(2));
    // Feed the oversized frame 10 bytes at a time: memory held stays at what was fed.
    let mut buf = BytesMut::new();
    let mut events = Vec::new();
    for chunk in wire.chunks(10) {
        buf.extend_from_slice(chunk);
        while let r @ (Ok(Some(_)) | Err(_)) = d.decode(&mut buf) {
            events.push(r.map(Option::unwrap));
        }
        assert!(buf.len() < 10 + 8);
    }
    let e = DecodeError::DataFrameTooLarge {
        stream_id: 5,
        length: 1000,
    };
    assert_eq!(events, [Err(e), Ok(Frame::Ping(Ping { id: 2 }))]);
    assert_eq!(
        e.reaction(),
        Reaction::ResetStream {
            stream_id: 5,
            status: RstStatus::FRAME_TOO_LARGE
        }
    );
}

#[test]
fn s9_unknown_types_of_any_size_are_skipped() {
    let mut wire = vec![0x80, 3, 0xf0, 0x00, 0xab, 0x10, 0x00, 0x00]; // 1 MiB of type 0xF000
    wire.extend(vec![0u8; 0x10_0000]);
    wire.extend(ping(1));
    let mut d = Decoder::new(Default::default());
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    for chunk in wire.chunks(4096) {
        buf.extend_from_slice(chunk);
        while let Some(f) = d.decode(&mut buf).unwrap() {
            out.push(f);
        }
        assert!(buf.len() <= 4096, "the skipped payload is never buffered");
    }
    assert_eq!(
        out,
        [
            Frame::Unknown(UnknownFrame {
                frame_type: FrameType(0xf000),
                flags: 0xab,
                length: 0x10_0000
            }),
            Frame::Ping(Ping { id: 1 })
        ]
    );
    assert_eq!(d.position(), wire.len() as u64);
}

#[test]
fn s3_session_errors_poison_the_decoder() {
    let mut wire = vec![0x80, 2, 0, 6, 0, 0, 0, 4, 0, 0, 0, 1];
    wire.extend(ping(3));
    let mut d = Decoder::new(Default::default());
    let mut buf = BytesMut::from(&wire[..]);
    let e = DecodeError::UnsupportedVersion { version: 2 };
    assert_eq!(d.decode(&mut buf), Err(e));
    assert_eq!(d.decode(&mut buf), Err(e));
    assert_eq!(e.rule(), "S-3");
}

#[test]
fn s54_zero_delta_is_a_stream_error_on_streams_and_a_session_error_on_stream_0() {
    let wu = |id: u32| {
        [
            0x80,
            3,
            0,
            9,
            0,
            0,
            0,
            8,
            (id >> 24) as u8,
            0,
            0,
            id as u8,
            0x80,
            0,
            0,
            0,
        ]
    };
    let mut d = Decoder::new(Default::default());
    let mut wire = wu(1).to_vec();
    wire.extend(ping(2));
    let (_, out) = feed(&mut d, &wire);
    assert_eq!(out[0], Err(DecodeError::ZeroWindowDelta { stream_id: 1 }));
    assert_eq!(
        out[1],
        Ok(Frame::Ping(Ping { id: 2 })),
        "a stream error does not poison"
    );
    let (_, out) = feed(&mut Decoder::new(Default::default()), &wu(0));
    assert!(out[0].clone().unwrap_err().is_session_error());
}

#[test]
fn s7_reserved_bits_are_ignored_on_receipt_and_never_sent() {
    // Stream id and delta with the reserved top bit set.
    let wire = [0x80, 3, 0, 9, 0, 0, 0, 8, 0x80, 0, 0, 3, 0x80, 0, 0, 9];
    let (_, out) = feed(&mut Decoder::new(Default::default()), &wire);
    assert_eq!(
        out,
        [Ok(Frame::WindowUpdate(WindowUpdate {
            stream_id: 3,
            delta: 9
        }))]
    );
    let mut re = Vec::new();
    WindowUpdate {
        stream_id: 0x8000_0003,
        delta: 0x8000_0009,
    }
    .encode(&mut re);
    assert_eq!(re, [0x80, 3, 0, 9, 0, 0, 0, 8, 0, 0, 0, 3, 0, 0, 0, 9]);
}

#[test]
fn s11_undefined_flags_are_ignored_on_receipt_and_only_defined_flags_are_sent() {
    let wire = [0x80, 3, 0, 2, 0xff, 0, 0, 4, 0, 0, 0, 1];
    let (_, out) = feed(&mut Decoder::new(Default::default()), &wire);
    let Ok(Frame::SynReply(r)) = &out[0] else {
        panic!("{out:?}")
    };
    assert!(r.fin);
    let mut re = Vec::new();
    r.encode(&mut re).unwrap();
    assert_eq!(re[4], 0x01);
}

#[test]
fn s4_empty_data_frames_decode_and_mid_frame_state_is_reported() {
    let mut d = Decoder::new(Default::default());
    let mut buf = BytesMut::from(&[0, 0, 0, 1, 1, 0, 0][..]);
    assert_eq!(d.decode(&mut buf), Ok(None));
    assert!(d.is_mid_frame(buf.len()));
    buf.extend_from_slice(&[0]);
    assert_eq!(
        d.decode(&mut buf),
        Ok(Some(Frame::Data(Data {
            stream_id: 1,
            fin: true,
            payload: Default::default()
        })))
    );
    assert!(!d.is_mid_frame(buf.len()));
}

#[test]
fn data_payloads_are_zero_copy_slices_of_the_input() {
    let mut wire = Vec::new();
    Data {
        stream_id: 1,
        fin: false,
        payload: vec![9u8; 100].into(),
    }
    .encode(&mut wire)
    .unwrap();
    let mut buf = BytesMut::from(&wire[..]);
    let base = buf.as_ptr() as usize;
    let Ok(Some(Frame::Data(d))) = Decoder::new(Default::default()).decode(&mut buf) else {
        panic!()
    };
    assert_eq!(d.payload.as_ptr() as usize, base + HEAD_LEN);
}

#[test]
fn data_head_is_written_alone_for_vectored_writes() {
    assert_eq!(
        Data::head_bytes(7, true, 300).unwrap(),
        [0, 0, 0, 7, 1, 0, 1, 0x2c]
    );
    assert_eq!(
        Data::head_bytes(7, true, 1 << 24),
        Err(EncodeError { length: 1 << 24 })
    );
    assert!(Frame::Unknown(UnknownFrame {
        frame_type: FrameType::NOOP,
        flags: 0,
        length: 0
    })
    .encode(&mut Vec::new())
    .is_err());
}

#[test]
fn s5_the_length_field_counts_the_bytes_after_the_header() {
    let frames = [
        Frame::Data(Data {
            stream_id: 1,
            fin: false,
            payload: vec![1u8; 77].into(),
        }),
        Frame::SynReply(SynReply {
            stream_id: 1,
            fin: false,
            header_block: vec![2u8; 33].into(),
        }),
        Frame::Settings(Settings {
            clear_settings: false,
            entries: vec![Setting::new(SettingId::ROUND_TRIP_TIME, 5); 3],
        }),
        Frame::Ping(Ping { id: 9 }),
    ];
    for f in frames {
        let mut v = Vec::new();
        f.encode(&mut v).unwrap();
        let length = u32::from_be_bytes([0, v[5], v[6], v[7]]) as usize;
        assert_eq!(length, v.len() - HEAD_LEN, "{}", f.name());
    }
}

#[test]
fn s62_settings_layout_is_count_then_flagged_24_bit_ids_and_values() {
    let s = Settings {
        clear_settings: true,
        entries: vec![Setting {
            id: SettingId(0x0a0b0c),
            value: 0x01020304,
            persist_value: true,
            persisted: true,
        }],
    };
    let mut v = Vec::new();
    s.encode(&mut v).unwrap();
    assert_eq!(
        v,
        [0x80, 3, 0, 4, 0x01, 0, 0, 12, 0, 0, 0, 1, 0x03, 0x0a, 0x0b, 0x0c, 1, 2, 3, 4]
    );
}
