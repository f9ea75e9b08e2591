//! Channel names interned to dense ids, so that paths are short slices of integers.

use rustc_hash::FxHashMap;

use crate::error::Error;

/// The dense index of a channel in a [`Channels`] table: paths, state keys and credit vectors are
/// indexed by it, which keeps the hot loops free of string hashing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChannelId(u32);

impl ChannelId {
    /// The id as a vector index.
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// The id with the given index; only [`Channels`] hands these out for real data.
    pub fn from_index(index: usize) -> Option<Self> {
        u32::try_from(index).ok().map(Self)
    }

    /// The raw integer, for packing state keys.
    pub fn get(self) -> u32 {
        self.0
    }
}

/// The channels seen in the input, in order of first appearance (ids are stable for one data set).
/// Output is sorted by name, never by id, so the order of the input does not leak into results.
#[derive(Debug, Default, Clone)]
pub struct Channels {
    names: Vec<String>,
    index: FxHashMap<Box<[u8]>, ChannelId>,
    /// Names of up to 15 bytes packed with their length into one integer: a known channel then costs
    /// an integer hash and compare, no byte comparison (this lookup runs once per touch row).
    short: FxHashMap<u128, ChannelId>,
}

/// `name` and its length packed into a `u128`, if it has at most 15 bytes.
fn pack(name: &[u8]) -> Option<u128> {
    if name.len() > 15 {
        return None;
    }
    let mut bytes = [0u8; 16];
    bytes[..name.len()].copy_from_slice(name);
    #[allow(clippy::cast_possible_truncation)] // at most 15
    let len = name.len() as u8;
    bytes[15] = len;
    Some(u128::from_le_bytes(bytes))
}

impl Channels {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// The id of `name`, adding it on first sight. Fails only past four billion channels.
    pub fn intern(&mut self, name: &str) -> Result<ChannelId, Error> {
        self.intern_bytes(name.as_bytes())
    }

    /// The id of the channel named by these bytes, adding it on first sight; UTF-8 is checked only
    /// then, so a known channel costs one hash lookup.
    pub fn intern_bytes(&mut self, name: &[u8]) -> Result<ChannelId, Error> {
        let packed = pack(name);
        let known = match packed {
            Some(key) => self.short.get(&key),
            None => self.index.get(name),
        };
        if let Some(&id) = known {
            return Ok(id);
        }
        let name = std::str::from_utf8(name)
            .map_err(|_| Error::Unsupported("a channel name is not UTF-8".into()))?;
        let id = ChannelId::from_index(self.names.len())
            .ok_or_else(|| Error::Unsupported("more than 4294967295 distinct channels".into()))?;
        self.names.push(name.to_owned());
        self.index.insert(name.as_bytes().into(), id);
        if let Some(key) = packed {
            self.short.insert(key, id);
        }
        Ok(id)
    }

    /// The id of `name` if it has been seen.
    pub fn get(&self, name: &str) -> Option<ChannelId> {
        self.index.get(name.as_bytes()).copied()
    }

    /// The name of a channel.
    pub fn name(&self, id: ChannelId) -> &str {
        self.names.get(id.index()).map_or("", String::as_str)
    }

    /// How many distinct channels.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether no channel has been seen.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Every id, in id order.
    pub fn ids(&self) -> impl Iterator<Item = ChannelId> + '_ {
        (0..self.names.len()).filter_map(ChannelId::from_index)
    }

    /// Every id, sorted by channel name: the order of every output.
    pub fn ids_by_name(&self) -> Vec<ChannelId> {
        let mut ids: Vec<ChannelId> = self.ids().collect();
        ids.sort_by(|a, b| self.name(*a).cmp(self.name(*b)));
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_names_intern_once() {
        let mut channels = Channels::new();
        let names = [
            "a",
            "search",
            "fifteen_bytes__",
            "sixteen_bytes___",
            "a\0",
            "",
        ];
        let ids: Vec<ChannelId> = names
            .iter()
            .map(|n| channels.intern(n).expect("fits"))
            .collect();
        let again: Vec<ChannelId> = names
            .iter()
            .map(|n| channels.intern_bytes(n.as_bytes()).expect("fits"))
            .collect();
        assert_eq!(ids, again);
        assert_eq!(channels.len(), names.len());
        for (name, id) in names.iter().zip(&ids) {
            assert_eq!(channels.name(*id), *name);
            assert_eq!(channels.get(name), Some(*id));
        }
        assert!(channels.intern_bytes(b"\xff").is_err());
    }
}
