//! The faults aimed at the fields of a control frame: its common header, the fields of
//! each type, and its header block.

use spdy3::frame::{GoAwayStatus, RstStatus};
use spdy3::session::{Initiator, Role, StreamError};

use super::Target;
use crate::fault_expect::{type_expect, zlib_header_expect, Expect};
use crate::mutation::{del, dup, flip, mutate};
use crate::observe::{peer_parity, stream_resets};
use crate::transcript::{
    u32_at, GOAWAY, HEADERS, PING, RST_STREAM, SETTINGS, SYN_REPLY, SYN_STREAM, WINDOW_UPDATE,
};

impl Target<'_> {
    /// The common header of a control frame: control bit, version, type, flags, length,
    /// and the stream id of the frames that have one.
    pub(super) fn control_header(&mut self) {
        let (side, f, o) = (self.side, self.f, self.f.start);
        let as_data = u32_at(&side.wire, o) & 0x7fff_ffff;
        self.add(
            "control bit cleared: DATA on an idle stream (S-20)",
            flip(o, 0x80),
            Expect::Reset(as_data, &[RstStatus::INVALID_STREAM]),
        );
        self.add(
            "first byte repeated: version 0x80 (S-3)",
            dup(o),
            Expect::Fatal("S-3"),
        );
        self.add("first byte dropped", del(o), Expect::Generic);
        self.add("version 2 (S-3)", flip(o + 1, 1), Expect::Fatal("S-3"));
        self.add(
            "version byte repeated: type 0x03xx (S-9)",
            dup(o + 1),
            Expect::UnknownSkipped,
        );
        self.add(
            "version byte dropped: version 0 (S-3)",
            del(o + 1),
            Expect::Fatal("S-3"),
        );
        let e = type_expect(side, f, f.ty ^ 1);
        self.add("type bit 0 (S-9, S-10)", flip(o + 3, 1), e);
        self.garble("type byte", o + 3);
        let flag1 = match f.ty {
            SYN_STREAM | SYN_REPLY | HEADERS => self.fin_added(),
            // CLEAR_SETTINGS from a client: a server ignores it (S-66).
            SETTINGS if side.receiver == Role::Server => Expect::Same,
            SETTINGS => Expect::Generic,
            // 0x01 is undefined on the other control frames (S-11).
            _ => Expect::Same,
        };
        self.flags("flag 0x01 (S-11, S-22, S-66)", flag1);
        self.add(
            "length + 65536: too large (S-30)",
            flip(o + 5, 1),
            Expect::Fatal("S-30"),
        );
        self.length("length ± 1 (S-10)");
        if matches!(
            f.ty,
            SYN_STREAM | SYN_REPLY | RST_STREAM | HEADERS | WINDOW_UPDATE | GOAWAY
        ) {
            self.add(
                "reserved bit of the id (S-7)",
                flip(o + 8, 0x80),
                Expect::Same,
            );
            self.garble("id byte", o + 11);
        }
    }

    /// The fields after the common header, by frame type.
    pub(super) fn control_fields(&mut self) {
        let (side, f, o) = (self.side, self.f, self.f.start);
        let w = &side.wire;
        let other = f.id ^ 1;
        match f.ty {
            SYN_STREAM => {
                // Id 0 or one of the receiver's own ids (S-17).
                self.add(
                    "stream id ^ 1 (S-17)",
                    flip(o + 11, 1),
                    Expect::Fatal("S-17"),
                );
                self.add(
                    "reserved bit of the associated id (S-7)",
                    flip(o + 12, 0x80),
                    Expect::Same,
                );
                let assoc = u32_at(w, o + 12) & 0x7fff_ffff;
                let e = if side.receiver == Role::Client && assoc ^ 1 == 0 {
                    Expect::Fatal("S-79")
                } else {
                    Expect::Generic
                };
                self.add("associated id ^ 1 (S-79)", flip(o + 15, 1), e);
                self.add("unused priority bits (§4.1)", flip(o + 16, 1), Expect::Same);
                self.add("slot (§4.1)", flip(o + 17, 1), Expect::Same);
            }
            SYN_REPLY | HEADERS => {
                let e = if other == 0 {
                    Expect::Fatal("S-28")
                } else {
                    let statuses = &[RstStatus::INVALID_STREAM, RstStatus::PROTOCOL_ERROR];
                    Expect::Reset(other, statuses)
                };
                self.add("stream id ^ 1 (S-20, S-23, S-28)", flip(o + 11, 1), e);
            }
            RST_STREAM => {
                self.add(
                    "stream id ^ 1 (S-25)",
                    flip(o + 11, 1),
                    Expect::NoRstFor(other),
                );
                let status = u32_at(w, o + 12) ^ 1;
                let effective = stream_resets(&side.clean.log, f.id).iter().any(|e| {
                    matches!(
                        e,
                        StreamError::Reset {
                            initiator: Initiator::Remote,
                            ..
                        }
                    )
                });
                let e = if !effective {
                    Expect::Generic
                } else if status == RstStatus::REFUSED_STREAM.0 {
                    Expect::PeerReset(f.id, StreamError::Refused)
                } else {
                    let error = StreamError::Reset {
                        status: RstStatus(status),
                        initiator: Initiator::Remote,
                    };
                    Expect::PeerReset(f.id, error)
                };
                self.add("status ^ 1 (S-27)", flip(o + 15, 1), e);
            }
            SETTINGS => {
                self.add(
                    "entry count ^ 1 (S-10)",
                    flip(o + 11, 1),
                    Expect::Fatal("S-10"),
                );
                self.garble("entry count byte", o + 11);
                let count = u32_at(w, o + 8) as usize;
                for k in 0..count {
                    let entry = o + 12 + 8 * k;
                    if u32_at(w, entry) & 0x00ff_ffff == 7 {
                        self.add(
                            "INITIAL_WINDOW_SIZE ≥ 2^31 (S-61)",
                            flip(entry + 4, 0x80),
                            Expect::Fatal("S-61"),
                        );
                    }
                }
            }
            PING => {
                let id = u32_at(w, o + 8) ^ 1;
                let e = if peer_parity(side.receiver, id) {
                    Expect::PingEcho(id)
                } else {
                    Expect::PingIgnored(id)
                };
                self.add("ping id ^ 1 (S-69, S-70, S-71)", flip(o + 11, 1), e);
            }
            GOAWAY => {
                let status = GoAwayStatus(u32_at(w, o + 12));
                let e = Expect::GoAwayReceived {
                    last_good: other,
                    status,
                };
                self.add("last-good id ^ 1 (S-72)", flip(o + 11, 1), e);
                let e = Expect::GoAwayReceived {
                    last_good: f.id,
                    status: GoAwayStatus(status.0 ^ 1),
                };
                self.add("status ^ 1 (S-72)", flip(o + 15, 1), e);
            }
            WINDOW_UPDATE => {
                self.add("stream id ^ 1", flip(o + 11, 1), Expect::Generic);
                self.add(
                    "reserved bit of the delta (S-7)",
                    flip(o + 12, 0x80),
                    Expect::Same,
                );
                self.add("delta ± 1", flip(o + 15, 1), Expect::Generic);
                self.garble("delta byte", o + 15);
            }
            _ => {}
        }
    }

    /// The header block starting at `b`: for the first block of the transcript its zlib
    /// header (RFC 1950, §7.2), for the others the first deflate byte; then a byte in the
    /// middle.
    pub(super) fn header_block(&mut self, b: usize, first: bool) {
        let bfinal = "BFINAL in the first deflate byte (S-47)";
        if first {
            for m in [flip(b, 1), dup(b), del(b)] {
                let mutated: Vec<u8> = mutate(self.side, m).concat();
                let e = zlib_header_expect(&mutated[b..b + 6]);
                self.add("zlib header CMF (S-47)", m, e);
            }
            self.add("zlib DICTID (S-45)", flip(b + 2, 1), Expect::Fatal("S-45"));
            self.add(bfinal, flip(b + 6, 1), Expect::Fatal("S-47"));
        } else {
            self.add(bfinal, flip(b, 1), Expect::Fatal("S-47"));
            self.garble("first block byte", b);
        }
        let mid = b + (self.f.end - b) / 2;
        self.add("middle block byte flipped", flip(mid, 1), Expect::Generic);
        self.garble("middle block byte", mid);
    }
}
