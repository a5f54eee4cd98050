//! The phone-number metadata of each country calling code, loaded on first
//! use: the build splits `phonenumber`'s metadata by calling code, so a
//! run that meets numbers of two countries reads and compiles the
//! numbering plans of those two, not of every country on earth (which
//! costs about 110 ms of CPU).

use std::sync::OnceLock;

use phonenumber::metadata::{Database, loader};

/// Every calling code's regions, as `phonenumber` reads them.
const BLOB: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/phone_metadata.bin"));

/// Each calling code, in order, with the byte range of its regions in `BLOB`.
const INDEX: &[(u16, usize, usize)] = include!(concat!(env!("OUT_DIR"), "/phone_metadata.rs"));

/// How many calling codes there are.
pub(super) const COUNT: usize = INDEX.len();

/// One calling code's metadata.
pub(crate) struct Country {
    /// Its regions, the main one first, as in `phonenumber`'s database.
    pub(super) regions: Vec<loader::Metadata>,
    database: OnceLock<Option<Database>>,
}

impl Country {
    /// A `phonenumber` database holding this calling code alone: it parses
    /// and validates the code's numbers as the whole database does.
    pub(crate) fn database(&self) -> Option<&Database> {
        self.database
            .get_or_init(|| Database::from(self.regions.clone()).ok())
            .as_ref()
    }
}

/// The position of a calling code among all of them.
pub(super) fn position(code: u16) -> Option<usize> {
    INDEX.binary_search_by_key(&code, |entry| entry.0).ok()
}

/// The metadata of the calling code at `position`.
pub(crate) fn country_at(position: usize) -> &'static Country {
    static CELLS: [OnceLock<Country>; COUNT] = [const { OnceLock::new() }; COUNT];
    CELLS[position].get_or_init(|| {
        let (_, start, len) = INDEX[position];
        Country {
            regions: postcard::from_bytes(&BLOB[start..start + len])
                .expect("the metadata written by the build reads back"),
            database: OnceLock::new(),
        }
    })
}

/// The calling code that starts `digits` (codes are prefix-free: the
/// first one that exists is the one) and its position.
pub(crate) fn calling_code(digits: &str) -> Option<(u16, usize)> {
    (1..=3.min(digits.len())).find_map(|n| {
        let code: u16 = digits[..n].parse().ok()?;
        Some((code, position(code)?))
    })
}
