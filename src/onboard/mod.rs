//! Onboarding from an HR export: each CSV row becomes a user in the
//! config (or updates the one already there, found by email or
//! `external_id`), with a mobile number, group memberships and roles.
//! Every row is checked before any edit, every problem reported at its
//! `FILE.csv:LINE:COLUMN`; the edits go through [`crate::edit`], so the
//! files keep their comments and formatting, and the same CSV twice
//! changes nothing.

pub mod columns;
pub mod csv_rows;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use serde_json::{Map, Value, json};

use crate::edit::files::{ConfigFiles, Place, at, user_name};
use crate::edit::{EditError, Step};
use crate::model::{canonical, timezone};
use columns::Field;

/// Something wrong with the CSV or the options, at a line and column of
/// the file (line 0: the command line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The line (from 1), or 0 for the options.
    pub line: u64,
    /// The column (from 1), when one cell is at fault.
    pub column: Option<usize>,
    /// What is wrong, values in backticks.
    pub message: String,
    /// What to do.
    pub hint: Option<String>,
}

impl Problem {
    /// `FILE:LINE:COLUMN: message`, then the hint.
    pub fn render(&self, file: &str) -> String {
        let place = match (self.line, self.column) {
            (0, _) => String::new(),
            (line, Some(column)) => format!("{file}:{line}:{column}: "),
            (line, None) => format!("{file}:{line}: "),
        };
        let mut out = format!("error: {place}{}\n", self.message);
        if let Some(hint) = &self.hint {
            out.push_str(&format!("  hint: {hint}\n"));
        }
        out
    }
}

/// How to read the CSV.
#[derive(Debug, Clone, Default)]
pub struct OnboardOptions {
    /// `COLUMN=field` pairs.
    pub maps: Vec<(String, String)>,
    /// Columns to skip.
    pub ignore: Vec<String>,
}

/// What onboarding did to the config.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Users added.
    pub added: usize,
    /// Users already there and changed.
    pub updated: usize,
    /// Users already there as the row says.
    pub unchanged: usize,
}

/// A row, read into what it asks for.
#[derive(Debug, Clone, Default)]
struct Person {
    email: String,
    fields: BTreeMap<&'static str, String>,
    mobile: Option<String>,
    groups: Vec<String>,
    roles: Vec<String>,
}

/// Onboards the CSV `bytes` into `files`, editing them in memory.
pub fn onboard(
    bytes: &[u8],
    options: &OnboardOptions,
    files: &mut ConfigFiles,
) -> Result<Summary, Vec<Problem>> {
    let table = csv_rows::read(bytes)?;
    let (fields, mut problems) = columns::map(&table.header, &options.maps, &options.ignore);
    let people = match read_people(&table, &fields, files) {
        Ok(people) if problems.is_empty() => people,
        Ok(_) => return Err(problems),
        Err(mut more) => {
            problems.append(&mut more);
            return Err(problems);
        }
    };
    edit(people, files).map_err(|e| {
        vec![Problem {
            line: 0,
            column: None,
            message: format!("the config cannot be edited: {e}"),
            hint: None,
        }]
    })
}

/// Checks every row and reads it into a [`Person`].
fn read_people(
    table: &csv_rows::Table,
    fields: &[Option<Field>],
    files: &ConfigFiles,
) -> Result<Vec<Person>, Vec<Problem>> {
    let groups: HashSet<String> = files
        .entries("groups")
        .into_iter()
        .filter_map(|(_, g)| g["name"].as_str().map(str::to_string))
        .collect();
    let custom_roles: HashSet<String> = files
        .entries("roles")
        .into_iter()
        .filter_map(|(_, r)| r["name"].as_str().map(str::to_string))
        .collect();
    let mut problems = Vec::new();
    let mut people = Vec::with_capacity(table.rows.len());
    let mut seen: HashMap<String, u64> = HashMap::new();
    for row in &table.rows {
        let mut person = Person::default();
        for (index, (cell, field)) in row.cells.iter().zip(fields).enumerate() {
            let Some(field) = field else { continue };
            let column = &table.header[index];
            let mut bad = |message: String, hint: &str| {
                problems.push(Problem {
                    line: row.line,
                    column: Some(index + 1),
                    message,
                    hint: Some(hint.to_string()),
                })
            };
            if cell.is_empty() {
                if *field == Field::Email {
                    bad(
                        format!("column `{column}` is empty; every person needs an email"),
                        "fill in the work email, or remove the row",
                    );
                }
                continue;
            }
            let shown = shorten(cell);
            match field {
                Field::Email => {
                    let email = canonical::email(cell);
                    if !crate::config::typed::constraints::is_email(&email) {
                        bad(
                            format!("`{shown}` in column `{column}` is not an email address"),
                            "write it as `name@example.com`",
                        );
                    } else if let Some(first) = seen.insert(email.clone(), row.line) {
                        bad(
                            format!("`{shown}` is already on line {first}"),
                            "each person once: remove or merge the duplicate row",
                        );
                    }
                    person.email = email;
                }
                Field::Username => {
                    if !crate::config::typed::constraints::USERNAME.matches(cell) {
                        bad(
                            format!("`{shown}` in column `{column}` is not a valid username"),
                            "letters, digits, `.`, `_`, `-` and `@`",
                        );
                    }
                    person.fields.insert("username", cell.to_string());
                }
                Field::FirstName => {
                    person.fields.insert("first_name", cell.to_string());
                }
                Field::LastName => {
                    person.fields.insert("last_name", cell.to_string());
                }
                Field::ExternalId => {
                    person.fields.insert("external_id", cell.to_string());
                }
                Field::Mobile => match canonical::phone(cell) {
                    Ok(_) => person.mobile = Some(cell.to_string()),
                    Err(_) => bad(
                        format!("`{shown}` in column `{column}` is not a valid phone number"),
                        "write it with its country code: `+49 151 2345 6789`",
                    ),
                },
                Field::TimeZone => match timezone::spelled(cell) {
                    Some(_) => {
                        person.fields.insert("time_zone", cell.to_string());
                    }
                    None => bad(
                        format!("`{shown}` in column `{column}` is not an IANA time zone"),
                        "use a name such as `Europe/Berlin` or `America/New_York`",
                    ),
                },
                Field::Locale => {
                    if crate::config::typed::constraints::LOCALE.matches(cell) {
                        person.fields.insert("locale", cell.to_string());
                    } else {
                        bad(
                            format!("`{shown}` in column `{column}` is not a locale"),
                            "use a BCP 47 tag such as `de-DE` or `en-US`",
                        );
                    }
                }
                Field::Language => {
                    let language = cell.to_lowercase();
                    if ["en", "es", "fr", "de", "nl"].contains(&language.as_str()) {
                        person.fields.insert("language", language);
                    } else {
                        bad(
                            format!(
                                "`{shown}` in column `{column}` is not a language the platform speaks"
                            ),
                            "one of en, es, fr, de, nl",
                        );
                    }
                }
                Field::Groups => {
                    for name in split_list(cell) {
                        if groups.contains(&name) {
                            person.groups.push(name);
                        } else {
                            bad(
                                format!(
                                    "group `{}` in column `{column}` is not in the config",
                                    shorten(&name)
                                ),
                                "declare the group in the config first, or correct the name",
                            );
                        }
                    }
                }
                Field::Roles => {
                    for name in split_list(cell) {
                        if crate::model::vocab::BUILTIN_ROLES.contains(&name.as_str())
                            || custom_roles.contains(&name)
                        {
                            person.roles.push(name);
                        } else {
                            bad(
                                format!(
                                    "role `{}` in column `{column}` is neither built in nor declared in the config",
                                    shorten(&name)
                                ),
                                "built-in roles: app_admin, basic, billing_admin, integrations_admin, send_message, system_viewer",
                            );
                        }
                    }
                }
            }
        }
        people.push(person);
    }
    if problems.is_empty() {
        Ok(people)
    } else {
        Err(problems)
    }
}

fn split_list(cell: &str) -> Vec<String> {
    cell.split([';', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// A value cut short for a message.
pub fn shorten(text: &str) -> String {
    let one_line = text.replace(['\n', '\r'], " ");
    if one_line.chars().count() > 40 {
        format!("{}…", one_line.chars().take(39).collect::<String>())
    } else {
        one_line
    }
}

/// Makes the edits the people ask for.
fn edit(people: Vec<Person>, files: &mut ConfigFiles) -> Result<Summary, EditError> {
    let mut summary = Summary::default();
    let mut by_email: HashMap<String, (Place, Value)> = HashMap::new();
    let mut by_external: HashMap<String, (Place, Value)> = HashMap::new();
    for (place, user) in files.entries("users") {
        if let Some(email) = user["email"].as_str() {
            by_email.insert(canonical::email(email), (place, user.clone()));
        }
        if let Some(id) = user["external_id"].as_str() {
            by_external.insert(id.to_string(), (place, user.clone()));
        }
    }
    let mut members: HashMap<String, (Place, HashSet<String>)> = HashMap::new();
    for (place, group) in files.entries("groups") {
        let names = group["members"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["user"].as_str().map(|u| u.to_lowercase()))
            .collect();
        if let Some(name) = group["name"].as_str() {
            members.insert(name.to_string(), (place, names));
        }
    }
    let mut taken: HashSet<String> = files
        .entries("users")
        .iter()
        .filter_map(|(_, user)| user_name(user))
        .collect();
    let mut new_members: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut new_users = Vec::new();
    for person in people {
        let existing = by_email
            .get(&person.email)
            .or_else(|| {
                person
                    .fields
                    .get("external_id")
                    .and_then(|id| by_external.get(id))
            })
            .cloned();
        let name = match &existing {
            Some((_, user)) => user_name(user).unwrap_or_default(),
            None => {
                let name = username_for(&person, &taken);
                taken.insert(name.clone());
                name
            }
        };
        let mut changed = false;
        match existing {
            Some((place, user)) => {
                changed |= update(files, place, &user, &person)?;
            }
            None => new_users.push((name.clone(), new_user(&person, &name))),
        }
        for group in &person.groups {
            let (_, names) = members.get_mut(group).expect("checked: the group exists");
            if names.insert(name.clone()) {
                new_members
                    .entry(group.clone())
                    .or_default()
                    .push(json!({ "user": name, "roles": ["secondary"] }));
                changed = true;
            }
        }
        match (&new_users.last(), changed) {
            (Some((n, _)), _) if *n == name => summary.added += 1,
            (_, true) => summary.updated += 1,
            (_, false) => summary.unchanged += 1,
        }
    }
    add_users(files, new_users)?;
    for (group, items) in new_members {
        let (place, _) = &members[&group];
        let path = at("groups", place.index, &["members"]);
        files.document(place.file).push_all(&path, &items)?;
    }
    Ok(summary)
}

/// A new person's username: the CSV's, else the email's local part when
/// it is a valid username no one has, else the email (the platform's
/// default).
fn username_for(person: &Person, taken: &HashSet<String>) -> String {
    if let Some(name) = person.fields.get("username") {
        return canonical::username(name);
    }
    let local = person.email.split('@').next().unwrap_or_default();
    if !local.is_empty()
        && crate::config::typed::constraints::USERNAME.matches(local)
        && !taken.contains(local)
    {
        local.to_string()
    } else {
        person.email.clone()
    }
}

/// The user a row describes, keys in the order a person would write them.
fn new_user(person: &Person, username: &str) -> Value {
    let mut user = Map::new();
    user.insert("email".into(), json!(person.email));
    user.insert("username".into(), json!(username));
    for key in ["first_name", "last_name"] {
        if let Some(value) = person.fields.get(key) {
            user.insert(key.into(), json!(value));
        }
    }
    if !person.roles.is_empty() {
        user.insert("roles".into(), json!(person.roles));
    }
    for key in ["time_zone", "locale", "language", "external_id"] {
        if let Some(value) = person.fields.get(key) {
            user.insert(key.into(), json!(value));
        }
    }
    if let Some(mobile) = &person.mobile {
        user.insert("contact_methods".into(), json!([mobile_method(mobile)]));
    }
    Value::Object(user)
}

fn mobile_method(value: &str) -> Value {
    json!({ "channel": "phone", "label": "official", "variant": "mobile", "value": value })
}

fn is_mobile(method: &Value) -> bool {
    method["channel"] == "phone" && method["label"] == "official" && method["variant"] == "mobile"
}

/// Brings a declared user up to what the row says; whether anything changed.
fn update(
    files: &mut ConfigFiles,
    place: Place,
    user: &Value,
    person: &Person,
) -> Result<bool, EditError> {
    let document = files.document(place.file);
    let mut changed = false;
    // Found by `external_id` under a new email: the email follows HR.
    if let Some(old) = user["email"].as_str()
        && canonical::email(old) != person.email
    {
        if user["username"].as_str().is_none() {
            // The username was the old email; it stays, or every
            // reference to the person would break.
            document.set(&at("users", place.index, &["username"]), &json!(old))?;
        }
        document.set(&at("users", place.index, &["email"]), &json!(person.email))?;
        changed = true;
    }
    for (key, value) in &person.fields {
        let same = match (*key, user[*key].as_str()) {
            (_, None) => false,
            ("username", Some(old)) => canonical::username(old) == canonical::username(value),
            (_, Some(old)) => old == value,
        };
        if !same {
            document.set(&at("users", place.index, &[key]), &json!(value))?;
            changed = true;
        }
    }
    if !person.roles.is_empty() {
        let held: Vec<String> = match user["roles"].as_array() {
            Some(roles) => roles
                .iter()
                .filter_map(|r| r.as_str().map(str::to_string))
                .collect(),
            None => vec!["basic".to_string()],
        };
        let missing: Vec<Value> = person
            .roles
            .iter()
            .filter(|r| !held.contains(r))
            .map(|r| json!(r))
            .collect();
        if !missing.is_empty() {
            if user["roles"].is_array() {
                document.push_all(&at("users", place.index, &["roles"]), &missing)?;
            } else {
                let mut all: Vec<Value> = held.iter().map(|r| json!(r)).collect();
                all.extend(missing);
                document.set(&at("users", place.index, &["roles"]), &Value::Array(all))?;
            }
            changed = true;
        }
    }
    if let Some(mobile) = &person.mobile {
        let methods = user["contact_methods"].as_array();
        let found = methods.and_then(|m| m.iter().position(is_mobile));
        match found {
            Some(index) => {
                let old = user["contact_methods"][index]["value"]
                    .as_str()
                    .unwrap_or("");
                if canonical::stored_phone(old) != canonical::stored_phone(mobile) {
                    let mut path = at("users", place.index, &["contact_methods"]);
                    path.push(Step::Index(index));
                    path.push(Step::Key("value".into()));
                    document.set(&path, &json!(mobile))?;
                    changed = true;
                }
            }
            None if methods.is_some() => {
                document.push(
                    &at("users", place.index, &["contact_methods"]),
                    &mobile_method(mobile),
                )?;
                changed = true;
            }
            None => {
                document.set(
                    &at("users", place.index, &["contact_methods"]),
                    &json!([mobile_method(mobile)]),
                )?;
                changed = true;
            }
        }
    }
    Ok(changed)
}

/// Adds the new users: a file each under `users/` of a config folder,
/// else at the end of the config file's `users`.
fn add_users(files: &mut ConfigFiles, users: Vec<(String, Value)>) -> Result<(), EditError> {
    if users.is_empty() {
        return Ok(());
    }
    if files.is_dir {
        let folder = files.root.join("users");
        let header = files
            .files
            .iter()
            .filter(|f| f.path.parent() == Some(folder.as_path()))
            .find_map(|f| {
                f.original
                    .as_deref()?
                    .lines()
                    .next()
                    .filter(|l| l.starts_with("# yaml-language-server:"))
                    .map(str::to_string)
            });
        let mut known: HashMap<PathBuf, usize> = files
            .files
            .iter()
            .enumerate()
            .map(|(index, file)| (file.path.clone(), index))
            .collect();
        for (name, user) in users {
            let path: PathBuf = folder.join(format!("{}.yaml", file_name(&name)));
            // A file of that name already declares others: the person
            // joins them there rather than replacing it.
            if let Some(&file) = known.get(&path) {
                append(files.document(file), vec![user])?;
                continue;
            }
            let mut text = header.clone().map(|h| h + "\n").unwrap_or_default();
            text.push_str(&crate::report::yaml::to_yaml(
                &json!({ "version": 1, "users": [user] }),
            ));
            let file = files.create(path.clone(), text)?;
            known.insert(path, file);
        }
        return Ok(());
    }
    let values: Vec<Value> = users.into_iter().map(|(_, user)| user).collect();
    append(files.document(0), values)
}

/// Appends `users` to a document's `users`, which it may not have yet.
fn append(document: &mut crate::edit::Document, users: Vec<Value>) -> Result<(), EditError> {
    let users_path = [Step::Key("users".into())];
    match document.push_all(&users_path, &users) {
        Err(EditError::Missing { .. }) => document.set(&users_path, &Value::Array(users)),
        other => other,
    }
}

/// A username as a file name: what a file system could take otherwise
/// replaced.
fn file_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_alphanumeric() || "@._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}
