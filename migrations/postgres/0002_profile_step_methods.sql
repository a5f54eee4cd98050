-- A notification step names one of its user's contact methods. The check
-- is deferred to the commit: an apply rewrites a user's methods and
-- profiles together, and only the result must hold.
ALTER TABLE notification_steps
    ADD CONSTRAINT notification_steps_method
    FOREIGN KEY (user_id, channel, label, variant)
    REFERENCES contact_methods (user_id, channel, label, variant) DEFERRABLE INITIALLY DEFERRED;
