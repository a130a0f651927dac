//! What an end must show after the connection was cut at offset `k` of the transcript it
//! reads, computed from where in that transcript each stream of the exchange finishes.

use std::collections::{BTreeMap, BTreeSet};

use spdy3::frame::RstStatus;
use spdy3::session::{Initiator, Role, SessionError, StreamError};

use crate::exchange::{big_body, BIG, CANCELLED, CLIENT_STREAMS, PUSH, UPLOAD};
use crate::observe::{cancelled_by, goaways, pings, pongs, rsts, stream_resets};
use crate::replay::{Phase, Run, CLOSED, CONNECTION_LOST, GOAWAY_RECEIVED};
use crate::transcript::{
    u32_at, Side, GOAWAY, PING, RST_STREAM, SYN_REPLY, SYN_STREAM, WINDOW_UPDATE,
};

/// What one end must show after a cut at `k`.
pub struct CutExpect {
    pub k: usize,
    pub reason: SessionError,
    pub ended_in: Phase,
    /// Each stream the application knows, and the error it is told (`None`: it finished).
    pub fates: BTreeMap<u32, Option<StreamError>>,
    /// Every frame that ends before this offset was processed, no other.
    pub processed_to: usize,
    /// The application read nothing before the EOF.
    pub lazy: bool,
    /// The RST_STREAMs it sent.
    pub rsts: Vec<(u32, RstStatus)>,
    /// The last-good id of the GOAWAY it sent, if it sent one (S-73).
    pub goaway: Option<u32>,
    /// The exchange's PING (id 1) was answered: the client told of one pong (S-69), the
    /// server sent one echo (S-70).
    pub ping_answered: bool,
}

/// Checks what one end shows after a cut: the close reason, each stream's fate and body,
/// the frames processed, and the RST_STREAMs, GOAWAY and PING answer sent or seen.
pub fn check_cut(run: &Run, side: &Side, want: &CutExpect) -> Vec<String> {
    let mut bad = Vec::new();
    let app = &run.ep.app;
    bad.extend(run.check_ending(want.reason, want.ended_in));
    let known: BTreeSet<u32> = want.fates.keys().copied().collect();
    if app.known != known {
        bad.push(format!("knows streams {:?}, expected {known:?}", app.known));
    }
    for (&id, fate) in &want.fates {
        let resets = stream_resets(&app.log, id);
        let told: Vec<StreamError> = fate.iter().copied().collect();
        if resets != told {
            bad.push(format!("stream {id}: told {resets:?}, expected {told:?}"));
        }
        // Nothing lost: every byte that arrived whole was read (also after EOF), and no
        // other byte. A lazy reader gets the streams that were complete.
        let arrived = if side.app_resets.contains(&id) || (want.lazy && fate.is_some()) {
            Vec::new()
        } else {
            side.data_before(id, want.k)
        };
        let got = app.read.get(&id).cloned().unwrap_or_default();
        if got != arrived {
            bad.push(format!(
                "stream {id}: read {} bytes, {} arrived",
                got.len(),
                arrived.len()
            ));
        }
    }
    let received: u64 = run.ep.s.stats().frames_received.iter().sum();
    if received != side.frames_before(want.processed_to) {
        bad.push(format!(
            "{received} frames received, {} complete before the end",
            side.frames_before(want.processed_to)
        ));
    }
    let frames = run.sent_frames();
    if rsts(&frames) != want.rsts {
        bad.push(format!("sent RST_STREAMs {:?}", rsts(&frames)));
    }
    let goaway = goaways(&frames).first().map(|&(_, g)| g);
    if goaway.map(|g| g.last_good_stream_id) != want.goaway {
        bad.push(format!(
            "GOAWAY {goaway:?}, expected last-good {:?} (S-73)",
            want.goaway
        ));
    }
    let (answers, what) = match side.receiver {
        Role::Client => (pongs(&app.log, 1), "pongs"),
        Role::Server => {
            let echoes = pings(&frames).iter().filter(|&&id| id == 1).count();
            (echoes, "PING echoes (S-70)")
        }
    };
    if answers != usize::from(want.ping_answered) {
        bad.push(format!("{answers} {what}"));
    }
    bad
}

/// Where the server's transcript finishes each stream, for a client fed the first `k`
/// bytes of it.
pub struct ClientModel {
    /// The end of the frame that finishes each stream: its FIN, or for stream 7 the reply
    /// the client answers with CANCEL.
    done_at: BTreeMap<u32, usize>,
    push_at: usize,
    pong_at: usize,
    /// The end of the last of those frames: the client then sends GOAWAY and ends.
    pub graceful_at: usize,
    /// The end of the chunk holding that frame: the client processes nothing after it.
    closed_chunk_end: usize,
    /// The end of the server's GOAWAY.
    server_goaway_at: usize,
}

impl ClientModel {
    pub fn new(side: &Side) -> ClientModel {
        let mut done_at = BTreeMap::new();
        for id in [1, PUSH, UPLOAD, BIG] {
            let end = side.end_of("every FIN", |f| {
                f.id == id && f.fin() && (f.on_stream() || f.is(SYN_STREAM))
            });
            done_at.insert(id, end);
        }
        let reply = side.end_of("the reply to /cancel", |f| {
            f.is(SYN_REPLY) && f.id == CANCELLED
        });
        done_at.insert(CANCELLED, reply);
        let graceful_at = *done_at.values().max().expect("streams");
        ClientModel {
            graceful_at,
            closed_chunk_end: side.chunk_end(graceful_at),
            done_at,
            push_at: side.end_of("the push", |f| f.is(SYN_STREAM) && f.id == PUSH),
            pong_at: side.end_of("the PING echo", |f| f.is(PING)),
            server_goaway_at: side.end_of("the server's GOAWAY", |f| f.is(GOAWAY)),
        }
    }

    /// What a client fed the first `k` bytes must show; `lazy`: its application reads
    /// nothing before the EOF.
    pub fn cut(&self, k: usize, lazy: bool) -> CutExpect {
        // The eager client closes as soon as its last stream is done; the lazy one has
        // nothing done before it reads, and ends at EOF: after the server's GOAWAY with
        // every stream finished on the wire, that is the server's graceful close.
        let done = if lazy {
            k >= self.server_goaway_at
        } else {
            k >= self.graceful_at
        };
        let (reason, ended_in, processed_to) = match (done, lazy) {
            (true, false) => (CLOSED, Phase::Input, k.min(self.closed_chunk_end)),
            (true, true) => (GOAWAY_RECEIVED, Phase::Eof, k),
            (false, _) => (CONNECTION_LOST, Phase::Eof, k),
        };
        let mut fates = BTreeMap::new();
        for (&id, &at) in &self.done_at {
            if id == PUSH && k < self.push_at {
                continue;
            }
            let fate = if k < at {
                Some(StreamError::SessionClosed)
            } else if id == CANCELLED {
                Some(cancelled_by(Initiator::Local))
            } else {
                None
            };
            fates.insert(id, fate);
        }
        let cancelled = k >= self.done_at[&CANCELLED];
        CutExpect {
            k,
            reason,
            ended_in,
            fates,
            processed_to,
            lazy,
            rsts: cancelled
                .then_some((CANCELLED, RstStatus::CANCEL))
                .into_iter()
                .collect(),
            goaway: (done && !lazy).then_some(PUSH),
            ping_answered: k >= self.pong_at,
        }
    }
}

/// Where the client's transcript finishes each stream, for a server fed the first `k`
/// bytes of it.
pub struct ServerModel {
    syn_at: BTreeMap<u32, usize>,
    upload_fin_at: usize,
    /// The WINDOW_UPDATE that lets the rest of `/big` go.
    big_window_at: usize,
    cancel_at: usize,
    ping_at: usize,
    goaway_at: usize,
}

impl ServerModel {
    pub fn new(side: &Side) -> ServerModel {
        let syn_at = CLIENT_STREAMS
            .iter()
            .map(|&id| {
                let end = side.end_of("every SYN_STREAM", |f| f.is(SYN_STREAM) && f.id == id);
                (id, end)
            })
            .collect();
        // The first 1 KiB of /big fits the window; the rest waits for credit.
        let missing = big_body().len() as u32 - 1024;
        let mut credit = 0;
        let big_window_at = side.end_of("the WINDOW_UPDATE for /big", |f| {
            if f.is(WINDOW_UPDATE) && f.id == BIG {
                credit += u32_at(&side.wire, f.start + 12) & 0x7fff_ffff;
            }
            credit >= missing
        });
        ServerModel {
            syn_at,
            upload_fin_at: side.end_of("the end of the upload", |f| {
                !f.control && f.id == UPLOAD && f.fin()
            }),
            big_window_at,
            cancel_at: side.end_of("the CANCEL", |f| f.is(RST_STREAM) && f.id == CANCELLED),
            ping_at: side.end_of("the PING", |f| f.is(PING)),
            goaway_at: side.end_of("the GOAWAY", |f| f.is(GOAWAY)),
        }
    }

    /// What a server fed the first `k` bytes must show.
    pub fn cut(&self, k: usize) -> CutExpect {
        let done = k >= self.goaway_at;
        let mut fates = BTreeMap::new();
        for (&id, &at) in &self.syn_at {
            if k < at {
                continue;
            }
            let finished = match id {
                UPLOAD => k >= self.upload_fin_at,
                BIG => k >= self.big_window_at,
                CANCELLED => false,
                _ => true,
            };
            let fate = if id == CANCELLED && k >= self.cancel_at {
                Some(cancelled_by(Initiator::Remote))
            } else if finished {
                None
            } else {
                Some(StreamError::SessionClosed)
            };
            fates.insert(id, fate);
            if id == 1 {
                fates.insert(PUSH, None);
            }
        }
        CutExpect {
            k,
            reason: if done {
                GOAWAY_RECEIVED
            } else {
                CONNECTION_LOST
            },
            ended_in: if done { Phase::Input } else { Phase::Eof },
            fates,
            processed_to: k,
            lazy: false,
            rsts: Vec::new(),
            goaway: done.then_some(CANCELLED),
            ping_answered: k >= self.ping_at,
        }
    }
}
