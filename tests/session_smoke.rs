//! A first end-to-end exchange through the in-memory pair.

use spdy3::session::{Event, OpenOptions, Read};
use spdy3::testing::{Chunking, Pair, RawPeer};

#[test]
fn request_response_through_a_one_byte_pipe() {
    let mut p = Pair::default_pair();
    p.chunking = Chunking::Fixed(1);
    let now = p.now;
    let id = p
        .client
        .open_stream(
            RawPeer::request("/"),
            OpenOptions {
                fin: true,
                ..Default::default()
            },
            now,
        )
        .unwrap();
    p.run();
    let opened = p.take_server_events();
    let sid = opened
        .iter()
        .find_map(|e| match e {
            Event::StreamOpened { stream_id, .. } => Some(*stream_id),
            _ => None,
        })
        .expect("opened");
    assert_eq!(sid, id);
    p.server.reply(sid, RawPeer::response(), false).unwrap();
    assert_eq!(
        p.server.send_data(sid, "hello world".into(), true).unwrap(),
        11
    );
    p.run();
    let ev = p.take_client_events();
    assert!(
        ev.iter().any(|e| matches!(e, Event::Reply { .. })),
        "{ev:?}"
    );
    let mut body = Vec::new();
    loop {
        match p.client.read(id, 4).unwrap() {
            Read::Data(b) => body.extend_from_slice(&b),
            Read::Fin => break,
            Read::Pending => panic!("pending"),
        }
    }
    assert_eq!(body, b"hello world");
    p.run();
    assert_eq!(p.client.stats().streams, 0);
    assert_eq!(p.server.stats().streams, 0);
}
