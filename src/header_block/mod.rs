//! Name/value header blocks and their compression (SPDY31.md §6, §7).
//!
//! Each endpoint owns one [`HeaderDeflater`] for every block it sends and one
//! [`HeaderInflater`] for every block it receives, for the whole session, used in wire
//! order (S-42): a block is compressed when its frame is committed to the output, and every
//! received block is inflated, even when its frame is then rejected (S-33).

mod compress;
mod deflate;
mod inflate;
mod list;

use alloc::vec::Vec;
use bytes::Bytes;
use core::fmt;

pub use compress::{
    CompressionOptions, Compressor, Decompressor, InflateError, Strategy, DICTIONARY, DICTIONARY_ID,
};
pub use list::{HeaderList, CONNECTION_SPECIFIC};

use crate::error::Reaction;
use crate::frame::{GoAwayStatus, RstStatus};

/// Limits on received header blocks, each a defence against a hostile peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest inflated block kept. A larger block is still inflated to the end (so the
    /// shared context stays in sync, S-33) but its stream is reset with FRAME_TOO_LARGE
    /// (S-30). Bounds memory per header block. Default 64 KiB.
    pub max_block: usize,
    /// Inflated size at which inflation stops and the session ends: a zlib bomb
    /// (S-30, a project rule). Bounds CPU per frame. Default 1 MiB.
    pub max_inflated: usize,
    /// Most pairs in one block; more draws FRAME_TOO_LARGE. Bounds validation work.
    /// Default 1024.
    pub max_pairs: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_block: 64 * 1024,
            max_inflated: 1024 * 1024,
            max_pairs: 1024,
        }
    }
}

/// A header block that cannot be used, received or to be sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderError {
    /// A zero-length name (S-36).
    EmptyName,
    /// A name with an upper-case letter (S-37).
    UppercaseName,
    /// A name with a NUL, non-ASCII byte, or (when sending) a space or control character.
    InvalidName,
    /// A name that appears twice in one block (S-38).
    DuplicateName,
    /// A value that begins or ends with NUL or has two NULs in a row (S-39).
    InvalidValue,
    /// Lengths that run past the block, a wrong count, or trailing bytes (S-41).
    Malformed,
    /// More pairs than [`Limits::max_pairs`].
    TooManyPairs {
        /// The count the block claims.
        count: usize,
    },
    /// An inflated block over [`Limits::max_block`] (S-30).
    TooLarge {
        /// Its size in bytes.
        size: usize,
    },
    /// A connection-specific header (`connection`, `keep-alive`, `proxy-connection`,
    /// `transfer-encoding`) was to be sent (S-88).
    ConnectionSpecific,
    /// The compressed stream is unusable (S-45, S-47) or a zlib bomb: the session must end.
    Inflate(InflateError),
}

impl HeaderError {
    /// What the receiver of the block must do: a session error when the compression
    /// context is lost, otherwise a reset of `stream_id`.
    pub fn reaction(self, stream_id: u32) -> Reaction {
        match self {
            HeaderError::Inflate(_) => Reaction::CloseSession(GoAwayStatus::PROTOCOL_ERROR),
            HeaderError::TooLarge { .. } | HeaderError::TooManyPairs { .. } => {
                Reaction::ResetStream {
                    stream_id,
                    status: RstStatus::FRAME_TOO_LARGE,
                }
            }
            _ => Reaction::ResetStream {
                stream_id,
                status: RstStatus::PROTOCOL_ERROR,
            },
        }
    }

    /// The checklist rule of SPDY31.md that the error enforces.
    pub fn rule(self) -> &'static str {
        match self {
            HeaderError::EmptyName => "S-36",
            HeaderError::UppercaseName | HeaderError::InvalidName => "S-37",
            HeaderError::DuplicateName => "S-38",
            HeaderError::InvalidValue => "S-39",
            HeaderError::Malformed => "S-41",
            HeaderError::TooManyPairs { .. } | HeaderError::TooLarge { .. } => "S-30",
            HeaderError::ConnectionSpecific => "S-88",
            HeaderError::Inflate(InflateError::WrongDictionary { .. }) => "S-45",
            HeaderError::Inflate(InflateError::TooLarge) => "S-30",
            HeaderError::Inflate(_) => "S-47",
        }
    }
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderError::EmptyName => f.write_str("header with an empty name"),
            HeaderError::UppercaseName => f.write_str("header name with upper-case letters"),
            HeaderError::InvalidName => f.write_str("header name with invalid characters"),
            HeaderError::DuplicateName => f.write_str("header name repeated in one block"),
            HeaderError::InvalidValue => f.write_str("header value with misplaced NUL bytes"),
            HeaderError::Malformed => f.write_str("malformed name/value block"),
            HeaderError::TooManyPairs { count } => write!(f, "header block with {count} pairs"),
            HeaderError::TooLarge { size } => write!(f, "header block of {size} bytes"),
            HeaderError::ConnectionSpecific => {
                f.write_str("connection-specific header may not be sent")
            }
            HeaderError::Inflate(e) => write!(f, "header compression: {e}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for HeaderError {}

impl From<InflateError> for HeaderError {
    fn from(e: InflateError) -> Self {
        HeaderError::Inflate(e)
    }
}

/// Inflates and parses every header block one endpoint receives.
pub struct HeaderInflater {
    zlib: Decompressor,
    /// Reused inflate buffer: each block then costs one exact-size allocation.
    scratch: Vec<u8>,
}

impl HeaderInflater {
    /// A fresh context for one direction of a session.
    pub fn new() -> Self {
        HeaderInflater {
            zlib: Decompressor::new(),
            scratch: Vec::new(),
        }
    }

    /// Inflates `block` (the compressed block of the next SYN_STREAM, SYN_REPLY or HEADERS
    /// received, in wire order) and parses it. An empty block is an empty list (a HEADERS of
    /// length 4, SPDY31.md §16 item 8).
    ///
    /// The block is always inflated to its end before it is judged, so the context stays in
    /// sync after a stream error (S-33); see [`HeaderError::reaction`].
    pub fn decode(&mut self, block: &[u8], limits: &Limits) -> Result<HeaderList, HeaderError> {
        if block.is_empty() {
            return Ok(HeaderList::new());
        }
        self.scratch.clear();
        let size = self.zlib.decompress(
            block,
            &mut self.scratch,
            limits.max_block,
            limits.max_inflated,
        )?;
        if size > limits.max_block {
            return Err(HeaderError::TooLarge { size });
        }
        let list = HeaderList::parse(Bytes::copy_from_slice(&self.scratch), limits.max_pairs);
        // Keep the buffer for the next block unless a large one inflated it.
        if self.scratch.capacity() > 16 * 1024 {
            self.scratch = Vec::new();
        }
        list
    }
}

impl Default for HeaderInflater {
    fn default() -> Self {
        Self::new()
    }
}

/// Validates, serializes and compresses every header block one endpoint sends.
pub struct HeaderDeflater {
    zlib: Compressor,
    block: Vec<u8>,
}

impl HeaderDeflater {
    /// A fresh context for one direction of a session.
    pub fn new(options: CompressionOptions) -> Self {
        HeaderDeflater {
            zlib: Compressor::new(options),
            block: Vec::new(),
        }
    }

    /// Compresses `headers` as the next block on the wire and appends it to `out`. Call it
    /// only when the frame carrying the block is committed to the output (compression order
    /// must equal wire order, S-42). An invalid list is refused before the context is
    /// touched.
    pub fn encode(&mut self, headers: &HeaderList, out: &mut Vec<u8>) -> Result<(), HeaderError> {
        self.block.clear();
        headers.encode_block(&mut self.block)?;
        self.zlib.compress(&self.block, out);
        Ok(())
    }

    /// [`encode`](Self::encode) for a list the caller already checked with
    /// [`HeaderList::validate_for_send`] (the session checks when a command queues it).
    pub(crate) fn encode_validated(&mut self, headers: &HeaderList, out: &mut Vec<u8>) {
        self.block.clear();
        headers
            .write_block(&mut self.block)
            .expect("a validated list fits a block");
        self.zlib.compress(&self.block, out);
    }

    /// [`encode`](Self::encode) into a new buffer.
    pub fn encode_to_bytes(&mut self, headers: &HeaderList) -> Result<Bytes, HeaderError> {
        let mut out = Vec::new();
        self.encode(headers, &mut out)?;
        Ok(Bytes::from(out))
    }
}

impl Default for HeaderDeflater {
    fn default() -> Self {
        Self::new(CompressionOptions::default())
    }
}
