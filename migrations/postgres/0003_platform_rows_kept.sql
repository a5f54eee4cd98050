-- Platform-owned rows are never deleted through a cascade: deleting a user
-- or group that still has an on-call shift, or a user who still has a push
-- device or an API token, fails, so the change must deal with those rows
-- first or be refused. (Invitations and contact verifications describe
-- the user alone and still go with them.)

ALTER TABLE push_methods
    DROP CONSTRAINT push_methods_user_id_fkey,
    ADD CONSTRAINT push_methods_user_id_fkey
        FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE RESTRICT;

ALTER TABLE api_tokens
    DROP CONSTRAINT api_tokens_user_id_fkey,
    ADD CONSTRAINT api_tokens_user_id_fkey
        FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE RESTRICT;

ALTER TABLE oncall_shifts
    DROP CONSTRAINT oncall_shifts_group_id_fkey,
    ADD CONSTRAINT oncall_shifts_group_id_fkey
        FOREIGN KEY (group_id) REFERENCES groups (id) ON DELETE RESTRICT,
    DROP CONSTRAINT oncall_shifts_user_id_fkey,
    ADD CONSTRAINT oncall_shifts_user_id_fkey
        FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE RESTRICT;
CREATE INDEX oncall_shifts_group ON oncall_shifts (group_id);
