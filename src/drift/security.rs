//! Privilege changes made outside git (SPEC sections 3 and 6): privileges
//! are git's alone, so a role granted in the platform's UI, an owner
//! changed there, a role given admin rights or an admin made elsewhere is
//! a security finding, whatever else the report says of it.

use super::{DriftReport, SecurityFinding, names};
use crate::model::directory::grants_admin;
use crate::model::live::{LiveSnapshot, ObjectKind};
use crate::model::vocab::Permission;

/// The findings of `report` over `live`, admin rights first.
pub(super) fn findings(report: &DriftReport, live: &LiveSnapshot) -> Vec<SecurityFinding> {
    let roles = &live.directory.roles;
    let mut out = Vec::new();
    for drift in &report.changed {
        let object = &drift.object;
        for field in &drift.fields {
            match (object.kind, field.path.as_str()) {
                (ObjectKind::User, "roles") => {
                    let old = names(&field.old);
                    for role in names(&field.new).into_iter().filter(|r| !old.contains(r)) {
                        let admin = grants_admin(role, roles);
                        out.push(SecurityFinding {
                            object: object.clone(),
                            message: format!(
                                "`{}` was granted `{role}` outside git{}",
                                object.name,
                                if admin { ": admin rights" } else { "" }
                            ),
                            admin,
                        });
                    }
                }
                (ObjectKind::Account, "owner") => {
                    let who = |v: &Option<serde_json::Value>| {
                        v.as_ref()
                            .and_then(serde_json::Value::as_str)
                            .map_or("nobody".to_string(), |o| format!("`{o}`"))
                    };
                    out.push(SecurityFinding {
                        object: object.clone(),
                        message: format!(
                            "the account owner was changed outside git from {} to {}",
                            who(&field.old),
                            who(&field.new)
                        ),
                        admin: true,
                    });
                }
                (ObjectKind::Role, "permissions") => {
                    let old = names(&field.old);
                    let gained: Vec<String> = names(&field.new)
                        .into_iter()
                        .filter(|p| !old.contains(p) && is_admin_permission(p))
                        .map(|p| format!("`{p}`"))
                        .collect();
                    if !gained.is_empty() {
                        out.push(SecurityFinding {
                            object: object.clone(),
                            message: format!(
                                "role `{}` was given admin rights outside git ({})",
                                object.name,
                                gained.join(", ")
                            ),
                            admin: true,
                        });
                    }
                }
                _ => {}
            }
        }
    }
    for key in &report.unmanaged {
        match key.kind {
            ObjectKind::Role => {
                if let Some(role) = roles.get(&key.name).filter(|r| r.is_admin_equivalent()) {
                    let rights: Vec<String> = role
                        .admin_permissions()
                        .iter()
                        .map(|p| format!("`{p}`"))
                        .collect();
                    out.push(SecurityFinding {
                        object: key.clone(),
                        message: format!(
                            "role `{}`, made outside git, has admin rights ({})",
                            key.name,
                            rights.join(", ")
                        ),
                        admin: true,
                    });
                }
            }
            ObjectKind::User => {
                let Some(user) = live.directory.users.get(&key.name) else {
                    continue;
                };
                for role in user.roles.iter().filter(|r| grants_admin(r, roles)) {
                    out.push(SecurityFinding {
                        object: key.clone(),
                        message: format!(
                            "`{}`, a user made outside git, holds `{role}`: admin rights",
                            key.name
                        ),
                        admin: true,
                    });
                }
            }
            _ => {}
        }
    }
    out.sort_by(|a, b| b.admin.cmp(&a.admin).then_with(|| a.cmp(b)));
    out
}

fn is_admin_permission(name: &str) -> bool {
    crate::model::directory::ADMIN_PERMISSIONS
        .iter()
        .any(|p: &Permission| p.as_str() == name)
}
