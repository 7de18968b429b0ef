-- What a round's results are computed from changes only by writes, and every write to a
-- round counts itself here, in the transaction that makes it: the round's own counter for
-- writes that take the round's lock (phases, publication, membership, exemptions,
-- corrigenda, imports, the directory's names), and the member's counter for writes to one
-- unit (saves, appraisals, submissions, survey scores, bonus and penalty). The round's
-- data version is the round's counter plus the sum of its members'. Both only grow, so
-- the version changes with every committed write and never comes back: results computed
-- at one version are kept, in each instance's memory, until it changes (see
-- src/service/results.rs). On SQLite, where one write runs at a time, unit writes count
-- on the round's row, which they write already; on PostgreSQL on the member's row, so that
-- concurrent saves to different units never wait for one another.
alter table rounds add column data_version bigint not null default 0;
alter table round_members add column version bigint not null default 0;
