-- Platform-owned rows are never deleted through a cascade: deleting a user
-- or group that still has an on-call shift, or a user who still has a push
-- device or an API token, fails, so the change must deal with those rows
-- first or be refused. (Invitations and contact verifications describe
-- the user alone and still go with them.) SQLite cannot alter a foreign
-- key, so each table is rebuilt with RESTRICT in place of CASCADE; nothing
-- refers to these tables, so dropping the old ones takes nothing along.

CREATE TABLE push_methods_kept (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    device        TEXT    NOT NULL,
    registered_at TEXT    NOT NULL
);
INSERT INTO push_methods_kept SELECT id, user_id, device, registered_at FROM push_methods;
DROP TABLE push_methods;
ALTER TABLE push_methods_kept RENAME TO push_methods;

CREATE TABLE api_tokens_kept (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    name         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    last_used_at TEXT
);
INSERT INTO api_tokens_kept SELECT id, user_id, name, token_hash, created_at, last_used_at FROM api_tokens;
DROP TABLE api_tokens;
ALTER TABLE api_tokens_kept RENAME TO api_tokens;

CREATE TABLE oncall_shifts_kept (
    id        INTEGER PRIMARY KEY,
    group_id  INTEGER NOT NULL REFERENCES groups (id) ON DELETE RESTRICT,
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    starts_at TEXT    NOT NULL,
    ends_at   TEXT    NOT NULL,
    CHECK (ends_at > starts_at)
);
INSERT INTO oncall_shifts_kept SELECT id, group_id, user_id, starts_at, ends_at FROM oncall_shifts;
DROP TABLE oncall_shifts;
ALTER TABLE oncall_shifts_kept RENAME TO oncall_shifts;
CREATE INDEX oncall_shifts_user ON oncall_shifts (user_id);
CREATE INDEX oncall_shifts_group ON oncall_shifts (group_id);
