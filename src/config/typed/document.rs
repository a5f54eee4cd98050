//! The document, its account and policy, custom roles and groups.

use super::constraints::ROLE_NAME;
use super::{Reader, Refused, once, user};
use crate::model::document::{
    AccountSpec, Document, FORMAT_VERSION, GroupSpec, MaxDeletesLimits, MaxDeletesSpec, MemberSpec,
    PolicySpec, PruneByCollection, PruneSpec, RoleSpec,
};

pub(super) fn document(r: &mut Reader<'_, '_>) -> Result<Document, Refused> {
    r.map()?;
    let (mut version, mut account, mut roles, mut users, mut groups) =
        (None, None, None, None, None);
    while let Some(key) = r.key()? {
        match key {
            "version" => {
                let v = r.integer(FORMAT_VERSION as i64, FORMAT_VERSION as i64)?;
                once(&mut version, v as u64)?;
            }
            "account" => once(&mut account, self::account(r)?)?,
            "roles" => once(&mut roles, r.seq(role)?)?,
            "users" => once(&mut users, r.seq(user::user)?)?,
            "groups" => once(&mut groups, r.seq(group)?)?,
            _ => return Err(Refused),
        }
    }
    Ok(Document {
        version: version.ok_or(Refused)?,
        account,
        roles: roles.unwrap_or_default(),
        users: users.unwrap_or_default(),
        groups: groups.unwrap_or_default(),
    })
}

fn account(r: &mut Reader<'_, '_>) -> Result<AccountSpec, Refused> {
    r.map()?;
    let (mut owner, mut policy_spec) = (None, None);
    while let Some(key) = r.key()? {
        match key {
            "owner" => once(&mut owner, r.string_of_length(1, usize::MAX)?)?,
            "policy" => once(&mut policy_spec, policy(r)?)?,
            _ => return Err(Refused),
        }
    }
    Ok(AccountSpec {
        owner: owner.ok_or(Refused)?,
        policy: policy_spec,
    })
}

fn policy(r: &mut Reader<'_, '_>) -> Result<PolicySpec, Refused> {
    r.map()?;
    let (mut prune, mut max_deletes, mut self_service) = (None, None, None);
    while let Some(key) = r.key()? {
        match key {
            "prune" => {
                let spec = if r.at_map() {
                    PruneSpec::PerCollection(prune_by_collection(r)?)
                } else {
                    PruneSpec::All(r.word()?)
                };
                once(&mut prune, spec)?;
            }
            "max_deletes" => {
                let spec = if r.at_map() {
                    MaxDeletesSpec::Limits(limits(r)?)
                } else {
                    MaxDeletesSpec::Count(r.u32_in(0, u32::MAX)?)
                };
                once(&mut max_deletes, spec)?;
            }
            "self_service" => once(&mut self_service, r.seq(|r| r.word())?)?,
            _ => return Err(Refused),
        }
    }
    Ok(PolicySpec {
        prune,
        max_deletes,
        self_service: self_service.unwrap_or_default(),
    })
}

fn prune_by_collection(r: &mut Reader<'_, '_>) -> Result<PruneByCollection, Refused> {
    r.map()?;
    let mut modes = PruneByCollection::default();
    while let Some(key) = r.key()? {
        let slot = match key {
            "users" => &mut modes.users,
            "groups" => &mut modes.groups,
            "roles" => &mut modes.roles,
            _ => return Err(Refused),
        };
        once(slot, r.word()?)?;
    }
    Ok(modes)
}

fn limits(r: &mut Reader<'_, '_>) -> Result<MaxDeletesLimits, Refused> {
    r.map()?;
    let (mut count, mut percent) = (None, None);
    while let Some(key) = r.key()? {
        match key {
            "count" => once(&mut count, r.u32_in(0, u32::MAX)?)?,
            "percent" => once(&mut percent, r.u32_in(0, 100)?)?,
            _ => return Err(Refused),
        }
    }
    Ok(MaxDeletesLimits { count, percent })
}

fn role(r: &mut Reader<'_, '_>) -> Result<RoleSpec, Refused> {
    r.map()?;
    let (mut name, mut description, mut permissions) = (None, None, None);
    while let Some(key) = r.key()? {
        match key {
            "name" => {
                let text = r.string()?;
                if !ROLE_NAME.matches(&text) {
                    return Err(Refused);
                }
                once(&mut name, text)?;
            }
            "description" => once(&mut description, r.string()?)?,
            "permissions" => {
                let list = r.seq(Reader::word)?;
                if list.is_empty() {
                    return Err(Refused);
                }
                once(&mut permissions, list)?;
            }
            _ => return Err(Refused),
        }
    }
    Ok(RoleSpec {
        name: name.ok_or(Refused)?,
        description,
        permissions: permissions.ok_or(Refused)?,
    })
}

fn group(r: &mut Reader<'_, '_>) -> Result<GroupSpec, Refused> {
    r.map()?;
    let (mut name, mut description, mut members) = (None, None, None);
    while let Some(key) = r.key()? {
        match key {
            "name" => once(&mut name, r.string_of_length(1, 100)?)?,
            "description" => once(&mut description, r.string()?)?,
            "members" => once(&mut members, r.seq(member)?)?,
            _ => return Err(Refused),
        }
    }
    Ok(GroupSpec {
        name: name.ok_or(Refused)?,
        description,
        members: members.unwrap_or_default(),
    })
}

fn member(r: &mut Reader<'_, '_>) -> Result<MemberSpec, Refused> {
    r.map()?;
    let (mut user, mut roles) = (None, None);
    while let Some(key) = r.key()? {
        match key {
            "user" => once(&mut user, r.string_of_length(1, usize::MAX)?)?,
            "roles" => once(&mut roles, r.seq(Reader::word)?)?,
            _ => return Err(Refused),
        }
    }
    Ok(MemberSpec {
        user: user.ok_or(Refused)?,
        roles: roles.unwrap_or_default(),
    })
}
