//! The streams of a session, with the counts the concurrency limits need.

use alloc::collections::BTreeMap;
use alloc::collections::VecDeque;

use super::stream::{flag, Stream};

/// How many recently reset stream ids are remembered, so frames still in flight
/// for them are dropped quietly (and RST_STREAMs coalesced) instead of answered.
const RECENT: usize = 256;

/// Streams by id.
#[derive(Debug, Default)]
pub(super) struct StreamStore {
    map: BTreeMap<u32, Stream>,
    /// Active streams we opened (counted against the peer's limit, S-67).
    pub active_local: usize,
    /// Active streams the peer opened (counted against ours).
    pub active_remote: usize,
    /// Ids reset lately, oldest first.
    recent: VecDeque<u32>,
}

impl StreamStore {
    pub fn get(&self, id: u32) -> Option<&Stream> {
        self.map.get(&id)
    }

    pub fn get_mut(&mut self, id: u32) -> Option<&mut Stream> {
        self.map.get_mut(&id)
    }

    pub fn contains(&self, id: u32) -> bool {
        self.map.contains_key(&id)
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn ids(&self) -> impl Iterator<Item = u32> + '_ {
        self.map.keys().copied()
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Stream> {
        self.map.values_mut()
    }

    pub fn insert(&mut self, id: u32, stream: Stream, local: bool) {
        if local {
            self.active_local += 1;
        } else {
            self.active_remote += 1;
        }
        self.map.insert(id, stream);
    }

    /// Stops counting a stream against the concurrency limits once the wire is done with it.
    pub fn deactivate(&mut self, id: u32, local: bool) {
        if let Some(s) = self.map.get_mut(&id) {
            if s.has(flag::ACTIVE) {
                s.clear(flag::ACTIVE);
                if local {
                    self.active_local -= 1;
                } else {
                    self.active_remote -= 1;
                }
            }
        }
    }

    pub fn remove(&mut self, id: u32, local: bool) -> Option<Stream> {
        self.deactivate(id, local);
        self.map.remove(&id)
    }

    /// Remembers `id` as recently reset.
    pub fn remember(&mut self, id: u32) {
        if self.recent.len() == RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back(id);
    }

    pub fn recently_ended(&self, id: u32) -> bool {
        self.recent.contains(&id)
    }
}
