-- The live directory (SQLite). Roster-managed tables hold what configs
-- declare; platform-owned tables hold what the platform records and roster
-- only reads; roster_* tables are roster's own bookkeeping.

CREATE TABLE roles (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    description TEXT,
    builtin     BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE role_permissions (
    role_id    INTEGER NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    permission TEXT    NOT NULL CHECK (permission IN (
        'view_dashboard', 'view_incidents', 'view_services', 'acknowledge_incidents',
        'resolve_incidents', 'reassign_incidents', 'add_incident_notes', 'create_incidents',
        'manage_schedules', 'create_overrides', 'create_services', 'edit_services',
        'delete_services', 'manage_teams', 'manage_escalation_policies', 'manage_integrations',
        'invite_users', 'manage_user_roles', 'system_settings', 'view_analytics', 'export_data')),
    PRIMARY KEY (role_id, permission)
);

INSERT INTO roles (name, builtin) VALUES
    ('app_admin', TRUE), ('basic', TRUE), ('billing_admin', TRUE),
    ('integrations_admin', TRUE), ('send_message', TRUE), ('system_viewer', TRUE);

CREATE TABLE users (
    id                  INTEGER PRIMARY KEY,
    username            TEXT    NOT NULL UNIQUE CHECK (username = lower(username)),
    email               TEXT    NOT NULL UNIQUE CHECK (email = lower(email)),
    first_name          TEXT    NOT NULL,
    last_name           TEXT    NOT NULL,
    user_type           TEXT    NOT NULL CHECK (user_type IN ('standard', 'light', 'stakeholder')),
    status              TEXT    NOT NULL CHECK (status IN ('invited', 'active', 'disabled')),
    time_zone           TEXT,
    locale              TEXT,
    language            TEXT    NOT NULL CHECK (language IN ('en', 'es', 'fr', 'de', 'nl')),
    external_id         TEXT,
    protected           BOOLEAN NOT NULL DEFAULT FALSE,
    home_page           TEXT    NOT NULL,
    theme               TEXT    NOT NULL CHECK (theme IN ('light', 'dark')),
    digest              TEXT    NOT NULL CHECK (digest IN ('high', 'all', 'none')),
    remind_email        BOOLEAN NOT NULL DEFAULT FALSE,
    remind_push         BOOLEAN NOT NULL DEFAULT FALSE,
    remind_lead_minutes INTEGER NOT NULL DEFAULT 60,
    -- Platform-owned: roster reads these and never writes them.
    created_at          TEXT    NOT NULL,
    last_login_at       TEXT
);

CREATE TABLE user_roles (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id INTEGER NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, role_id)
);
CREATE INDEX user_roles_role ON user_roles (role_id);

CREATE TABLE groups (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT
);

CREATE TABLE group_members (
    group_id     INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    is_primary   BOOLEAN NOT NULL DEFAULT FALSE,
    is_secondary BOOLEAN NOT NULL DEFAULT FALSE,
    is_manager   BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id);

CREATE TABLE user_reminder_groups (
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    group_id INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, group_id)
);

CREATE TABLE user_muted_integrations (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    integration TEXT    NOT NULL,
    PRIMARY KEY (user_id, integration)
);

-- One method per channel, label and variant ('' when none); `position` is
-- the notification sequence.
CREATE TABLE contact_methods (
    user_id                INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    position               INTEGER NOT NULL,
    channel                TEXT    NOT NULL CHECK (channel IN ('email', 'sms', 'phone', 'whatsapp', 'slack')),
    label                  TEXT    NOT NULL CHECK (label IN ('official', 'personal')),
    variant                TEXT    NOT NULL DEFAULT '' CHECK (variant IN ('', 'mobile', 'sms_gateway')),
    value                  TEXT    NOT NULL,
    wait_minutes           INTEGER NOT NULL DEFAULT 0,
    retry_count            INTEGER,
    retry_interval_minutes INTEGER,
    active_days            TEXT,
    active_from            TEXT,
    active_to              TEXT,
    enabled                BOOLEAN NOT NULL DEFAULT TRUE,
    PRIMARY KEY (user_id, channel, label, variant),
    UNIQUE (user_id, position)
);

CREATE TABLE notification_profiles (
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    priority TEXT    NOT NULL CHECK (priority IN ('p1', 'p2', 'p3', 'p4', 'p5')),
    PRIMARY KEY (user_id, priority)
);

CREATE TABLE notification_steps (
    user_id      INTEGER NOT NULL,
    priority     TEXT    NOT NULL,
    position     INTEGER NOT NULL,
    channel      TEXT    NOT NULL,
    label        TEXT    NOT NULL,
    variant      TEXT    NOT NULL DEFAULT '',
    wait_minutes INTEGER NOT NULL DEFAULT 0,
    repeat_count INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, priority, position),
    FOREIGN KEY (user_id, priority) REFERENCES notification_profiles (user_id, priority) ON DELETE CASCADE
);

-- An out-of-office window; `cover_user_id` is set for one cover of all
-- groups, `oof_group_covers` holds one cover per group otherwise.
CREATE TABLE oof_windows (
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    starts_at     TEXT    NOT NULL,
    ends_at       TEXT    NOT NULL,
    cover_user_id INTEGER REFERENCES users (id),
    note          TEXT,
    PRIMARY KEY (user_id, starts_at),
    CHECK (ends_at > starts_at)
);
CREATE INDEX oof_windows_cover ON oof_windows (cover_user_id);

CREATE TABLE oof_group_covers (
    user_id       INTEGER NOT NULL,
    starts_at     TEXT    NOT NULL,
    group_id      INTEGER NOT NULL REFERENCES groups (id),
    cover_user_id INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (user_id, starts_at, group_id),
    FOREIGN KEY (user_id, starts_at) REFERENCES oof_windows (user_id, starts_at) ON DELETE CASCADE
);
CREATE INDEX oof_group_covers_cover ON oof_group_covers (cover_user_id);

-- At most one row: the account owner.
CREATE TABLE account (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    owner_user_id INTEGER REFERENCES users (id)
);
INSERT INTO account (id, owner_user_id) VALUES (1, NULL);

-- Platform-owned state: written by the platform (web UI, mobile app,
-- scheduler), read by roster, never written by it.

CREATE TABLE push_methods (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device        TEXT    NOT NULL,
    registered_at TEXT    NOT NULL
);

CREATE TABLE contact_verifications (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    channel    TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    state      TEXT    NOT NULL CHECK (state IN ('unverified', 'verified', 'bounced')),
    checked_at TEXT    NOT NULL,
    PRIMARY KEY (user_id, channel, value)
);

CREATE TABLE invitations (
    user_id     INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    sent_at     TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    accepted_at TEXT
);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    last_used_at TEXT
);

CREATE TABLE integrations (
    name       TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE oncall_shifts (
    id        INTEGER PRIMARY KEY,
    group_id  INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    starts_at TEXT    NOT NULL,
    ends_at   TEXT    NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX oncall_shifts_user ON oncall_shifts (user_id);

-- Roster's bookkeeping: the last-applied form of every object roster
-- manages, and the history of applies.

CREATE TABLE roster_managed (
    kind        TEXT NOT NULL CHECK (kind IN ('account', 'role', 'user', 'group')),
    name        TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    body        TEXT NOT NULL,
    apply_id    INTEGER,
    PRIMARY KEY (kind, name)
);

CREATE TABLE roster_applies (
    id          INTEGER PRIMARY KEY,
    revision    TEXT,
    actor       TEXT    NOT NULL,
    started_at  TEXT    NOT NULL,
    finished_at TEXT    NOT NULL,
    plan_digest TEXT    NOT NULL,
    creates     INTEGER NOT NULL,
    updates     INTEGER NOT NULL,
    replaces    INTEGER NOT NULL,
    deletes     INTEGER NOT NULL,
    summary     TEXT    NOT NULL
);
