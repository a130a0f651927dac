//! The JavaScript facade inside WebAssembly (it needs a JavaScript engine, so these tests
//! exist only in wasm32; run by `wasm-pack test` in Node and Chromium, see tests/wasm/):
//! [`FrameInspector`] turns captures into the rows the browser page shows, and two
//! [`WasmSession`]s exchange a request, a body, a paused stream and a PING through the
//! batched `drain()` results the page and the Node package consume.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Reflect, Uint8Array};
use spdy3::wasm::{
    FrameInspector, WasmSession, EV_DATA, EV_END, EV_PONG, EV_REPLY, EV_STREAM,
    WRITE_SESSION_CLOSED, WRITE_UNKNOWN_STREAM,
};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

const CLIENT_TO_SERVER: &[u8] = include_bytes!("../examples/data/client-to-server.bin");

fn get(o: &JsValue, name: &str) -> JsValue {
    Reflect::get(o, &JsValue::from_str(name)).unwrap()
}

fn text(o: &JsValue, name: &str) -> String {
    get(o, name).as_string().unwrap_or_default()
}

fn num(o: &JsValue, name: &str) -> f64 {
    get(o, name).as_f64().unwrap()
}

fn rows(inspector: &mut FrameInspector, bytes: &[u8], piece: usize) -> Vec<JsValue> {
    let mut out = Vec::new();
    for chunk in bytes.chunks(piece) {
        out.extend(inspector.feed(chunk).iter());
    }
    out.extend(inspector.end().iter());
    out
}

#[wasm_bindgen_test]
fn the_inspector_decodes_a_capture_fed_in_pieces() {
    let whole = rows(
        &mut FrameInspector::new(),
        CLIENT_TO_SERVER,
        CLIENT_TO_SERVER.len(),
    );
    let pieces = rows(&mut FrameInspector::new(), CLIENT_TO_SERVER, 7);
    assert_eq!(whole.len(), 18);
    assert_eq!(pieces.len(), 18);
    for (a, b) in whole.iter().zip(&pieces) {
        assert_eq!(
            js_sys::JSON::stringify(a).unwrap(),
            js_sys::JSON::stringify(b).unwrap()
        );
    }
    let first = &whole[0];
    assert_eq!(
        (text(first, "type"), num(first, "offset")),
        ("SETTINGS".into(), 0.0)
    );
    assert!(text(first, "summary").contains("INITIAL_WINDOW_SIZE=1048576"));
    let syn = &whole[2];
    assert_eq!(text(syn, "type"), "SYN_STREAM");
    assert_eq!((num(syn, "offset"), num(syn, "stream")), (44.0, 1.0));
    let headers: Vec<String> = Array::from(&get(syn, "headers"))
        .iter()
        .map(|v| v.as_string().unwrap())
        .collect();
    let method = headers.iter().position(|h| h == ":method").unwrap();
    assert_eq!(headers[method + 1], "GET");
    assert!(whole.iter().all(|r| get(r, "error").is_undefined()));
}

#[wasm_bindgen_test]
fn the_inspector_pins_an_error_to_its_byte_offset_and_stops() {
    let mut inspector = FrameInspector::new();
    // A good PING, then one whose length is 8 (S-10), then another good PING.
    let good = [0x80, 3, 0, 6, 0, 0, 0, 4, 0, 0, 0, 1];
    let bad = [0x80, 3, 0, 6, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0];
    let input = [&good[..], &bad[..], &good[..]].concat();
    let got = rows(&mut inspector, &input, input.len());
    assert_eq!(got.len(), 2);
    assert_eq!(text(&got[0], "summary"), "id 1");
    let error = get(&got[1], "error");
    assert_eq!(num(&got[1], "offset"), 12.0);
    assert_eq!(text(&got[1], "type"), "PING");
    assert_eq!(text(&error, "rule"), "S-10");
    assert_eq!(text(&error, "reaction"), "GOAWAY PROTOCOL_ERROR");
    assert_eq!(
        inspector.feed(&good).length(),
        0,
        "nothing after a session error"
    );
}

#[wasm_bindgen_test]
fn the_inspector_reports_an_incomplete_last_frame() {
    let mut inspector = FrameInspector::new();
    let got = rows(&mut inspector, &CLIENT_TO_SERVER[..50], 50);
    assert_eq!(got.len(), 3);
    assert_eq!(num(&got[2], "offset"), 44.0);
    assert!(text(&get(&got[2], "error"), "message").contains("incomplete frame"));
}

/// Both ends of a session in one page, joined without latency.
struct Duo {
    client: WasmSession,
    server: WasmSession,
    now: f64,
    /// Events each side reported, as arrays.
    client_events: Vec<Array>,
    server_events: Vec<Array>,
}

impl Duo {
    fn new(client_options: &str) -> Duo {
        let options = js_sys::JSON::parse(client_options).unwrap();
        Duo {
            client: WasmSession::new(false, options, 0.0).unwrap(),
            server: WasmSession::new(true, JsValue::from(js_sys::Object::new()), 0.0).unwrap(),
            now: 0.0,
            client_events: Vec::new(),
            server_events: Vec::new(),
        }
    }

    /// The client asks for `path` (priority 0, no body) and both ends settle; the id.
    fn get(&mut self, path: &str) -> u32 {
        let id = self
            .client
            .request(flat(&[":path", path]), 0, true, false, 0.0)
            .unwrap();
        self.run();
        id
    }

    /// Drains both ends and carries their output until nothing is left.
    fn run(&mut self) {
        self.now += 1.0;
        let mut to_server = self.client.drain(self.now);
        let mut to_client = self.server.drain(self.now);
        for _ in 0..10_000 {
            self.server_events.extend(events(&to_client));
            self.client_events.extend(events(&to_server));
            let (c, s) = (output(&to_server), output(&to_client));
            if c.is_none() && s.is_none() {
                return;
            }
            to_client = match c {
                Some(bytes) => self.server.input(&bytes, self.now),
                None => self.server.drain(self.now),
            };
            to_server = match s {
                Some(bytes) => self.client.input(&bytes, self.now),
                None => self.client.drain(self.now),
            };
        }
        panic!("the sessions did not settle");
    }
}

fn output(result: &Array) -> Option<Uint8Array> {
    let out = result.get(0);
    (!out.is_undefined()).then(|| Uint8Array::from(out))
}

fn events(result: &Array) -> Vec<Array> {
    result.iter().skip(3).map(|e| Array::from(&e)).collect()
}

fn code(event: &Array) -> u32 {
    event.get(0).as_f64().unwrap() as u32
}

fn flat(pairs: &[&str]) -> Array {
    pairs.iter().map(|s| JsValue::from_str(s)).collect()
}

#[wasm_bindgen_test]
fn two_wasm_sessions_exchange_a_request_and_its_body() {
    let mut duo = Duo::new("{}");
    let id = duo.get("/hello");
    let opened = duo
        .server_events
        .iter()
        .find(|e| code(e) == EV_STREAM)
        .expect("opened");
    assert_eq!(opened.get(1).as_f64(), Some(f64::from(id)));
    duo.server
        .respond(id, flat(&[":status", "200"]), false)
        .unwrap();
    let body = Uint8Array::from(&b"hello from the server"[..]);
    assert_eq!(duo.server.write(id, &body, true).unwrap(), 21);
    duo.run();
    let got = &duo.client_events;
    let reply = got.iter().find(|e| code(e) == EV_REPLY).expect("reply");
    assert_eq!(reply.get(4).as_f64(), Some(200.0));
    let data: Vec<u8> = got
        .iter()
        .filter(|e| code(e) == EV_DATA)
        .flat_map(|e| e.iter().skip(2).flat_map(|d| Uint8Array::from(d).to_vec()))
        .collect();
    assert_eq!(data, b"hello from the server");
    assert!(got.iter().any(|e| code(e) == EV_END));
}

#[wasm_bindgen_test]
fn a_paused_stream_fills_its_window_and_drains_after_resume() {
    let mut duo = Duo::new(r#"{"initialWindowSize": 65536, "sessionWindowSize": 1048576}"#);
    let id = duo
        .client
        .request(flat(&[":path", "/big"]), 3, true, false, 0.0)
        .unwrap();
    duo.client.pause(id);
    duo.run();
    duo.server
        .respond(id, flat(&[":status", "200"]), false)
        .unwrap();
    let body = Uint8Array::new_with_length(200_000);
    let mut sent = duo.server.write(id, &body, false).unwrap() as u32;
    duo.run();
    // The server can send no more on the stream: the client's window for it is used up.
    let windows = |s: &WasmSession| -> Vec<f64> {
        Array::from(&s.stream_windows(id))
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect()
    };
    assert_eq!(windows(&duo.server)[0], 0.0);
    assert_eq!(windows(&duo.client)[1], 0.0);
    assert_eq!(num(&duo.client.stats(), "recvBuffered"), 65536.0);
    assert!(!duo.client_events.iter().any(|e| code(e) == EV_DATA));

    duo.client.resume(id);
    for _ in 0..100 {
        if sent == 200_000 {
            break;
        }
        duo.run();
        sent += duo
            .server
            .write(id, &body.subarray(sent, 200_000), true)
            .unwrap() as u32;
    }
    duo.run();
    let received: u32 = duo
        .client_events
        .iter()
        .filter(|e| code(e) == EV_DATA)
        .flat_map(|e| e.iter().skip(2).map(|d| Uint8Array::from(d).length()))
        .sum();
    assert_eq!(received, 200_000);
}

#[wasm_bindgen_test]
fn a_ping_is_answered_with_a_pong() {
    let mut duo = Duo::new("{}");
    duo.run();
    let id = duo.client.ping(duo.now).unwrap();
    duo.run();
    let pong = duo
        .client_events
        .iter()
        .find(|e| code(e) == EV_PONG)
        .expect("pong");
    assert_eq!(pong.get(1).as_f64(), Some(f64::from(id)));
}

#[wasm_bindgen_test]
fn writes_to_a_stream_gone_in_the_core_are_answered_without_an_exception() {
    let mut duo = Duo::new("{}");
    let id = duo.get("/churn");
    duo.server
        .respond(id, flat(&[":status", "200"]), false)
        .unwrap();
    duo.client.reset(id, 5).unwrap(); // CANCEL
    duo.run();
    let body = Uint8Array::from(&b"late"[..]);
    assert_eq!(
        duo.server.write(id, &body, false).unwrap(),
        WRITE_UNKNOWN_STREAM,
        "the peer's reset removed the stream"
    );
    duo.server.close(duo.now);
    duo.run();
    let other = Uint8Array::from(&b"after the end"[..]);
    assert_eq!(
        duo.server.write(id + 2, &other, false).unwrap(),
        WRITE_SESSION_CLOSED
    );
}

/// Received data reaches the reader whole and in order however the socket cuts the bytes:
/// heads split anywhere, payloads given as views or copies, frames of two streams taking
/// turns (16 KiB) and of a lone stream (64 KiB).
#[wasm_bindgen_test]
fn received_data_is_whole_in_any_chunking() {
    let mut duo = Duo::new(r#"{"initialWindowSize": 4194304, "sessionWindowSize": 8388608}"#);
    let ids = [duo.get("/a"), duo.get("/b")];
    let body = |id: u32, len: usize| -> Vec<u8> {
        (0..len).map(|i| (i * 31 + id as usize) as u8).collect()
    };
    for (id, len) in [(ids[0], 300_000), (ids[1], 90_000)] {
        duo.server
            .respond(id, flat(&[":status", "200"]), false)
            .unwrap();
        let data = Uint8Array::from(&body(id, len)[..]);
        let mut at = 0;
        for size in [70_000u32, 1, 50_000, 200_000].iter().cycle() {
            let end = (at + size).min(len as u32);
            let fin = end == len as u32;
            assert_eq!(
                duo.server.write(id, &data.subarray(at, end), fin).unwrap(),
                (end - at) as i32
            );
            at = end;
            if fin {
                break;
            }
        }
    }
    let mut wire = Vec::new();
    for _ in 0..100 {
        match output(&duo.server.drain(duo.now)) {
            Some(bytes) => wire.extend(bytes.to_vec()),
            None => break,
        }
    }
    let mut got: Vec<Array> = Vec::new();
    let mut at = 0;
    for size in [1usize, 7, 8, 9, 1000, 16_392, 40_000, 65_536, 3]
        .iter()
        .cycle()
    {
        if at >= wire.len() {
            break;
        }
        let end = (at + size).min(wire.len());
        // Each read its own array, as a socket's are.
        let chunk = Uint8Array::from(&wire[at..end]);
        got.extend(events(&duo.client.input(&chunk, duo.now)));
        at = end;
    }
    got.extend(events(&duo.client.drain(duo.now)));
    for (id, len) in [(ids[0], 300_000), (ids[1], 90_000)] {
        let data: Vec<u8> = got
            .iter()
            .filter(|e| code(e) == EV_DATA && e.get(1).as_f64() == Some(f64::from(id)))
            .flat_map(|e| e.iter().skip(2).flat_map(|d| Uint8Array::from(d).to_vec()))
            .collect();
        assert!(
            data == body(id, len),
            "stream {id}: {} of {len} bytes",
            data.len()
        );
        let ended = |e: &&Array| code(e) == EV_END && e.get(1).as_f64() == Some(f64::from(id));
        assert_eq!(got.iter().filter(ended).count(), 1, "stream {id} ends once");
    }
    assert_eq!(num(&duo.client.stats(), "recvBuffered"), 0.0);
}
