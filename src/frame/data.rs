//! DATA frames (SPDY31.md §4.9).

use bytes::{BufMut, Bytes};

use super::head::{FrameHead, HEAD_LEN, MAX_PAYLOAD_LEN};
use super::{EncodeError, FLAG_FIN};

/// Stream content. A DATA frame's payload is a zero-copy slice of the decoder's input.
///
/// The decoder may deliver one long DATA frame as several `Data` values (see
/// [`DecoderConfig::data_piece`](super::DecoderConfig::data_piece)); only the last piece
/// carries `fin`. SPDY gives DATA frame boundaries no meaning, so this is invisible to a
/// stream's reader.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Data {
    /// The stream (never 0 on a valid frame, S-12).
    pub stream_id: u32,
    /// FLAG_FIN: the sender's last frame on this stream.
    pub fin: bool,
    /// The content bytes.
    pub payload: Bytes,
}

impl Data {
    /// Writes the whole frame, header and payload.
    pub fn encode(&self, dst: &mut impl BufMut) -> Result<(), EncodeError> {
        Self::encode_head(self.stream_id, self.fin, self.payload.len(), dst)?;
        dst.put_slice(&self.payload);
        Ok(())
    }

    /// Writes only the 8-byte header of a DATA frame with `len` payload bytes, so an
    /// adapter can write the header and the caller's payload without copying them together.
    pub fn encode_head(
        stream_id: u32,
        fin: bool,
        len: usize,
        dst: &mut impl BufMut,
    ) -> Result<(), EncodeError> {
        let len = EncodeError::check(len)?;
        FrameHead::put_data(dst, stream_id, if fin { FLAG_FIN } else { 0 }, len);
        Ok(())
    }

    /// The 8-byte header as an array.
    pub fn head_bytes(
        stream_id: u32,
        fin: bool,
        len: usize,
    ) -> Result<[u8; HEAD_LEN], EncodeError> {
        let mut head = [0u8; HEAD_LEN];
        Self::encode_head(stream_id, fin, len, &mut &mut head[..])?;
        Ok(head)
    }

    /// Bytes the encoded frame occupies.
    pub fn encoded_len(&self) -> usize {
        HEAD_LEN + self.payload.len()
    }
}

const _: () = assert!(MAX_PAYLOAD_LEN == 0x00ff_ffff);
