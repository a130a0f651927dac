//! Engine bugs the fault injection found, each pinned down by a direct test.

use bytes::Bytes;
use spdy3::frame::{Frame, RstStatus, RstStream};
use spdy3::session::{Config, Event, Initiator, OpenOptions, Read, Session};
use spdy3::testing::{encode, events, RawPeer};
use spdy3::time::Instant;

use crate::observe::cancelled_by;

/// Found by splicing a RST_STREAM into the server's transcript ahead of more DATA for the
/// same stream. A stream the peer reset while its data was unread is kept so that the data
/// stays readable (`Event::StreamReset`: "read returns it, then Fin"). A DATA (or HEADERS)
/// frame the peer sends on it afterwards must be dropped quietly: after a RST_STREAM is
/// received nothing more is sent on the stream (S-26), the application was told once, and
/// the data received before the reset stays readable. (The engine used to treat the late
/// frame as one on a half-closed stream, S-22: RST_STREAM STREAM_ALREADY_CLOSED, a second
/// `StreamReset`, and the unread data dropped.)
#[test]
fn a_frame_after_the_peers_reset_of_a_stream_with_unread_data_is_dropped_quietly() {
    let now = Instant(0);
    let mut client = Session::client(Config::default(), now);
    let mut server = RawPeer::new();
    let fin = OpenOptions {
        fin: true,
        ..OpenOptions::default()
    };
    let id = client.open_stream(RawPeer::request("/"), fin, now).unwrap();
    server.drain(&mut client, now);
    events(&mut client);
    // The reply, some data, then the server resets the stream before it is read.
    let mut wire = server.syn_reply(id, &RawPeer::response(), false);
    wire.extend(RawPeer::data(id, b"abc", false));
    wire.extend(encode(&Frame::RstStream(RstStream {
        stream_id: id,
        status: RstStatus::CANCEL,
    })));
    assert!(server.exchange(&mut client, &wire, now).is_empty());
    let told = cancelled_by(Initiator::Remote);
    assert!(events(&mut client).contains(&Event::StreamReset {
        stream_id: id,
        error: told
    }));
    // A late DATA on the reset stream.
    let answer = server.exchange(&mut client, &RawPeer::data(id, b"def", false), now);
    assert!(
        answer.is_empty(),
        "S-26: nothing is sent on a reset stream: {answer:?}"
    );
    let later = events(&mut client);
    assert!(
        !later.iter().any(|e| matches!(e, Event::StreamReset { .. })),
        "the stream was told twice: {later:?}"
    );
    // The data that came before the reset is still there, then the end.
    assert_eq!(
        client.read(id, usize::MAX),
        Ok(Read::Data(Bytes::from_static(b"abc")))
    );
    assert_eq!(client.read(id, usize::MAX), Ok(Read::Fin));
}
