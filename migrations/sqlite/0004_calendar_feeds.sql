-- Calendars (SQLite): the WebCal feeds roster serves, and how often each
-- shift and out-of-office window changed, so that a calendar event's
-- SEQUENCE and DTSTAMP come from the directory itself.

-- One row per feed URL issued. The URL's token is a selector, looked up
-- here, and a secret of which only the SHA-256 is kept; a revoked feed
-- keeps its row (when it was withdrawn) and answers nothing.
CREATE TABLE calendar_feeds (
    id          INTEGER PRIMARY KEY,
    selector    TEXT    NOT NULL UNIQUE,
    secret_hash TEXT    NOT NULL,
    user_id     INTEGER REFERENCES users (id) ON DELETE CASCADE,
    group_id    INTEGER REFERENCES groups (id) ON DELETE CASCADE,
    created_at  TEXT    NOT NULL,
    revoked_at  TEXT,
    CHECK ((user_id IS NULL) <> (group_id IS NULL))
);
CREATE INDEX calendar_feeds_user ON calendar_feeds (user_id);
CREATE INDEX calendar_feeds_group ON calendar_feeds (group_id);

-- A group's feed reads its shifts by group.
CREATE INDEX IF NOT EXISTS oncall_shifts_group ON oncall_shifts (group_id);

-- Revisions are kept by triggers, whoever writes (roster's applies, the
-- platform, a person in the app): 0 when a row is first written, one more
-- at every later write of the same shift or window. A rewrite that changes
-- nothing counts too; an event updated for nothing is harmless, an event
-- changed without a new SEQUENCE is not.
CREATE TABLE calendar_shift_revisions (
    shift_id   INTEGER PRIMARY KEY,
    revision   INTEGER NOT NULL,
    revised_at TEXT    NOT NULL
);

CREATE TABLE calendar_oof_revisions (
    user_id    INTEGER NOT NULL,
    starts_at  TEXT    NOT NULL,
    revision   INTEGER NOT NULL,
    revised_at TEXT    NOT NULL,
    PRIMARY KEY (user_id, starts_at)
);

INSERT INTO calendar_shift_revisions (shift_id, revision, revised_at)
    SELECT id, 0, strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM oncall_shifts;
INSERT INTO calendar_oof_revisions (user_id, starts_at, revision, revised_at)
    SELECT user_id, starts_at, 0, strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM oof_windows;

CREATE TRIGGER calendar_shift_inserted AFTER INSERT ON oncall_shifts BEGIN
    INSERT INTO calendar_shift_revisions (shift_id, revision, revised_at)
        VALUES (NEW.id, 0, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
        ON CONFLICT (shift_id) DO UPDATE SET revision = revision + 1, revised_at = excluded.revised_at;
END;

CREATE TRIGGER calendar_shift_updated AFTER UPDATE ON oncall_shifts BEGIN
    INSERT INTO calendar_shift_revisions (shift_id, revision, revised_at)
        VALUES (NEW.id, 0, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
        ON CONFLICT (shift_id) DO UPDATE SET revision = revision + 1, revised_at = excluded.revised_at;
END;

CREATE TRIGGER calendar_oof_inserted AFTER INSERT ON oof_windows BEGIN
    INSERT INTO calendar_oof_revisions (user_id, starts_at, revision, revised_at)
        VALUES (NEW.user_id, NEW.starts_at, 0, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
        ON CONFLICT (user_id, starts_at) DO UPDATE SET revision = revision + 1, revised_at = excluded.revised_at;
END;

CREATE TRIGGER calendar_oof_updated AFTER UPDATE ON oof_windows BEGIN
    INSERT INTO calendar_oof_revisions (user_id, starts_at, revision, revised_at)
        VALUES (NEW.user_id, NEW.starts_at, 0, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
        ON CONFLICT (user_id, starts_at) DO UPDATE SET revision = revision + 1, revised_at = excluded.revised_at;
END;

-- A per-group cover is part of its window: adding, changing or removing
-- one revises the window.
CREATE TRIGGER calendar_oof_cover_inserted AFTER INSERT ON oof_group_covers BEGIN
    INSERT INTO calendar_oof_revisions (user_id, starts_at, revision, revised_at)
        VALUES (NEW.user_id, NEW.starts_at, 0, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
        ON CONFLICT (user_id, starts_at) DO UPDATE SET revision = revision + 1, revised_at = excluded.revised_at;
END;

CREATE TRIGGER calendar_oof_cover_updated AFTER UPDATE ON oof_group_covers BEGIN
    INSERT INTO calendar_oof_revisions (user_id, starts_at, revision, revised_at)
        VALUES (NEW.user_id, NEW.starts_at, 0, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
        ON CONFLICT (user_id, starts_at) DO UPDATE SET revision = revision + 1, revised_at = excluded.revised_at;
END;

CREATE TRIGGER calendar_oof_cover_deleted AFTER DELETE ON oof_group_covers BEGIN
    UPDATE calendar_oof_revisions
        SET revision = revision + 1, revised_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
        WHERE user_id = OLD.user_id AND starts_at = OLD.starts_at;
END;
