//! The planner, pure: every change kind, ownership, guards, notes, order
//! and determinism, on the acme example and edits of it.

use chrono::{DateTime, Duration, Utc};
use roster::apply::change_set;
use roster::model::DesiredState;
use roster::model::directory::{Cover, OofWindow};
use roster::model::live::{
    Invitation, LiveSnapshot, ObjectKey, ObjectKind, Shift, Verification, VerificationState,
};
use roster::model::vocab::{Channel, MemberRole, PruneMode, UserStatus, UserType};
use roster::plan::{Action, Plan, PlanOptions, plan};
use roster::testkit::memory;

use crate::support::{NOW, root};

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(NOW).unwrap().to_utc()
}

fn acme() -> DesiredState {
    roster::config::load(&root().join("examples/acme"), now())
        .unwrap()
        .desired
        .unwrap()
}

const ALL: PlanOptions = PlanOptions {
    allow_mass_delete: true,
    allow_replace: true,
    prefer: None,
    allow_owner_change: true,
    coverage: None,
};

/// The live directory after applying `desired` to an empty one.
fn applied(desired: &DesiredState) -> LiveSnapshot {
    let mut live = LiveSnapshot::default();
    let first = plan(desired, &live, now(), ALL);
    let changes = change_set(&first, now());
    memory::apply(&mut live, &changes);
    live
}

fn change<'a>(plan: &'a Plan, kind: ObjectKind, name: &str) -> &'a roster::plan::Change {
    plan.changes
        .iter()
        .find(|c| c.key.kind == kind && c.key.name == name)
        .unwrap_or_else(|| panic!("no change to {kind} {name} in {:#?}", plan.changes))
}

/// Takes users out of the config and out of every group.
fn drop_users(desired: &mut DesiredState, names: &[&str]) {
    for name in names {
        desired.directory.users.remove(*name);
    }
    for group in desired.directory.groups.values_mut() {
        group.members.retain(|m, _| !names.contains(&m.as_str()));
    }
}

fn paths(change: &roster::plan::Change) -> Vec<&str> {
    change.fields.iter().map(|f| f.path.as_str()).collect()
}

#[test]
fn an_empty_directory_gets_everything_created_in_dependency_order() {
    let desired = acme();
    let plan = plan(
        &desired,
        &LiveSnapshot::default(),
        now(),
        PlanOptions::default(),
    );
    assert!(plan.refusals.is_empty(), "{:#?}", plan.refusals);
    assert_eq!(
        (
            plan.summary.create,
            plan.summary.update,
            plan.summary.delete
        ),
        (19, 1, 0)
    );
    let kinds: Vec<ObjectKind> = plan.changes.iter().map(|c| c.key.kind).collect();
    let mut sorted = kinds.clone();
    sorted.sort_by_key(|k| match k {
        ObjectKind::Role => 0,
        ObjectKind::User => 1,
        ObjectKind::Group => 2,
        ObjectKind::Account => 3,
    });
    assert_eq!(
        kinds, sorted,
        "roles, then users, then groups, then the owner"
    );
    let alice = change(&plan, ObjectKind::User, "alice");
    assert_eq!(alice.action, Action::Create);
    let Some(roster::plan::Object::User(written)) = &alice.after else {
        panic!()
    };
    assert_eq!(
        written.status,
        UserStatus::Invited,
        "new users are invited, as the platform's Add User does"
    );
    let Some(roster::plan::Object::User(mallory)) =
        &change(&plan, ObjectKind::User, "mallory").after
    else {
        panic!()
    };
    assert_eq!(mallory.status, UserStatus::Disabled);
    assert!(
        plan.sensitive
            .iter()
            .any(|n| n.message.contains("`alice` is granted `app_admin`"))
    );
    assert!(
        plan.sensitive
            .iter()
            .any(|n| n.message.contains("owner changes from nobody to `alice`"))
    );
}

#[test]
fn applying_the_plan_leaves_nothing_to_do() {
    let desired = acme();
    let live = applied(&desired);
    let again = plan(&desired, &live, now(), PlanOptions::default());
    assert!(!again.has_changes(), "{:#?}", again.changes);
    assert!(again.adopt.is_empty());
    assert_eq!(
        again.pending.len(),
        13,
        "every active user waits for their invitation to be accepted"
    );
}

#[test]
fn plans_are_deterministic_to_the_byte() {
    let desired = acme();
    let mut live = applied(&desired);
    live.directory.users.get_mut("bob").unwrap().last_name = "Smith".into();
    let a = serde_json::to_string(&plan(&desired, &live, now(), ALL)).unwrap();
    let b = serde_json::to_string(&plan(&desired.clone(), &live.clone(), now(), ALL)).unwrap();
    assert_eq!(a, b);
}

#[test]
fn field_updates_are_listed_old_to_new() {
    let desired = acme();
    let mut live = applied(&desired);
    let bob = live.directory.users.get_mut("bob").unwrap();
    bob.last_name = "Smith".into();
    bob.preferences.theme = roster::model::vocab::Theme::Dark;
    bob.protected = true;
    let plan = plan(&desired, &live, now(), ALL);
    let bob = change(&plan, ObjectKind::User, "bob");
    assert_eq!(bob.action, Action::Update);
    assert_eq!(paths(bob), ["last_name", "protected", "preferences.theme"]);
    assert_eq!(bob.fields[0].old, Some("Smith".into()));
    assert_eq!(bob.fields[0].new, Some("Schmidt".into()));
}

#[test]
fn contact_methods_are_added_removed_changed_and_reordered() {
    let desired = acme();
    let mut live = applied(&desired);
    let alice = live.directory.users.get_mut("alice").unwrap();
    alice.contact_methods.swap(0, 1);
    alice.contact_methods[0].wait_minutes = 0;
    alice
        .contact_methods
        .retain(|m| m.channel != Channel::Email);
    let mut extra = alice.contact_methods[0].clone();
    extra.channel = Channel::Whatsapp;
    extra.variant = None;
    alice.contact_methods.push(extra);
    let plan = plan(&desired, &live, now(), ALL);
    let change = change(&plan, ObjectKind::User, "alice");
    // The WhatsApp method was made outside git: under `prune: managed` it
    // stays, after the methods git declares.
    assert_eq!(
        paths(change),
        [
            "contact_methods[phone-official-mobile].wait_minutes",
            "contact_methods[email-official]",
            "contact_methods.order"
        ]
    );
    assert!(
        change.fields.iter().all(|f| f.reverts),
        "{:#?}",
        change.fields
    );
    assert_eq!(plan.kept.len(), 1, "{:#?}", plan.kept);
    assert_eq!(plan.kept[0].path, "contact_methods[whatsapp-official]");
    assert_eq!(
        plan.kept[0].reason,
        roster::plan::KeptReason::MadeOutsideGit
    );
    // Under `authoritative`, it goes.
    let mut strict = desired.clone();
    strict.policy.prune_users = PruneMode::Authoritative;
    let plan = roster::plan::plan(&strict, &live, now(), ALL);
    assert!(
        paths(super::planner::change(&plan, ObjectKind::User, "alice"))
            .contains(&"contact_methods[whatsapp-official]")
    );
    assert!(plan.kept.is_empty());
}

#[test]
fn grants_memberships_profiles_and_windows_are_diffed() {
    let mut desired = acme();
    let live = applied(&desired);
    let users = &mut desired.directory.users;
    users
        .get_mut("bob")
        .unwrap()
        .roles
        .insert("app_admin".into());
    users
        .get_mut("alice")
        .unwrap()
        .notification_profiles
        .clear();
    let dave = users.get_mut("dave").unwrap();
    dave.out_of_office[0].until += Duration::days(2);
    dave.out_of_office[0].cover = Cover::AllGroups("alice".into());
    let carol = users.get_mut("carol").unwrap();
    carol.out_of_office.clear();
    let groups = &mut desired.directory.groups;
    let db = groups.get_mut("db-oncall").unwrap();
    db.members.remove("ivan");
    db.members
        .insert("carol".into(), [MemberRole::Secondary].into());
    db.members.insert(
        "bob".into(),
        [MemberRole::Primary, MemberRole::Manager].into(),
    );
    let plan = plan(&desired, &live, now(), ALL);
    assert_eq!(paths(change(&plan, ObjectKind::User, "bob")), ["roles"]);
    assert!(
        plan.sensitive
            .iter()
            .any(|n| n.message.contains("`bob` is granted `app_admin`"))
    );
    assert_eq!(
        paths(change(&plan, ObjectKind::User, "alice")),
        ["notification_profiles.p1", "notification_profiles.p5"]
    );
    assert_eq!(
        paths(change(&plan, ObjectKind::User, "dave")),
        [
            "out_of_office[2027-07-05T00:00+01:00].until",
            "out_of_office[2027-07-05T00:00+01:00].covered_by"
        ]
    );
    assert_eq!(
        paths(change(&plan, ObjectKind::User, "carol")),
        ["out_of_office[2027-11-24T17:00-05:00]"]
    );
    assert_eq!(
        paths(change(&plan, ObjectKind::Group, "db-oncall")),
        ["members[bob]", "members[ivan]", "members[carol]"]
    );
}

#[test]
fn a_previous_username_renames_instead_of_replacing() {
    let mut desired = acme();
    let live = applied(&desired);
    let mut alice = desired.directory.users.remove("alice").unwrap();
    alice.username = "anguyen2".into();
    desired.directory.users.insert("anguyen2".into(), alice);
    desired.renames.insert("alice".into(), "anguyen2".into());
    desired.directory.owner = Some("anguyen2".into());
    let platform = desired.directory.groups.get_mut("platform").unwrap();
    let roles = platform.members.remove("alice").unwrap();
    platform.members.insert("anguyen2".into(), roles);
    let plan = plan(&desired, &live, now(), PlanOptions::default());
    let renamed = change(&plan, ObjectKind::User, "anguyen2");
    assert_eq!(renamed.action, Action::Update);
    assert_eq!(renamed.renamed_from.as_deref(), Some("alice"));
    assert_eq!(paths(renamed), ["username"]);
    assert!(!plan.changes.iter().any(|c| c.action == Action::Delete));
    assert!(plan.refusals.is_empty(), "{:#?}", plan.refusals);
}

#[test]
fn a_type_change_is_a_replace_that_needs_permission() {
    let mut desired = acme();
    let mut live = applied(&desired);
    live.platform.api_tokens.insert(
        "dave".into(),
        vec![roster::model::live::ApiToken {
            name: "ci".into(),
            created_at: now(),
        }],
    );
    desired.directory.users.get_mut("dave").unwrap().user_type = UserType::Light;
    let refused = plan(&desired, &live, now(), PlanOptions::default());
    assert_eq!(
        change(&refused, ObjectKind::User, "dave").action,
        Action::Replace
    );
    assert_eq!(refused.refusals.len(), 1);
    assert_eq!(
        refused.refusals[0].message,
        "replacing user `dave` needs `--allow-replace`"
    );
    assert!(
        refused.refusals[0]
            .reasons
            .contains(&"loses 1 API token".to_string())
    );
    let allowed = plan(
        &desired,
        &live,
        now(),
        PlanOptions {
            allow_replace: true,
            ..PlanOptions::default()
        },
    );
    assert!(allowed.refusals.is_empty());
}

#[test]
fn managed_objects_that_leave_the_config_are_deleted_others_are_left_alone() {
    let mut desired = acme();
    let mut live = applied(&desired);
    // Made on the platform: not declared, not managed.
    let mut zed = desired.directory.users["judy"].clone();
    zed.username = "zed".into();
    zed.email = "zed@acme.example".into();
    live.directory.users.insert("zed".into(), zed);
    desired.directory.users.remove("judy");
    desired.directory.roles.clear();
    for user in desired.directory.users.values_mut() {
        user.roles.remove("incident_commander");
    }
    let plan = plan(&desired, &live, now(), ALL);
    assert_eq!(
        change(&plan, ObjectKind::User, "judy").action,
        Action::Delete
    );
    assert_eq!(
        change(&plan, ObjectKind::Role, "incident_commander").action,
        Action::Delete
    );
    assert_eq!(plan.unmanaged, [ObjectKey::new(ObjectKind::User, "zed")]);
    let last: Vec<&str> = plan
        .changes
        .iter()
        .rev()
        .take(2)
        .map(|c| c.key.name.as_str())
        .collect();
    assert_eq!(
        last,
        ["incident_commander", "judy"],
        "deletions come last, roles after users"
    );

    let mut authoritative = desired.clone();
    authoritative.policy.prune_users = PruneMode::Authoritative;
    let pruned = roster::plan::plan(&authoritative, &live, now(), ALL);
    assert_eq!(
        change(&pruned, ObjectKind::User, "zed").action,
        Action::Delete
    );
    assert!(pruned.unmanaged.is_empty());
}

#[test]
fn objects_that_already_match_are_adopted_not_changed() {
    let desired = acme();
    let mut live = applied(&desired);
    live.managed.objects.clear();
    let plan = plan(&desired, &live, now(), ALL);
    assert!(!plan.has_changes());
    assert_eq!(plan.adopt.len(), 20);
}

#[test]
fn past_windows_are_history() {
    let mut desired = acme();
    let mut live = applied(&desired);
    let past = OofWindow {
        from: now() - Duration::days(30),
        until: now() - Duration::days(20),
        cover: Cover::AllGroups("bob".into()),
        note: Some("last month".into()),
    };
    // A past window in live and not in the config is not deleted...
    live.directory
        .users
        .get_mut("frank")
        .unwrap()
        .out_of_office
        .insert(0, past.clone());
    let plan_a = plan(&desired, &live, now(), ALL);
    assert!(!plan_a.has_changes(), "{:#?}", plan_a.changes);
    // ...and one in the config but not in live is not created.
    desired
        .directory
        .users
        .get_mut("ivan")
        .unwrap()
        .out_of_office
        .push(past);
    let plan_b = plan(&desired, &live, now(), ALL);
    assert!(!plan_b.has_changes(), "{:#?}", plan_b.changes);
}

#[test]
fn an_accepted_invitation_is_not_a_change_and_a_pending_one_is_pending() {
    let desired = acme();
    let mut live = applied(&desired);
    live.directory.users.get_mut("bob").unwrap().status = UserStatus::Active;
    let plan = plan(&desired, &live, now(), ALL);
    assert!(!plan.has_changes());
    assert!(!plan.pending.iter().any(|n| n.object.name == "bob"));
    assert!(plan.pending.iter().any(|n| n.object.name == "carol"));
}

#[test]
fn an_owner_change_is_sensitive() {
    let mut desired = acme();
    let live = applied(&desired);
    desired.directory.owner = Some("dave".into());
    desired
        .directory
        .users
        .get_mut("dave")
        .unwrap()
        .roles
        .insert("app_admin".into());
    let plan = plan(&desired, &live, now(), ALL);
    assert_eq!(
        change(&plan, ObjectKind::Account, "account").action,
        Action::Update
    );
    assert!(
        plan.sensitive
            .iter()
            .any(|n| n.message == "the account owner changes from `alice` to `dave`")
    );
}

#[test]
fn guards_name_every_reason_and_every_referencing_object() {
    let mut desired = acme();
    let mut live = applied(&desired);
    // Bob has a future shift and a past one; Frank's window names Bob as cover.
    live.platform.shifts.push(Shift {
        starts_at: now() + Duration::days(9),
        ends_at: now() + Duration::days(16),
        group: "db-oncall".into(),
        user: "bob".into(),
    });
    live.platform.shifts.push(Shift {
        starts_at: now() - Duration::days(16),
        ends_at: now() - Duration::days(9),
        group: "db-oncall".into(),
        user: "bob".into(),
    });
    // Frank goes unmanaged so his window still counts once Bob is gone.
    live.managed
        .objects
        .remove(&ObjectKey::new(ObjectKind::User, "frank"));
    drop_users(&mut desired, &["frank", "bob", "alice"]);
    desired.directory.users.get_mut("mallory").unwrap().status = UserStatus::Disabled;
    let plan = plan(&desired, &live, now(), PlanOptions::default());
    let bob = plan
        .refusals
        .iter()
        .find(|r| r.message == "cannot delete user `bob`")
        .expect("bob is guarded");
    assert_eq!(
        bob.reasons,
        [
            "is on call for `db-oncall` 2026-12-01 00:00 → 2026-12-08 00:00 UTC",
            "covers `frank` (all groups) while they are out 2027-03-19 23:00 → 2027-04-05 07:00 UTC"
        ]
    );
    let alice = plan
        .refusals
        .iter()
        .find(|r| r.message == "cannot delete user `alice`")
        .expect("alice is guarded");
    assert_eq!(alice.reasons, ["is the account owner", "is protected"]);
    assert!(alice.hint.contains("transfer ownership first"));
}

#[test]
fn disabling_a_user_on_call_is_refused() {
    let mut desired = acme();
    let mut live = applied(&desired);
    live.platform.shifts.push(Shift {
        starts_at: now() - Duration::days(1),
        ends_at: now() + Duration::days(6),
        group: "web-oncall".into(),
        user: "grace".into(),
    });
    let grace = desired.directory.users.get_mut("grace").unwrap();
    grace.status = UserStatus::Disabled;
    desired
        .directory
        .groups
        .get_mut("web-oncall")
        .unwrap()
        .members
        .remove("grace");
    desired
        .directory
        .users
        .get_mut("carol")
        .unwrap()
        .out_of_office
        .clear();
    let plan = plan(&desired, &live, now(), PlanOptions::default());
    assert_eq!(plan.refusals.len(), 1, "{:#?}", plan.refusals);
    assert_eq!(plan.refusals[0].message, "cannot disable user `grace`");
    assert_eq!(
        plan.refusals[0].reasons,
        ["is on call for `web-oncall` 2026-11-21 00:00 → 2026-11-28 00:00 UTC"]
    );
}

#[test]
fn the_mass_delete_guard_counts_and_percentages() {
    let mut desired = acme();
    let live = applied(&desired);
    let doomed = [
        "erin", "grace", "olivia", "peggy", "niaj", "judy", "mallory", "ivan", "heidi",
    ];
    drop_users(&mut desired, &doomed);
    desired.directory.groups.remove("support");
    desired
        .directory
        .users
        .get_mut("dave")
        .unwrap()
        .out_of_office
        .clear();
    desired
        .directory
        .users
        .get_mut("carol")
        .unwrap()
        .out_of_office
        .clear();
    let users = &mut desired.directory.users;
    if let Cover::PerGroup(map) = &mut users.get_mut("bob").unwrap().out_of_office[0].cover {
        map.insert("db-oncall".into(), "frank".into());
    }
    // acme's policy: at most 10 deletions and at most 20% of the 19 objects.
    let refused = plan(&desired, &live, now(), PlanOptions::default());
    assert_eq!(refused.summary.delete, 10);
    let guard = refused
        .refusals
        .iter()
        .find(|r| r.object.is_none())
        .expect("the mass-delete guard stops it");
    assert_eq!(
        guard.message,
        "this plan deletes 10 objects; the mass-delete guard allows at most 20% of the 19 live users, groups and roles"
    );
    assert_eq!(guard.reasons.len(), 10);
    let allowed = plan(
        &desired,
        &live,
        now(),
        PlanOptions {
            allow_mass_delete: true,
            ..PlanOptions::default()
        },
    );
    assert!(allowed.refusals.iter().all(|r| r.object.is_some()));
}

#[test]
fn live_state_warnings() {
    let desired = acme();
    let mut live = applied(&desired);
    let checked_at = now();
    live.platform.verifications.insert(
        ("carol".into(), Channel::Sms, "+14155550132".into()),
        Verification {
            state: VerificationState::Unverified,
            checked_at,
        },
    );
    live.platform.verifications.insert(
        ("erin".into(), Channel::Email, "erin@acme.example".into()),
        Verification {
            state: VerificationState::Bounced,
            checked_at,
        },
    );
    live.platform.invitations.insert(
        "grace".into(),
        Invitation {
            sent_at: now() - Duration::days(10),
            expires_at: now() - Duration::days(3),
            accepted_at: None,
        },
    );
    let plan = plan(&desired, &live, now(), ALL);
    let messages: Vec<&str> = plan.warnings.iter().map(|n| n.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "`alice` mutes integration `datadog`, which the account does not have",
            "contact method `sms-personal` of `carol` is unverified: the platform does not use it until its owner confirms it",
            "messages to contact method `email-official` of `erin` bounce: the platform has blocked it",
            "the invitation of `grace` expired on 2026-11-19 without being accepted; the apply sends a fresh one",
        ]
    );
}

mod convergence {
    //! For random desired/live pairs, applying the plan's changes to live
    //! (in memory, as the store would) leaves a state whose plan is empty.

    use std::collections::{BTreeMap, BTreeSet};

    use proptest::prelude::*;
    use roster::model::directory::{ContactMethod, Group, Preferences, Reminders, Role, User};
    use roster::model::live::ManagedRecord;
    use roster::model::vocab::{Label, Language, Permission, Priority, Theme};

    use super::*;

    const USERS: usize = 7;
    const GROUPS: usize = 3;
    const ROLES: usize = 3;

    fn name(prefix: &str, i: usize) -> String {
        format!("{prefix}{i}")
    }

    #[derive(Debug, Clone)]
    struct UserSeed {
        variant: u8,
        type_light: bool,
        status: u8,
        methods: Vec<(u8, bool, u8)>,
        roles: BTreeSet<usize>,
        reminder_groups: BTreeSet<usize>,
        windows: Vec<(i64, i64, usize, bool)>,
        profile: bool,
    }

    fn user_seed() -> impl Strategy<Value = UserSeed> {
        (
            0..3u8,
            any::<bool>(),
            0..3u8,
            proptest::collection::vec((0..5u8, any::<bool>(), 0..3u8), 0..4),
            proptest::collection::btree_set(0..ROLES + 2, 0..3),
            proptest::collection::btree_set(0..GROUPS, 0..2),
            proptest::collection::vec((-40..40i64, 1..10i64, 0..USERS, any::<bool>()), 0..3),
            any::<bool>(),
        )
            .prop_map(
                |(
                    variant,
                    type_light,
                    status,
                    methods,
                    roles,
                    reminder_groups,
                    windows,
                    profile,
                )| UserSeed {
                    variant,
                    type_light,
                    status,
                    methods,
                    roles,
                    reminder_groups,
                    windows,
                    profile,
                },
            )
    }

    /// A user whose references stay inside `users`, `groups` and `roles`.
    fn user(i: usize, seed: &UserSeed, users: &[usize], groups: &[usize], roles: &[usize]) -> User {
        let username = name("u", i);
        let mut contact_methods: Vec<ContactMethod> = Vec::new();
        for (channel, personal, value) in &seed.methods {
            let channel = [
                Channel::Email,
                Channel::Sms,
                Channel::Phone,
                Channel::Whatsapp,
                Channel::Slack,
            ][*channel as usize];
            let label = if *personal {
                Label::Personal
            } else {
                Label::Official
            };
            if contact_methods
                .iter()
                .any(|m| m.channel == channel && m.label == label)
            {
                continue;
            }
            contact_methods.push(ContactMethod {
                channel,
                label,
                variant: None,
                value: format!("{channel}-{value}-{}", seed.variant),
                wait_minutes: u32::from(*value),
                retry: None,
                active_hours: None,
                enabled: *value != 2,
            });
        }
        let mut out_of_office: Vec<OofWindow> = Vec::new();
        let mut start = -40;
        for (offset, length, cover, per_group) in &seed.windows {
            start = start.max(*offset);
            let (from, until) = (
                now() + Duration::days(start),
                now() + Duration::days(start + length),
            );
            start += length + 1;
            let cover_name = name("u", users[cover % users.len()]);
            let cover = match (per_group, groups.first()) {
                (true, Some(g)) => Cover::PerGroup(BTreeMap::from([(name("g", *g), cover_name)])),
                _ => Cover::AllGroups(cover_name),
            };
            out_of_office.push(OofWindow {
                from,
                until,
                cover,
                note: None,
            });
        }
        let mut role_names: BTreeSet<String> = seed
            .roles
            .iter()
            .filter_map(|r| match r {
                r if *r < ROLES => roles.contains(r).then(|| name("r", *r)),
                r if *r == ROLES => Some("basic".to_string()),
                _ => Some("app_admin".to_string()),
            })
            .collect();
        if role_names.is_empty() {
            role_names.insert("basic".into());
        }
        User {
            email: format!("{username}@example.com"),
            username,
            first_name: "First".into(),
            last_name: format!("Last{}", seed.variant),
            user_type: if seed.type_light {
                UserType::Light
            } else {
                UserType::Standard
            },
            status: [
                UserStatus::Active,
                UserStatus::Disabled,
                UserStatus::Invited,
            ][seed.status as usize],
            roles: role_names,
            time_zone: (seed.variant == 1).then(|| "Europe/Berlin".into()),
            locale: None,
            language: if seed.variant == 2 {
                Language::De
            } else {
                Language::En
            },
            external_id: None,
            protected: false,
            preferences: Preferences {
                theme: if seed.variant == 0 {
                    Theme::Light
                } else {
                    Theme::Dark
                },
                ..Preferences::default()
            },
            reminders: Reminders {
                groups: seed
                    .reminder_groups
                    .iter()
                    .filter(|g| groups.contains(g))
                    .map(|g| name("g", *g))
                    .collect(),
                ..Reminders::default()
            },
            muted_integrations: BTreeSet::new(),
            notification_profiles: if seed.profile && !contact_methods.is_empty() {
                BTreeMap::from([(
                    Priority::P1,
                    vec![roster::model::directory::ProfileStep {
                        method: contact_methods[0].key(),
                        wait_minutes: 0,
                        repeat: 1,
                    }],
                )])
            } else {
                BTreeMap::new()
            },
            contact_methods,
            out_of_office,
        }
    }

    #[derive(Debug, Clone)]
    struct Side {
        users: BTreeMap<usize, UserSeed>,
        groups: BTreeMap<usize, BTreeMap<usize, u8>>,
        roles: BTreeMap<usize, BTreeSet<u8>>,
        owner: Option<usize>,
    }

    fn side() -> impl Strategy<Value = Side> {
        (
            proptest::collection::btree_map(0..USERS, user_seed(), 1..USERS),
            proptest::collection::btree_map(
                0..GROUPS,
                proptest::collection::btree_map(0..USERS, 0..4u8, 0..4),
                0..GROUPS,
            ),
            proptest::collection::btree_map(
                0..ROLES,
                proptest::collection::btree_set(0..5u8, 1..3),
                0..ROLES,
            ),
            proptest::option::of(0..USERS),
        )
            .prop_map(|(users, groups, roles, owner)| Side {
                users,
                groups,
                roles,
                owner,
            })
    }

    /// A directory whose references all resolve, as a valid config or a
    /// database with foreign keys would have it.
    fn directory(side: &Side) -> roster::model::Directory {
        let users: Vec<usize> = side.users.keys().copied().collect();
        let groups: Vec<usize> = side.groups.keys().copied().collect();
        let roles: Vec<usize> = side.roles.keys().copied().collect();
        let permissions = [
            Permission::ViewDashboard,
            Permission::ExportData,
            Permission::ManageTeams,
            Permission::InviteUsers,
            Permission::ViewAnalytics,
        ];
        roster::model::Directory {
            owner: side
                .owner
                .filter(|o| users.contains(o))
                .map(|o| name("u", o)),
            roles: side
                .roles
                .iter()
                .map(|(r, perms)| {
                    let role = Role {
                        name: name("r", *r),
                        description: (perms.len() > 1).then(|| "two".into()),
                        permissions: perms.iter().map(|p| permissions[*p as usize]).collect(),
                    };
                    (role.name.clone(), role)
                })
                .collect(),
            users: side
                .users
                .iter()
                .map(|(i, seed)| (name("u", *i), user(*i, seed, &users, &groups, &roles)))
                .collect(),
            groups: side
                .groups
                .iter()
                .map(|(g, members)| {
                    let member_roles = [
                        vec![],
                        vec![MemberRole::Primary],
                        vec![MemberRole::Manager],
                        vec![MemberRole::Secondary, MemberRole::Manager],
                    ];
                    let group = Group {
                        name: name("g", *g),
                        description: None,
                        members: members
                            .iter()
                            .filter(|(u, _)| users.contains(u))
                            .map(|(u, r)| {
                                (
                                    name("u", *u),
                                    member_roles[*r as usize].iter().copied().collect(),
                                )
                            })
                            .collect(),
                    };
                    (group.name.clone(), group)
                })
                .collect(),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        #[test]
        fn applying_a_plan_converges(
            wanted in side(),
            current in side(),
            managed in proptest::collection::btree_set(0..USERS + GROUPS + ROLES + 1, 0..8),
            authoritative in any::<bool>(),
            rename in proptest::option::of((0..USERS, 0..USERS)),
        ) {
            let mut desired = DesiredState { directory: directory(&wanted), ..DesiredState::default() };
            if authoritative {
                desired.policy.prune_users = PruneMode::Authoritative;
                desired.policy.prune_groups = PruneMode::Authoritative;
            }
            // Desired statuses are what a config can say: active or disabled.
            for user in desired.directory.users.values_mut() {
                if user.status == UserStatus::Invited {
                    user.status = UserStatus::Active;
                }
            }
            if let Some((old, new)) = rename {
                let (old, new) = (name("u", old), name("u", new));
                if old != new && desired.directory.users.contains_key(&new) && !desired.directory.users.contains_key(&old) {
                    desired.renames.insert(old, new);
                }
            }
            let mut live = LiveSnapshot { directory: directory(&current), ..LiveSnapshot::default() };
            for i in managed {
                let key = match i {
                    i if i < USERS => ObjectKey::new(ObjectKind::User, name("u", i)),
                    i if i < USERS + GROUPS => ObjectKey::new(ObjectKind::Group, name("g", i - USERS)),
                    i if i < USERS + GROUPS + ROLES => ObjectKey::new(ObjectKind::Role, name("r", i - USERS - GROUPS)),
                    _ => ObjectKey::new(ObjectKind::Account, "account"),
                };
                live.managed.objects.insert(key, ManagedRecord::new("stale".into(), None));
            }

            let first = plan(&desired, &live, now(), ALL);
            let changes = change_set(&first, now());
    memory::apply(&mut live, &changes);
            let second = plan(&desired, &live, now(), ALL);
            prop_assert!(!second.has_changes(), "still to do: {:#?}\nafter: {:#?}", second.changes, first.changes);
            prop_assert!(second.adopt.is_empty(), "still to adopt: {:#?}", second.adopt);
        }
    }
}

#[test]
fn a_new_username_for_an_old_email_is_caught_before_the_database_refuses_it() {
    let mut desired = acme();
    let live = applied(&desired);
    // Judy was renamed without `previous_usernames`: a delete and a create.
    let mut judy = desired.directory.users.remove("judy").unwrap();
    judy.username = "jmartin".into();
    desired.directory.users.insert("jmartin".into(), judy);
    let plan = plan(&desired, &live, now(), ALL);
    assert_eq!(plan.refusals.len(), 1, "{:#?}", plan.refusals);
    let refusal = &plan.refusals[0];
    assert_eq!(
        refusal.message,
        "user `jmartin` would take the email of another user"
    );
    assert_eq!(
        refusal.reasons,
        ["this plan deletes `judy`, who has that email now, after creating `jmartin`"]
    );
    assert!(refusal.hint.contains("add `previous_usernames: [judy]`"));
    desired.renames.insert("judy".into(), "jmartin".into());
    let renamed = roster::plan::plan(&desired, &live, now(), ALL);
    assert!(renamed.refusals.is_empty(), "{:#?}", renamed.refusals);
}

#[test]
fn disabling_the_owner_is_refused_unless_ownership_moves_in_the_same_plan() {
    let desired = acme();
    let live = applied(&desired);
    let mut disabled = desired.clone();
    disabled.directory.users.get_mut("alice").unwrap().status = UserStatus::Disabled;
    let refused = plan(&disabled, &live, now(), PlanOptions::default());
    let alice = refused
        .refusals
        .iter()
        .find(|r| r.message == "cannot disable user `alice`")
        .expect("the owner is guarded");
    assert_eq!(alice.reasons, ["is the account owner"]);
    // Handing the account to Heidi in the same plan lets Alice go.
    let mut handed_over = disabled.clone();
    handed_over.directory.owner = Some("heidi".into());
    // Without `--allow-owner-change` the hand-over itself is refused.
    let asked = plan(&handed_over, &live, now(), PlanOptions::default());
    assert_eq!(asked.refusals.len(), 1, "{:#?}", asked.refusals);
    assert_eq!(
        asked.refusals[0].message,
        "changing the account owner from `alice` to `heidi` needs `--allow-owner-change`"
    );
    let allowed = plan(
        &handed_over,
        &live,
        now(),
        PlanOptions {
            allow_owner_change: true,
            ..PlanOptions::default()
        },
    );
    assert!(allowed.refusals.is_empty(), "{:#?}", allowed.refusals);
    assert_eq!(
        change(&allowed, ObjectKind::Account, "account").action,
        Action::Update
    );
}

#[test]
fn disabling_a_per_group_cover_is_refused_naming_the_group() {
    let mut desired = acme();
    let live = applied(&desired);
    // Ivan covers Bob's database pager while Bob is at a conference.
    desired.directory.users.get_mut("ivan").unwrap().status = UserStatus::Disabled;
    desired
        .directory
        .groups
        .get_mut("db-oncall")
        .unwrap()
        .members
        .remove("ivan");
    let plan = plan(&desired, &live, now(), PlanOptions::default());
    assert_eq!(plan.refusals.len(), 1, "{:#?}", plan.refusals);
    assert_eq!(plan.refusals[0].message, "cannot disable user `ivan`");
    assert_eq!(
        plan.refusals[0].reasons,
        ["covers `bob` (db-oncall) while they are out 2027-01-31 23:00 → 2027-02-07 23:00 UTC"]
    );
    assert_eq!(
        plan.refusals[0].hint,
        "give those out-of-office windows another cover first"
    );
}

#[test]
fn a_role_that_an_unmanaged_user_holds_is_not_deleted_under_them() {
    let mut desired = acme();
    let mut live = applied(&desired);
    let mut zed = desired.directory.users["frank"].clone();
    zed.username = "zed".into();
    zed.email = "zed@acme.example".into();
    zed.out_of_office.clear();
    assert!(zed.roles.contains("incident_commander"));
    live.directory.users.insert("zed".into(), zed);
    desired.directory.roles.clear();
    for user in desired.directory.users.values_mut() {
        user.roles.remove("incident_commander");
    }
    let refused = plan(&desired, &live, now(), ALL);
    assert_eq!(refused.refusals.len(), 1, "{:#?}", refused.refusals);
    let role = &refused.refusals[0];
    assert_eq!(role.message, "cannot delete role `incident_commander`");
    assert_eq!(
        role.reasons,
        ["user `zed` holds it and is not in the config"]
    );
    assert_eq!(
        role.object,
        Some(ObjectKey::new(ObjectKind::Role, "incident_commander"))
    );
    // The same plan re-checked against the live directory at apply time.
    assert_eq!(
        roster::plan::recheck(&refused, &live, now()),
        refused.refusals
    );
    // Once zed no longer holds it, the role may go.
    live.directory
        .users
        .get_mut("zed")
        .unwrap()
        .roles
        .remove("incident_commander");
    let allowed = plan(&desired, &live, now(), ALL);
    assert!(allowed.refusals.is_empty(), "{:#?}", allowed.refusals);
    assert_eq!(
        change(&allowed, ObjectKind::Role, "incident_commander").action,
        Action::Delete
    );
}

#[test]
fn the_mass_delete_guard_names_the_count_it_goes_over() {
    let mut desired = acme();
    let live = applied(&desired);
    desired.policy.max_deletes = Some(2);
    desired.policy.max_delete_percent = None;
    drop_users(&mut desired, &["judy", "olivia", "peggy"]);
    let refused = plan(&desired, &live, now(), PlanOptions::default());
    let guard = refused
        .refusals
        .iter()
        .find(|r| r.object.is_none())
        .expect("the mass-delete guard stops it");
    assert_eq!(
        guard.message,
        "this plan deletes 3 objects; the mass-delete guard allows at most 2 objects"
    );
    assert_eq!(
        guard.reasons,
        [
            "deletes user `judy`",
            "deletes user `olivia`",
            "deletes user `peggy`"
        ]
    );
}

#[test]
fn authoritative_roles_delete_undeclared_roles() {
    let desired = acme();
    let mut live = applied(&desired);
    let mut made_by_hand = desired.directory.roles["incident_commander"].clone();
    made_by_hand.name = "night_watch".into();
    live.directory
        .roles
        .insert("night_watch".into(), made_by_hand);
    let managed = plan(&desired, &live, now(), PlanOptions::default());
    assert!(!managed.has_changes());
    assert_eq!(
        managed.unmanaged,
        [ObjectKey::new(ObjectKind::Role, "night_watch")]
    );
    let mut authoritative = desired.clone();
    authoritative.policy.prune_roles = PruneMode::Authoritative;
    let pruned = plan(&authoritative, &live, now(), PlanOptions::default());
    assert_eq!(
        change(&pruned, ObjectKind::Role, "night_watch").action,
        Action::Delete
    );
    assert!(pruned.unmanaged.is_empty());
    assert!(pruned.refusals.is_empty(), "{:#?}", pruned.refusals);
}
