//! An HR export read as rows of named cells: UTF-8 (a BOM is dropped), a
//! header of unique names, every row as long as the header, quoted line
//! breaks kept inside their cell, and no cell a spreadsheet would run as
//! a formula. Every problem is collected, each at its line and column.

use super::Problem;

/// A data row: the line it starts on and its cells, in header order.
#[derive(Debug, Clone)]
pub struct Row {
    /// The line of the file the row starts on (from 1).
    pub line: u64,
    /// The cells, one per header column.
    pub cells: Vec<String>,
}

/// A CSV file's header and rows.
#[derive(Debug, Clone)]
pub struct Table {
    /// The column names, trimmed.
    pub header: Vec<String>,
    /// The data rows; blank lines are skipped.
    pub rows: Vec<Row>,
}

/// Reads `bytes` as a CSV file with a header.
pub fn read(bytes: &[u8]) -> Result<Table, Vec<Problem>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Err(error) = std::str::from_utf8(bytes) {
        let at = error.valid_up_to();
        let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64;
        let column = at
            - bytes[..at]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
        return Err(vec![Problem {
            line,
            column: Some(column + 1),
            message: "the file is not UTF-8 text".into(),
            hint: Some(
                "save the export as \"CSV UTF-8\" (Excel) or convert it with `iconv -f WINDOWS-1252 -t UTF-8`".into(),
            ),
        }]);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut problems = Vec::new();
    let mut header: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let line = error.position().map_or(0, |p| p.line());
                problems.push(Problem {
                    line,
                    column: None,
                    message: format!("the row cannot be read: {error}"),
                    hint: None,
                });
                break;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|cell| cell.trim().is_empty()) {
            if header.is_none() && record.len() > 1 {
                problems.push(Problem {
                    line,
                    column: None,
                    message: "the header row has no column names".into(),
                    hint: Some("the first line names the columns: `Email,First Name,…`".into()),
                });
                return Err(problems);
            }
            continue;
        }
        let Some(names) = &header else {
            header = Some(read_header(&record, line, &mut problems));
            continue;
        };
        if record.len() != names.len() {
            problems.push(Problem {
                line,
                column: None,
                message: format!(
                    "the row has {} {}, the header {} columns",
                    record.len(),
                    if record.len() == 1 { "cell" } else { "cells" },
                    names.len()
                ),
                hint: Some("a cell holding a comma must be quoted: `\"Smith, Jr.\"`".into()),
            });
            continue;
        }
        for (index, cell) in record.iter().enumerate() {
            if looks_like_formula(cell) {
                problems.push(Problem {
                    line,
                    column: Some(index + 1),
                    message: format!(
                        "`{}` in column `{}` looks like a spreadsheet formula",
                        super::shorten(cell),
                        names[index]
                    ),
                    hint: Some(
                        "roster refuses formulas (a spreadsheet would run them); export the values, not the formulas".into(),
                    ),
                });
            }
        }
        rows.push(Row {
            line,
            cells: record.iter().map(|c| c.trim().to_string()).collect(),
        });
    }
    let Some(header) = header else {
        return Err(vec![Problem {
            line: 1,
            column: None,
            message: "the file has no header row".into(),
            hint: Some("the first line names the columns: `Email,First Name,…`".into()),
        }]);
    };
    if problems.is_empty() {
        Ok(Table { header, rows })
    } else {
        Err(problems)
    }
}

fn read_header(record: &csv::StringRecord, line: u64, problems: &mut Vec<Problem>) -> Vec<String> {
    let names: Vec<String> = record.iter().map(|c| c.trim().to_string()).collect();
    for (index, name) in names.iter().enumerate() {
        if name.is_empty() {
            problems.push(Problem {
                line,
                column: Some(index + 1),
                message: format!("column {} has no name", index + 1),
                hint: Some("name every column in the header, or remove the empty one".into()),
            });
        } else if let Some(first) = names[..index]
            .iter()
            .position(|n| n.eq_ignore_ascii_case(name))
        {
            problems.push(Problem {
                line,
                column: Some(index + 1),
                message: format!(
                    "column `{name}` appears twice (columns {} and {})",
                    first + 1,
                    index + 1
                ),
                hint: Some("rename or remove one of them".into()),
            });
        }
    }
    names
}

/// A cell a spreadsheet would evaluate: `=…`, `@…`, or `+`/`-` followed by
/// a function or a reference rather than a phone number or a plain number.
fn looks_like_formula(cell: &str) -> bool {
    let cell = cell.trim_start_matches([' ']);
    match cell.chars().next() {
        Some('=' | '@' | '\t' | '\r') => true,
        Some('+' | '-') => cell[1..].chars().any(|c| c.is_ascii_alphabetic()),
        _ => false,
    }
}
