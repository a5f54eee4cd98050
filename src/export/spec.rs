//! The canonical directory → config documents: every value in canonical
//! form, defaults left out, sets sorted, instants written in the user's
//! time zone with their offset.

use chrono_tz::Tz;

use crate::model::directory::{
    ContactMethod, Cover, Group, OofWindow, Preferences, Reminders, Role, User,
};
use crate::model::document::{
    AccountSpec, ActiveHoursSpec, ContactMethodSpec, CoverSpec, EmailValue, EmailVariant,
    GroupSpec, MaxDeletesLimits, MaxDeletesSpec, MemberSpec, MethodFields,
    NotificationProfilesSpec, OutOfOfficeSpec, PhoneValue, PhoneVariant, PolicySpec,
    PreferencesSpec, ProfileStepSpec, PruneByCollection, PruneSpec, RemindersSpec, RetrySpec,
    RoleSpec, SlackValue, StatusSpec, UserSpec,
};
use crate::model::policy::Policy;
use crate::model::timezone::instant_text;
use crate::model::vocab::{
    self, Channel, Language, Priority, PruneMode, UserStatus, UserType, Variant,
};

/// The account section: the owner, and the policy when it is not the default.
pub fn account_spec(owner: &str, policy: &Policy) -> AccountSpec {
    let default = Policy::default();
    let policy = (*policy != default).then(|| {
        let modes = [policy.prune_users, policy.prune_groups, policy.prune_roles];
        let prune = if modes.iter().all(|m| *m == modes[0]) {
            (modes[0] != PruneMode::Managed).then_some(PruneSpec::All(modes[0]))
        } else {
            let keep = |m: PruneMode| (m != PruneMode::Managed).then_some(m);
            Some(PruneSpec::PerCollection(PruneByCollection {
                users: keep(policy.prune_users),
                groups: keep(policy.prune_groups),
                roles: keep(policy.prune_roles),
            }))
        };
        let max_deletes = match (policy.max_deletes, policy.max_delete_percent) {
            (count, None) if count == default.max_deletes => None,
            (Some(count), None) => Some(MaxDeletesSpec::Count(count)),
            (count, percent) => Some(MaxDeletesSpec::Limits(MaxDeletesLimits { count, percent })),
        };
        PolicySpec {
            prune,
            max_deletes,
            self_service: policy.self_service.iter().copied().collect(),
        }
    });
    AccountSpec {
        owner: owner.to_string(),
        policy,
    }
}

/// A custom role.
pub fn role_spec(role: &Role) -> RoleSpec {
    RoleSpec {
        name: role.name.clone(),
        description: role.description.clone(),
        permissions: role.permissions.iter().copied().collect(),
    }
}

/// A group, members sorted by username.
pub fn group_spec(group: &Group) -> GroupSpec {
    GroupSpec {
        name: group.name.clone(),
        description: group.description.clone(),
        members: group
            .members
            .iter()
            .map(|(user, roles)| MemberSpec {
                user: user.clone(),
                roles: roles.iter().copied().collect(),
            })
            .collect(),
    }
}

/// A user, defaults left out.
pub fn user_spec(user: &User) -> UserSpec {
    let zone: Option<Tz> = user
        .time_zone
        .as_deref()
        .and_then(crate::model::timezone::canonical);
    let default_roles = user.roles.len() == 1 && user.roles.contains(vocab::DEFAULT_ROLE);
    UserSpec {
        email: user.email.clone(),
        username: (user.username != user.email).then(|| user.username.clone()),
        previous_usernames: Vec::new(),
        first_name: user.first_name.clone(),
        last_name: user.last_name.clone(),
        user_type: (user.user_type != UserType::Standard).then_some(user.user_type),
        status: (user.status == UserStatus::Disabled).then_some(StatusSpec::Disabled),
        roles: (!default_roles).then(|| user.roles.iter().cloned().collect()),
        time_zone: user.time_zone.clone(),
        locale: user.locale.clone(),
        language: (user.language != Language::En).then_some(user.language),
        external_id: user.external_id.clone(),
        // Handles are the config's alone: the live directory has none.
        handles: None,
        protected: user.protected,
        preferences: preferences_spec(&user.preferences),
        on_call_reminders: reminders_spec(&user.reminders),
        muted_integrations: user.muted_integrations.iter().cloned().collect(),
        contact_methods: user.contact_methods.iter().map(method_spec).collect(),
        notification_profiles: profiles_spec(user),
        out_of_office: user
            .out_of_office
            .iter()
            .map(|w| oof_spec(w, zone))
            .collect(),
    }
}

fn preferences_spec(p: &Preferences) -> Option<PreferencesSpec> {
    let d = Preferences::default();
    (*p != d).then(|| PreferencesSpec {
        home_page: (p.home_page != d.home_page).then_some(p.home_page),
        theme: (p.theme != d.theme).then_some(p.theme),
        digest: (p.digest != d.digest).then_some(p.digest),
    })
}

fn reminders_spec(r: &Reminders) -> Option<RemindersSpec> {
    let d = Reminders::default();
    (*r != d).then(|| RemindersSpec {
        email: (r.email != d.email).then_some(r.email),
        push: (r.push != d.push).then_some(r.push),
        lead_minutes: (r.lead_minutes != d.lead_minutes).then_some(r.lead_minutes),
        groups: r.groups.iter().cloned().collect(),
    })
}

fn method_spec(method: &ContactMethod) -> ContactMethodSpec {
    let value = method.value.clone();
    match method.channel {
        Channel::Email => ContactMethodSpec::Email {
            variant: (method.variant == Some(Variant::SmsGateway))
                .then_some(EmailVariant::SmsGateway),
            fields: method_fields(method, EmailValue(value)),
        },
        Channel::Phone => ContactMethodSpec::Phone {
            variant: (method.variant == Some(Variant::Mobile)).then_some(PhoneVariant::Mobile),
            fields: method_fields(method, PhoneValue(value)),
        },
        Channel::Sms => ContactMethodSpec::Sms {
            fields: method_fields(method, PhoneValue(value)),
        },
        Channel::Whatsapp => ContactMethodSpec::Whatsapp {
            fields: method_fields(method, PhoneValue(value)),
        },
        // Push methods are the platform's and never exported; a directory
        // never holds one, so this arm only keeps the match total.
        Channel::Slack | Channel::Push => ContactMethodSpec::Slack {
            fields: method_fields(method, SlackValue(value)),
        },
    }
}

fn method_fields<V>(method: &ContactMethod, value: V) -> MethodFields<V> {
    MethodFields {
        label: method.label,
        value,
        wait_minutes: method.wait_minutes,
        retry: method.retry.map(|r| RetrySpec {
            count: r.count,
            interval_minutes: r.interval_minutes,
        }),
        active_hours: method.active_hours.as_ref().map(|h| ActiveHoursSpec {
            days: h.days.iter().copied().collect(),
            from: h.from.clone(),
            to: h.to.clone(),
        }),
        enabled: method.enabled,
    }
}

fn profiles_spec(user: &User) -> Option<NotificationProfilesSpec> {
    if user.notification_profiles.is_empty() {
        return None;
    }
    let steps = |p: Priority| {
        user.notification_profiles.get(&p).map(|steps| {
            steps
                .iter()
                .map(|s| ProfileStepSpec {
                    method: s.method.to_string(),
                    wait_minutes: s.wait_minutes,
                    repeat: s.repeat,
                })
                .collect()
        })
    };
    Some(NotificationProfilesSpec {
        p1: steps(Priority::P1),
        p2: steps(Priority::P2),
        p3: steps(Priority::P3),
        p4: steps(Priority::P4),
        p5: steps(Priority::P5),
    })
}

fn oof_spec(window: &OofWindow, zone: Option<Tz>) -> OutOfOfficeSpec {
    OutOfOfficeSpec {
        from: instant_text(window.from, zone),
        until: instant_text(window.until, zone),
        covered_by: match &window.cover {
            Cover::AllGroups(user) => CoverSpec::AllGroups(user.clone()),
            Cover::PerGroup(map) => CoverSpec::PerGroup(map.clone()),
        },
        note: window.note.clone(),
    }
}
