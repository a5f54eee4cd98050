//! A SQLite table's rows read straight from the statement, through the
//! connection's own handle (`lock_handle`, which keeps sqlx's worker off
//! it meanwhile): each cell is handed to serde as the integer, real, text
//! or NULL SQLite holds, with no text built by SQLite for roster to parse
//! again. Reading 100,000 users this way costs one pass over the cells.

use std::ffi::{CStr, c_int};
use std::fmt;

use libsqlite3_sys as ffi;
use serde::de::{self, DeserializeOwned, DeserializeSeed, SeqAccess, Visitor};

/// Every row of `sql`, each deserialized as `T` (a tuple or tuple struct);
/// the inner error names the row that could not be read.
pub async fn rows<T: DeserializeOwned>(
    conn: &mut sqlx::SqliteConnection,
    sql: String,
) -> Result<Result<Vec<T>, String>, sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle();
    // SAFETY: the handle is an open connection, and while `handle` lives
    // nothing else uses it (sqlx's worker waits for the lock).
    unsafe { read(db.as_ptr(), &sql) }
}

/// A prepared statement, finalized when dropped.
struct Statement(*mut ffi::sqlite3_stmt);

impl Drop for Statement {
    fn drop(&mut self) {
        // SAFETY: prepared by `read` and finalized only here.
        unsafe {
            ffi::sqlite3_finalize(self.0);
        }
    }
}

/// # Safety
/// `db` must be an open connection that nothing else uses meanwhile.
unsafe fn read<T: DeserializeOwned>(
    db: *mut ffi::sqlite3,
    sql: &str,
) -> Result<Result<Vec<T>, String>, sqlx::Error> {
    let length = c_int::try_from(sql.len())
        .map_err(|_| sqlx::Error::Protocol("a statement longer than SQLite takes".into()))?;
    let mut prepared = std::ptr::null_mut();
    // SAFETY: `sql` is valid for `length` bytes; SQLite copies what it needs.
    let code = unsafe {
        ffi::sqlite3_prepare_v2(
            db,
            sql.as_ptr().cast(),
            length,
            &mut prepared,
            std::ptr::null_mut(),
        )
    };
    if code != ffi::SQLITE_OK {
        // SAFETY: `db` is open.
        return Err(unsafe { failure(db) });
    }
    let statement = Statement(prepared);
    // SAFETY: the statement is prepared.
    let columns = unsafe { ffi::sqlite3_column_count(statement.0) };
    let mut rows = Vec::new();
    loop {
        // SAFETY: the statement is prepared and not finalized.
        match unsafe { ffi::sqlite3_step(statement.0) } {
            ffi::SQLITE_ROW => {
                let row = Row {
                    statement: &statement,
                    next: 0,
                    columns,
                };
                match T::deserialize(row) {
                    Ok(row) => rows.push(row),
                    // SAFETY: the statement still has the row.
                    Err(error) => {
                        return Ok(Err(format!("{}: {error}", unsafe { which(&statement) })));
                    }
                }
            }
            ffi::SQLITE_DONE => return Ok(Ok(rows)),
            // SAFETY: `db` is open.
            _ => return Err(unsafe { failure(db) }),
        }
    }
}

/// The current row, named by its first column (a table's id or owner).
///
/// # Safety
/// The statement must have a current row.
unsafe fn which(statement: &Statement) -> String {
    // SAFETY: as the caller promises; both texts are copied at once.
    unsafe {
        let name = ffi::sqlite3_column_name(statement.0, 0);
        let value = ffi::sqlite3_column_text(statement.0, 0);
        if name.is_null() || value.is_null() {
            return "a row".to_string();
        }
        format!(
            "the row with {} {}",
            CStr::from_ptr(name).to_string_lossy(),
            CStr::from_ptr(value.cast()).to_string_lossy()
        )
    }
}

/// The connection's last error, as sqlx reports a database error.
///
/// # Safety
/// `db` must be an open connection.
unsafe fn failure(db: *mut ffi::sqlite3) -> sqlx::Error {
    // SAFETY: `db` is open; the message is copied before anything else
    // runs on it.
    let (code, message) = unsafe {
        let code = ffi::sqlite3_extended_errcode(db);
        let message = ffi::sqlite3_errmsg(db);
        let message = if message.is_null() {
            format!("SQLite error {code}")
        } else {
            CStr::from_ptr(message).to_string_lossy().into_owned()
        };
        (code, message)
    };
    sqlx::Error::Database(Box::new(Failure { code, message }))
}

/// An error SQLite reported, with its extended result code.
#[derive(Debug)]
struct Failure {
    code: c_int,
    message: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "(code: {}) {}", self.code, self.message)
    }
}

impl std::error::Error for Failure {}

impl sqlx::error::DatabaseError for Failure {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<std::borrow::Cow<'_, str>> {
        Some(self.code.to_string().into())
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> sqlx::error::ErrorKind {
        sqlx::error::ErrorKind::Other
    }
}

/// Why a row could not be read.
#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<M: fmt::Display>(message: M) -> Self {
        Error(message.to_string())
    }
}

/// The current row of a stepped statement, column by column.
struct Row<'a> {
    statement: &'a Statement,
    next: c_int,
    columns: c_int,
}

impl<'de> de::Deserializer<'de> for Row<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_seq(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

impl<'de> SeqAccess<'de> for Row<'_> {
    type Error = Error;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, Error> {
        if self.next >= self.columns {
            return Ok(None);
        }
        let cell = Cell {
            statement: self.statement,
            index: self.next,
        };
        self.next += 1;
        seed.deserialize(cell).map(Some)
    }
}

/// One cell of the current row, read once.
struct Cell<'a> {
    statement: &'a Statement,
    index: c_int,
}

impl Cell<'_> {
    fn kind(&self) -> c_int {
        // SAFETY: the statement has a current row and `index` is one of
        // its columns.
        unsafe { ffi::sqlite3_column_type(self.statement.0, self.index) }
    }
}

impl<'de> de::Deserializer<'de> for Cell<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let statement = self.statement.0;
        let index = self.index;
        // SAFETY (each arm): the statement has a current row, `index` is
        // one of its columns, and each cell is converted once; the text
        // and bytes stay valid until the statement is stepped again, after
        // the visitor has copied them.
        match self.kind() {
            ffi::SQLITE_NULL => visitor.visit_unit(),
            ffi::SQLITE_INTEGER => {
                visitor.visit_i64(unsafe { ffi::sqlite3_column_int64(statement, index) })
            }
            ffi::SQLITE_FLOAT => {
                visitor.visit_f64(unsafe { ffi::sqlite3_column_double(statement, index) })
            }
            ffi::SQLITE_TEXT => {
                let bytes = unsafe { cell_bytes(statement, index, true) }?;
                let text = std::str::from_utf8(bytes)
                    .map_err(|_| Error(format!("column {} is not UTF-8 text", index + 1)))?;
                visitor.visit_str(text)
            }
            _ => visitor.visit_bytes(unsafe { cell_bytes(statement, index, false) }?),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.kind() == ffi::SQLITE_NULL {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// A text (`text`) or blob cell's bytes.
///
/// # Safety
/// The statement must have a current row with column `index`, not yet
/// converted to another type.
unsafe fn cell_bytes<'a>(
    statement: *mut ffi::sqlite3_stmt,
    index: c_int,
    text: bool,
) -> Result<&'a [u8], Error> {
    // SAFETY: as the caller promises; the pointer is taken before the
    // length, as SQLite asks.
    unsafe {
        let pointer: *const u8 = if text {
            ffi::sqlite3_column_text(statement, index)
        } else {
            ffi::sqlite3_column_blob(statement, index).cast()
        };
        let length = usize::try_from(ffi::sqlite3_column_bytes(statement, index)).unwrap_or(0);
        if length == 0 {
            return Ok(&[]);
        }
        if pointer.is_null() {
            return Err(Error(format!(
                "column {} could not be read (out of memory)",
                index + 1
            )));
        }
        Ok(std::slice::from_raw_parts(pointer, length))
    }
}
