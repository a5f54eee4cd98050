-- A notification step names one of its user's contact methods. The check
-- is deferred to the commit: an apply rewrites a user's methods and
-- profiles together, and only the result must hold.
CREATE TABLE notification_steps_checked (
    user_id      INTEGER NOT NULL,
    priority     TEXT    NOT NULL,
    position     INTEGER NOT NULL,
    channel      TEXT    NOT NULL,
    label        TEXT    NOT NULL,
    variant      TEXT    NOT NULL DEFAULT '',
    wait_minutes INTEGER NOT NULL DEFAULT 0,
    repeat_count INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, priority, position),
    FOREIGN KEY (user_id, priority) REFERENCES notification_profiles (user_id, priority) ON DELETE CASCADE,
    FOREIGN KEY (user_id, channel, label, variant)
        REFERENCES contact_methods (user_id, channel, label, variant) DEFERRABLE INITIALLY DEFERRED
);
INSERT INTO notification_steps_checked SELECT * FROM notification_steps;
DROP TABLE notification_steps;
ALTER TABLE notification_steps_checked RENAME TO notification_steps;
