//! Rows of PostgreSQL's `COPY … TO STDOUT` text format, deserialized into
//! tuples: a line per row, tab between columns, `\N` for NULL, backslash
//! escapes for backslash and control characters, `t`/`f` for booleans.
//! PostgreSQL writes this several times faster than it builds JSON.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, SeqAccess, Visitor};

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
    fn custom<T: fmt::Display>(message: T) -> Self {
        Error(message.to_string())
    }
}

/// Every row of `text`, each deserialized as `T` (a tuple or tuple struct).
pub fn rows<T: DeserializeOwned>(text: &str) -> Result<Vec<T>, Error> {
    let lines = text.strip_suffix('\n').unwrap_or(text);
    if lines.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows = Vec::with_capacity(lines.bytes().filter(|&b| b == b'\n').count() + 1);
    for (number, line) in lines.split('\n').enumerate() {
        let row = T::deserialize(Row {
            fields: line.split('\t'),
        })
        .map_err(|e| Error(format!("row {}: {e}", number + 1)))?;
        rows.push(row);
    }
    Ok(rows)
}

/// The columns of one row.
struct Row<'a> {
    fields: std::str::Split<'a, char>,
}

impl<'de> de::Deserializer<'de> for Row<'de> {
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

impl<'de> SeqAccess<'de> for Row<'de> {
    type Error = Error;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, Error> {
        match self.fields.next() {
            Some(field) => seed.deserialize(Field(field)).map(Some),
            None => Ok(None),
        }
    }
}

/// One column's text, as COPY wrote it.
struct Field<'a>(&'a str);

impl<'a> Field<'a> {
    fn is_null(&self) -> bool {
        self.0 == "\\N"
    }

    /// The value with its escapes undone.
    fn text(&self) -> Cow<'a, str> {
        if !self.0.contains('\\') {
            return Cow::Borrowed(self.0);
        }
        let mut text = String::with_capacity(self.0.len());
        let mut chars = self.0.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                text.push(c);
                continue;
            }
            match chars.next() {
                Some('b') => text.push('\u{8}'),
                Some('f') => text.push('\u{c}'),
                Some('n') => text.push('\n'),
                Some('r') => text.push('\r'),
                Some('t') => text.push('\t'),
                Some('v') => text.push('\u{b}'),
                Some(other) => text.push(other),
                None => text.push('\\'),
            }
        }
        Cow::Owned(text)
    }

    fn integer<T: std::str::FromStr>(&self) -> Result<T, Error> {
        self.0
            .parse()
            .map_err(|_| Error(format!("`{}` is not an integer", self.0)))
    }
}

impl<'de> de::Deserializer<'de> for Field<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.is_null() {
            return visitor.visit_none();
        }
        match self.text() {
            Cow::Borrowed(text) => visitor.visit_borrowed_str(text),
            Cow::Owned(text) => visitor.visit_string(text),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.is_null() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            "t" => visitor.visit_bool(true),
            "f" => visitor.visit_bool(false),
            other => Err(Error(format!("`{other}` is not a boolean"))),
        }
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_i64(self.integer()?)
    }

    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_i32(self.integer()?)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_u64(self.integer()?)
    }

    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_u32(self.integer()?)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_enum(self.text().into_owned().into_deserializer())
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i128 u8 u16 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::rows;

    #[test]
    fn reads_integers_texts_nulls_and_booleans() {
        let text = "1\talice\t\\N\tt\n2\tbob\tBerlin\tf\n";
        let read: Vec<(i64, String, Option<String>, bool)> = rows(text).unwrap();
        assert_eq!(
            read,
            vec![
                (1, "alice".into(), None, true),
                (2, "bob".into(), Some("Berlin".into()), false)
            ]
        );
    }

    #[test]
    fn undoes_escapes() {
        let text = "a\\tb\\nc\\\\d\\re\n";
        let read: Vec<(String,)> = rows(text).unwrap();
        assert_eq!(read, vec![("a\tb\nc\\d\re".to_string(),)]);
    }

    #[test]
    fn an_empty_table_has_no_rows_and_an_empty_text_is_a_value() {
        assert!(rows::<(i64,)>("").unwrap().is_empty());
        let read: Vec<(String, Option<String>)> = rows("\t\n").unwrap();
        assert_eq!(read, vec![(String::new(), Some(String::new()))]);
    }

    #[test]
    fn says_which_row_is_wrong() {
        let error = rows::<(i64, bool)>("1\tt\nx\tf\n").unwrap_err();
        assert_eq!(error.to_string(), "row 2: `x` is not an integer");
        let error = rows::<(i64, bool)>("1\tyes\n").unwrap_err();
        assert_eq!(error.to_string(), "row 1: `yes` is not a boolean");
    }
}
