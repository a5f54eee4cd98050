//! Maps and sets keyed by names, paths and hashes, with a fast hasher
//! (foldhash): rules, the cache and the merge look up 100,000 keys and
//! more, where the standard library's DoS-resistant hasher costs
//! noticeably. Keys come from the user's own config, not from strangers.

/// The hasher.
pub type Fast = foldhash::fast::RandomState;

/// A map with the fast hasher.
pub type FastMap<K, V> = std::collections::HashMap<K, V, Fast>;

/// A set with the fast hasher.
pub type FastSet<T> = std::collections::HashSet<T, Fast>;
