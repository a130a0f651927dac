//! SETTINGS (SPDY31.md §4.4, §11).

use alloc::vec::Vec;
use bytes::{Buf, BufMut, Bytes};

use super::head::{FrameHead, HEAD_LEN};
use super::{DecodeError, EncodeError, FrameType, SettingId};

/// Frame flag: the client is to drop every value it persisted for this origin.
pub const FLAG_CLEAR_SETTINGS: u8 = 0x01;
/// Entry flag (server → client): remember this value for later sessions.
pub const FLAG_PERSIST_VALUE: u8 = 0x01;
/// Entry flag (client → server): a value the server asked the client to keep.
pub const FLAG_PERSISTED: u8 = 0x02;

/// Session parameters. Entries are kept in wire order; the receiver's rules (first of
/// duplicate ids wins, unknown ids ignored) belong to the session (S-64, S-65).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    /// FLAG_SETTINGS_CLEAR_SETTINGS (only a server may set it, S-66).
    pub clear_settings: bool,
    /// The entries, in the order they are sent or were received.
    pub entries: Vec<Setting>,
}

/// One SETTINGS entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Setting {
    /// The 24-bit id.
    pub id: SettingId,
    /// The value.
    pub value: u32,
    /// FLAG_SETTINGS_PERSIST_VALUE.
    pub persist_value: bool,
    /// FLAG_SETTINGS_PERSISTED.
    pub persisted: bool,
}

impl Setting {
    /// An entry without persistence flags.
    pub fn new(id: SettingId, value: u32) -> Self {
        Setting {
            id,
            value,
            persist_value: false,
            persisted: false,
        }
    }
}

impl Settings {
    pub(super) fn parse(flags: u8, mut p: Bytes) -> Result<Self, DecodeError> {
        let len = p.len();
        if len < 4 {
            return Err(DecodeError::invalid_length(FrameType::SETTINGS, len));
        }
        // Check the count against the length before sizing anything from it (S-10).
        let count = p.get_u32();
        if 4 + 8 * u64::from(count) != len as u64 {
            return Err(DecodeError::invalid_length(FrameType::SETTINGS, len));
        }
        let mut entries = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let head = p.get_u32();
            let entry_flags = (head >> 24) as u8;
            entries.push(Setting {
                id: SettingId(head & 0x00ff_ffff),
                value: p.get_u32(),
                persist_value: entry_flags & FLAG_PERSIST_VALUE != 0,
                persisted: entry_flags & FLAG_PERSISTED != 0,
            });
        }
        Ok(Settings {
            clear_settings: flags & FLAG_CLEAR_SETTINGS != 0,
            entries,
        })
    }

    /// Writes the frame with the entries in the given order. Ids are truncated to 24 bits.
    pub fn encode(&self, dst: &mut impl BufMut) -> Result<(), EncodeError> {
        let len = EncodeError::check(4 + 8 * self.entries.len())?;
        let flags = if self.clear_settings {
            FLAG_CLEAR_SETTINGS
        } else {
            0
        };
        FrameHead::put_control(dst, FrameType::SETTINGS, flags, len);
        dst.put_u32(self.entries.len() as u32);
        for e in &self.entries {
            let mut entry_flags = 0u32;
            if e.persist_value {
                entry_flags |= u32::from(FLAG_PERSIST_VALUE);
            }
            if e.persisted {
                entry_flags |= u32::from(FLAG_PERSISTED);
            }
            dst.put_u32((entry_flags << 24) | (e.id.0 & 0x00ff_ffff));
            dst.put_u32(e.value);
        }
        Ok(())
    }

    /// Bytes the encoded frame occupies.
    pub fn encoded_len(&self) -> usize {
        HEAD_LEN + 4 + 8 * self.entries.len()
    }

    /// The first value given for `id` in this frame (S-64), if any.
    pub fn get(&self, id: SettingId) -> Option<u32> {
        self.entries.iter().find(|e| e.id == id).map(|e| e.value)
    }
}
