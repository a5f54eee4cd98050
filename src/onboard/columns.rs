//! Which roster field each CSV column fills: `--map` first, then the
//! usual names of HR exports; a column that fills nothing is an error
//! unless `--ignore`d.

use super::Problem;

/// A user field a column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Field {
    Email,
    Username,
    FirstName,
    LastName,
    ExternalId,
    /// A `phone`/`official`/`mobile` contact method.
    Mobile,
    TimeZone,
    Locale,
    Language,
    /// Group memberships (as `secondary`), `;`- or `,`-separated.
    Groups,
    /// Platform roles, `;`- or `,`-separated.
    Roles,
}

/// Every field, by the name `--map` uses.
pub const FIELDS: &[(&str, Field)] = &[
    ("email", Field::Email),
    ("username", Field::Username),
    ("first_name", Field::FirstName),
    ("last_name", Field::LastName),
    ("external_id", Field::ExternalId),
    ("mobile", Field::Mobile),
    ("time_zone", Field::TimeZone),
    ("locale", Field::Locale),
    ("language", Field::Language),
    ("groups", Field::Groups),
    ("roles", Field::Roles),
];

/// Header names HR systems use, compared without case, spaces, `_` or `-`.
const DEFAULTS: &[(&str, Field)] = &[
    ("email", Field::Email),
    ("workemail", Field::Email),
    ("emailaddress", Field::Email),
    ("username", Field::Username),
    ("login", Field::Username),
    ("firstname", Field::FirstName),
    ("givenname", Field::FirstName),
    ("lastname", Field::LastName),
    ("surname", Field::LastName),
    ("familyname", Field::LastName),
    ("employeeid", Field::ExternalId),
    ("employeenumber", Field::ExternalId),
    ("externalid", Field::ExternalId),
    ("mobile", Field::Mobile),
    ("mobilephone", Field::Mobile),
    ("phone", Field::Mobile),
    ("phonenumber", Field::Mobile),
    ("timezone", Field::TimeZone),
    ("locale", Field::Locale),
    ("language", Field::Language),
    ("team", Field::Groups),
    ("teams", Field::Groups),
    ("group", Field::Groups),
    ("groups", Field::Groups),
    ("role", Field::Roles),
    ("roles", Field::Roles),
];

fn squash(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The field of each column (`None`: ignored or unknown), and every
/// problem with the header and the options.
pub fn map(
    header: &[String],
    maps: &[(String, String)],
    ignore: &[String],
) -> (Vec<Option<Field>>, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut fields = Vec::with_capacity(header.len());
    for (column, field) in maps {
        if !header.iter().any(|h| h.eq_ignore_ascii_case(column)) {
            problems.push(option_problem(format!(
                "`--map {column}={field}` names a column the file does not have (columns: {})",
                header.join(", ")
            )));
        }
        if !FIELDS.iter().any(|(name, _)| name == field) && field != "ignore" {
            problems.push(option_problem(format!(
                "`--map {column}={field}`: `{field}` is not a field onboarding fills; use one of {}, or `ignore`",
                FIELDS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
            )));
        }
    }
    for name in ignore {
        if !header.iter().any(|h| h.eq_ignore_ascii_case(name)) {
            problems.push(option_problem(format!(
                "`--ignore {name}` names a column the file does not have"
            )));
        }
    }
    for (index, name) in header.iter().enumerate() {
        let mapped = maps.iter().find(|(c, _)| c.eq_ignore_ascii_case(name));
        let field = match mapped {
            Some((_, field)) if field == "ignore" => None,
            Some((_, field)) => FIELDS.iter().find(|(n, _)| n == field).map(|(_, f)| *f),
            None if ignore.iter().any(|i| i.eq_ignore_ascii_case(name)) => None,
            None => match DEFAULTS.iter().find(|(n, _)| *n == squash(name)) {
                Some((_, field)) => Some(*field),
                None => {
                    problems.push(Problem {
                        line: 1,
                        column: Some(index + 1),
                        message: format!("column `{name}` fills no roster field"),
                        hint: Some(format!(
                            "map it with `--map \"{name}=FIELD\"` (FIELD one of {}) or skip it with `--ignore \"{name}\"`",
                            FIELDS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                        )),
                    });
                    None
                }
            },
        };
        fields.push(field);
    }
    for (field, name) in [(Field::Email, "email")] {
        if !fields.contains(&Some(field)) {
            problems.push(Problem {
                line: 1,
                column: None,
                message: format!("no column gives the {name}"),
                hint: Some(format!(
                    "name the column `Email`, or map it with `--map \"COLUMN={name}\"`"
                )),
            });
        }
    }
    for field in FIELDS.iter().map(|(_, f)| *f) {
        let columns: Vec<usize> = fields
            .iter()
            .enumerate()
            .filter(|(_, f)| **f == Some(field))
            .map(|(i, _)| i)
            .collect();
        if columns.len() > 1 && !matches!(field, Field::Groups | Field::Roles) {
            problems.push(Problem {
                line: 1,
                column: Some(columns[1] + 1),
                message: format!(
                    "columns `{}` and `{}` both fill {}",
                    header[columns[0]],
                    header[columns[1]],
                    FIELDS
                        .iter()
                        .find(|(_, f)| *f == field)
                        .map_or("", |(n, _)| n)
                ),
                hint: Some("`--ignore` one of them".into()),
            });
        }
    }
    (fields, problems)
}

fn option_problem(message: String) -> Problem {
    Problem {
        line: 0,
        column: None,
        message,
        hint: None,
    }
}
