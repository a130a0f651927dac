//! [`HeaderList`]: the name/value pairs of one header block, and the uncompressed block
//! format (SPDY31.md §6): a 32-bit pair count, then per pair a 32-bit name length, the
//! name, a 32-bit value length and the value.

use alloc::vec::Vec;
use bytes::{BufMut, Bytes};
use core::fmt;

use super::HeaderError;

/// Headers that are connection-specific in HTTP and must never be sent (S-88).
pub const CONNECTION_SPECIFIC: [&str; 4] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
];

/// The name/value pairs of one header block, in wire order.
///
/// Names are lower case and unique; several values for one name are one value joined by
/// NUL bytes (S-38, S-40). [`append`](Self::append) does the joining. Names and values
/// parsed from the wire are zero-copy slices of the inflated block.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct HeaderList {
    pairs: Vec<(Bytes, Bytes)>,
}

impl HeaderList {
    /// An empty list.
    pub fn new() -> Self {
        HeaderList { pairs: Vec::new() }
    }

    /// An empty list with room for `n` names.
    pub fn with_capacity(n: usize) -> Self {
        HeaderList {
            pairs: Vec::with_capacity(n),
        }
    }

    /// Number of names.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// True when there are no pairs.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The value of `name` (NUL-joined if it has several), looked up case-insensitively.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.position(name.as_bytes()).map(|i| &self.pairs[i].1[..])
    }

    /// The value of `name` as UTF-8 text, if present and valid.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(|v| core::str::from_utf8(v).ok())
    }

    /// The separate values of `name` (its value split at NUL bytes).
    pub fn get_all<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.get(name)
            .into_iter()
            .flat_map(|v| v.split(|&b| b == 0))
    }

    /// The pairs in order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.pairs.iter().map(|(n, v)| (&n[..], &v[..]))
    }

    /// Sets `name` to `value`, replacing any earlier value. The name is lower-cased.
    pub fn insert(&mut self, name: impl AsRef<[u8]>, value: impl Into<Bytes>) {
        let name = lower(name.as_ref());
        let value = value.into();
        match self.position(&name) {
            Some(i) => self.pairs[i].1 = value,
            None => self.pairs.push((name, value)),
        }
    }

    /// Adds a value for `name`; a name already present gets the value joined to its own
    /// with a NUL byte (S-40). The name is lower-cased.
    pub fn append(&mut self, name: impl AsRef<[u8]>, value: impl AsRef<[u8]>) {
        let name = lower(name.as_ref());
        let value = value.as_ref();
        match self.position(&name) {
            Some(i) => {
                let old = &self.pairs[i].1;
                let mut joined = Vec::with_capacity(old.len() + 1 + value.len());
                joined.extend_from_slice(old);
                joined.push(0);
                joined.extend_from_slice(value);
                self.pairs[i].1 = Bytes::from(joined);
            }
            None => self.pairs.push((name, Bytes::copy_from_slice(value))),
        }
    }

    /// Removes `name` and returns its value.
    pub fn remove(&mut self, name: &str) -> Option<Bytes> {
        self.position(name.as_bytes())
            .map(|i| self.pairs.remove(i).1)
    }

    fn position(&self, name: &[u8]) -> Option<usize> {
        self.pairs
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    /// Parses an inflated block, checking every rule of SPDY31.md §6 (S-36 … S-41).
    pub fn parse(block: Bytes, max_pairs: usize) -> Result<HeaderList, HeaderError> {
        let mut at = 0usize;
        let count = read_u32(&block, &mut at)? as usize;
        // Each pair takes at least 8 bytes: check the count before allocating for it.
        if count > (block.len() - 4) / 8 {
            return Err(HeaderError::Malformed);
        }
        if count > max_pairs {
            return Err(HeaderError::TooManyPairs { count });
        }
        let mut pairs = Vec::with_capacity(count);
        for _ in 0..count {
            let name = read_field(&block, &mut at)?;
            let value = read_field(&block, &mut at)?;
            check_name(&name, true)?;
            check_value(&value)?;
            pairs.push((name, value));
        }
        if at != block.len() {
            return Err(HeaderError::Malformed);
        }
        check_unique(&pairs)?;
        Ok(HeaderList { pairs })
    }

    /// Checks that the list may be sent: valid names and values (S-36 … S-39) and no
    /// connection-specific header (S-88).
    pub fn validate_for_send(&self) -> Result<(), HeaderError> {
        for (name, value) in &self.pairs {
            check_name(name, false)?;
            check_value(value)?;
            if CONNECTION_SPECIFIC
                .iter()
                .any(|c| c.as_bytes() == &name[..])
            {
                return Err(HeaderError::ConnectionSpecific);
            }
        }
        check_unique(&self.pairs)
    }

    /// Validates the list for sending and appends its uncompressed block to `out`.
    /// Nothing is written when the list is invalid.
    pub fn encode_block(&self, out: &mut Vec<u8>) -> Result<(), HeaderError> {
        self.validate_for_send()?;
        self.write_block(out)
    }

    /// Appends the uncompressed block of a list already checked with
    /// [`validate_for_send`](Self::validate_for_send).
    pub(crate) fn write_block(&self, out: &mut Vec<u8>) -> Result<(), HeaderError> {
        let size: usize = 4 + self
            .pairs
            .iter()
            .map(|(n, v)| 8 + n.len() + v.len())
            .sum::<usize>();
        if size > u32::MAX as usize {
            return Err(HeaderError::TooLarge { size });
        }
        out.reserve(size);
        out.put_u32(self.pairs.len() as u32);
        for (name, value) in &self.pairs {
            out.put_u32(name.len() as u32);
            out.put_slice(name);
            out.put_u32(value.len() as u32);
            out.put_slice(value);
        }
        Ok(())
    }
}

impl fmt::Debug for HeaderList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (n, v) in &self.pairs {
            m.entry(
                &alloc::string::String::from_utf8_lossy(n),
                &alloc::string::String::from_utf8_lossy(v),
            );
        }
        m.finish()
    }
}

impl<N: AsRef<[u8]>, V: AsRef<[u8]>> FromIterator<(N, V)> for HeaderList {
    /// Collects pairs with [`append`](HeaderList::append), joining repeated names.
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        let mut list = HeaderList::new();
        for (n, v) in iter {
            list.append(n, v);
        }
        list
    }
}

/// Names sent on almost every block: kept as static bytes rather than copied.
const COMMON_NAMES: [&str; 9] = [
    ":method",
    ":path",
    ":version",
    ":host",
    ":scheme",
    ":status",
    "content-type",
    "content-length",
    "range",
];

fn lower(name: &[u8]) -> Bytes {
    if let Some(common) = COMMON_NAMES.iter().find(|c| c.as_bytes() == name) {
        return Bytes::from_static(common.as_bytes());
    }
    if name.iter().any(u8::is_ascii_uppercase) {
        Bytes::from(name.to_ascii_lowercase())
    } else {
        Bytes::copy_from_slice(name)
    }
}

fn read_u32(block: &Bytes, at: &mut usize) -> Result<u32, HeaderError> {
    let b = block.get(*at..*at + 4).ok_or(HeaderError::Malformed)?;
    *at += 4;
    Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fn read_field(block: &Bytes, at: &mut usize) -> Result<Bytes, HeaderError> {
    let len = read_u32(block, at)? as usize;
    // Checked against what is left before slicing: a length never sizes anything.
    if len > block.len() - *at {
        return Err(HeaderError::Malformed);
    }
    let field = block.slice(*at..*at + len);
    *at += len;
    Ok(field)
}

/// Names are non-empty (S-36), lower case (S-37), and free of NUL and non-ASCII bytes.
fn check_name(name: &[u8], received: bool) -> Result<(), HeaderError> {
    if name.is_empty() {
        return Err(HeaderError::EmptyName);
    }
    if name.iter().any(u8::is_ascii_uppercase) {
        return Err(HeaderError::UppercaseName);
    }
    if name
        .iter()
        .any(|&b| b == 0 || b >= 0x80 || (!received && b <= b' '))
    {
        return Err(HeaderError::InvalidName);
    }
    Ok(())
}

/// A non-empty value is one or more non-empty segments separated by single NULs (S-39).
fn check_value(value: &[u8]) -> Result<(), HeaderError> {
    let bad = value.first() == Some(&0)
        || value.last() == Some(&0)
        || value.windows(2).any(|w| w == [0, 0]);
    if bad {
        Err(HeaderError::InvalidValue)
    } else {
        Ok(())
    }
}

/// No name appears twice (S-38). Quadratic for short lists, sorted otherwise, so a hostile
/// block of many pairs costs O(n log n).
fn check_unique(pairs: &[(Bytes, Bytes)]) -> Result<(), HeaderError> {
    let dup = if pairs.len() <= 16 {
        pairs
            .iter()
            .enumerate()
            .any(|(i, (n, _))| pairs[..i].iter().any(|(m, _)| m == n))
    } else {
        let mut names: Vec<&[u8]> = pairs.iter().map(|(n, _)| &n[..]).collect();
        names.sort_unstable();
        names.windows(2).any(|w| w[0] == w[1])
    };
    if dup {
        Err(HeaderError::DuplicateName)
    } else {
        Ok(())
    }
}
