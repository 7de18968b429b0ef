-- Each submission of a self-assessment keeps a snapshot of every leaf as it was sent
-- (figures, points, notes, evidence; JSON, see src/domain/changes.rs), written in the
-- transaction that records the submission. After a withdrawal and a new submission, or
-- an explanation, what changed since is the difference from the snapshot before.
create table submission_snapshots (
    id integer primary key,
    round_id bigint not null references rounds (id) on delete cascade,
    unit_id bigint not null references units (id),
    submitted_at bigint not null,
    submitted_by bigint references users (id),
    body text not null
);
create index submission_snapshots_by_unit on submission_snapshots (round_id, unit_id, id);
