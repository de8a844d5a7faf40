-- The activity log keeps a window (activity.rs): entries past its age go by this index.
CREATE INDEX activity_by_time ON activity (at);
