-- Roster's own settings as the last apply left them: the self-service
-- fields in force (`self_service`, a JSON list), so that drift tells
-- people's own changes from drift even when run without the config.
CREATE TABLE roster_settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
