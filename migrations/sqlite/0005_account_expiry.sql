-- An account may be valid only until a date (e.g. an appraisal council member's account
-- for the appraisal season): after `expires_at` it can no longer sign in and its sessions
-- stop working. Null: no end.
alter table users add column expires_at bigint;
