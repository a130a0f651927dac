//! The invariants every replay must meet, faulty or not, and how a test reports the runs
//! that broke them.

use spdy3::frame::{Frame, GoAwayStatus, RstStatus};
use spdy3::session::{Event, Initiator, Session, SessionError, StreamError};
use spdy3::time::Instant;

use crate::app::App;
use crate::observe::{decode_output, event_stream, goaways, peer_parity, rsts, stream_resets};
use crate::replay::{Phase, Run};

/// The invariants every replay must meet, faulty or not (S-27, S-31, S-73, S-76, and the
/// issue's "ends with a clear error, every open stream is told, nothing leaks, nothing
/// hangs"). Problems are added to `run.problems`.
pub fn check_generic(run: &mut Run) {
    let Some(reason) = run.ep.s.close_reason() else {
        run.problems
            .push("the session never ended, even after EOF".to_string());
        return;
    };
    let mut bad = Vec::new();
    if !run.ep.s.is_closed() {
        bad.push("ended but not closed after the output was drained".to_string());
    }
    check_events(&run.ep.app, reason, &mut bad);
    check_nothing_left(&mut run.ep.s, run.ep.now, &mut bad);
    // What it sent decodes, and its GOAWAY and RST_STREAMs agree with what it reported.
    match decode_output(&run.ep.out) {
        Err(e) => bad.push(e),
        Ok(frames) => {
            check_goaway(run, reason, &frames, &mut bad);
            check_rsts(&run.ep.app, &frames, &mut bad);
        }
    }
    run.problems.extend(bad);
}

/// One `Closed`, matching the reason; after it only streams kept readable leave. Every
/// stream is told exactly once, and nothing follows its end.
fn check_events(app: &App, reason: SessionError, bad: &mut Vec<String>) {
    let closes: Vec<SessionError> = app
        .log
        .iter()
        .filter_map(|e| match e {
            Event::Closed(r) => Some(*r),
            _ => None,
        })
        .collect();
    if closes != [reason] {
        bad.push(format!("Closed events {closes:?} for reason {reason:?}"));
    }
    if let Some(i) = app.log.iter().position(|e| matches!(e, Event::Closed(_))) {
        for e in &app.log[i + 1..] {
            if !matches!(e, Event::StreamClosed { .. }) {
                bad.push(format!("{e:?} after Closed"));
            }
        }
    }
    let mut ids = app.known.clone();
    ids.extend(app.log.iter().filter_map(event_stream));
    for id in ids {
        let events: Vec<&Event> = app
            .log
            .iter()
            .filter(|e| event_stream(e) == Some(id))
            .collect();
        let closed = events
            .iter()
            .filter(|e| matches!(e, Event::StreamClosed { .. }))
            .count();
        let resets = stream_resets(&app.log, id);
        if closed > 1 || (app.known.contains(&id) && closed != 1) {
            bad.push(format!("stream {id}: {closed} StreamClosed events"));
        }
        if resets.len() > 1 {
            bad.push(format!("stream {id}: several resets {resets:?}"));
        }
        if let Some(i) = events
            .iter()
            .position(|e| matches!(e, Event::StreamClosed { .. }))
        {
            if i + 1 != events.len() {
                bad.push(format!(
                    "stream {id}: {:?} after StreamClosed",
                    events[i + 1]
                ));
            }
        }
        let peer_finished = app.fin_read.contains(&id)
            || app.pushed.contains(&id)
            || events.iter().any(|e| {
                matches!(
                    e,
                    Event::StreamOpened { fin: true, .. }
                        | Event::Reply { fin: true, .. }
                        | Event::Headers { fin: true, .. }
                )
            });
        if app.known.contains(&id) && resets.is_empty() && !peer_finished {
            bad.push(format!(
                "stream {id} closed without a reset and without the peer's FIN"
            ));
        }
    }
}

/// Nothing left: no timer, no input wanted, nothing to send, no event, no state.
fn check_nothing_left(s: &mut Session, now: Instant, bad: &mut Vec<String>) {
    if let Some(t) = s.poll_timeout() {
        bad.push(format!("a timer is still armed after close: {t:?}"));
    }
    if s.wants_input() {
        bad.push("still wants input after close".to_string());
    }
    let mut more = Vec::new();
    if s.poll_transmit(now, &mut more, usize::MAX) != 0 {
        bad.push(format!("{} more bytes to send after the drain", more.len()));
    }
    if let Some(e) = s.poll_event() {
        bad.push(format!("event left after close: {e:?}"));
    }
    let st = s.stats();
    let leaks = [
        ("streams", st.streams),
        ("active_local", st.active_local),
        ("active_remote", st.active_remote),
        ("recv_buffered", st.recv_buffered),
        ("send_buffered", st.send_buffered),
        ("input_buffered", st.input_buffered),
    ];
    for (what, n) in leaks {
        if n != 0 {
            bad.push(format!("leak: {what} = {n} ({:?})", s.stream_ids()));
        }
    }
}

/// The GOAWAY it sent: after EOF, none but the application's own; otherwise exactly one,
/// last, with the status of the reason (OK when the peer ended it, S-31, S-76) and a
/// last-good id that is 0 or the peer's and covers every stream the peer opened (S-73).
fn check_goaway(run: &Run, reason: SessionError, frames: &[Frame], bad: &mut Vec<String>) {
    let app = &run.ep.app;
    let goaways = goaways(frames);
    if run.ended_in == Some(Phase::Eof) {
        // The transport is gone: only a GOAWAY the application sent before went out.
        if goaways.len() != usize::from(app.goaway_called) {
            bad.push(format!("GOAWAYs {goaways:?} sent, yet it ended at EOF"));
        }
    } else if let [(i, g)] = goaways[..] {
        let status = if reason.initiator == Initiator::Remote {
            GoAwayStatus::OK
        } else {
            reason.status
        };
        if g.status != status {
            bad.push(format!("GOAWAY status {:?} for {reason:?}", g.status));
        }
        if i + 1 != frames.len() {
            bad.push(format!("{:?} sent after GOAWAY", frames[i + 1]));
        }
        let opened = app
            .log
            .iter()
            .filter_map(|e| match e {
                Event::StreamOpened { stream_id, .. } => Some(*stream_id),
                _ => None,
            })
            .max()
            .unwrap_or(0);
        let lg = g.last_good_stream_id;
        if lg < opened || (lg != 0 && !peer_parity(run.ep.s.role(), lg)) {
            bad.push(format!(
                "GOAWAY last-good {lg}, peer streams up to {opened}"
            ));
        }
    } else {
        bad.push(format!(
            "GOAWAYs sent {goaways:?} for {reason:?} (S-31, S-76)"
        ));
    }
}

/// Each RST_STREAM it sent has a non-zero status (S-27) and matches what the stream was
/// told (S-25); each reset it reported as its own was sent.
fn check_rsts(app: &App, frames: &[Frame], bad: &mut Vec<String>) {
    let sent = rsts(frames);
    for &(id, status) in &sent {
        if status.0 == 0 {
            bad.push(format!("RST_STREAM status 0 on {id} (S-27)"));
        }
        if !app.known.contains(&id) {
            continue;
        }
        match stream_resets(&app.log, id)[..] {
            // A late answer to a frame on a stream that had completed.
            [] => {}
            [StreamError::Reset {
                status: st,
                initiator,
            }] if st == status && initiator != Initiator::Remote => {}
            [StreamError::ReplyTimeout] if status == RstStatus::CANCEL => {}
            ref other => bad.push(format!(
                "RST_STREAM ({id}, {status:?}) sent, stream told {other:?} (S-25)"
            )),
        }
    }
    for e in &app.log {
        if let Event::StreamReset {
            stream_id,
            error:
                StreamError::Reset {
                    status,
                    initiator: Initiator::Local | Initiator::Library,
                },
        } = e
        {
            if !sent.contains(&(*stream_id, *status)) {
                bad.push(format!(
                    "stream {stream_id} reset with {status:?} but no RST_STREAM sent"
                ));
            }
        }
    }
}

/// Fails the test with the first failures, if there are any.
#[track_caller]
pub fn assert_no_failures(failures: &[String]) {
    let shown: Vec<&str> = failures.iter().take(25).map(String::as_str).collect();
    assert!(
        failures.is_empty(),
        "{} failures; first ones:\n{}",
        failures.len(),
        shown.join("\n")
    );
}
