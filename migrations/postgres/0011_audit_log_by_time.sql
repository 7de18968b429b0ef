-- The audit log's pages list entries in the order they were written (time, then id), a
-- hundred at a time: an index in that order, so a page reads its rows, not the whole log.
create index audit_log_by_time on audit_log (at, id);
