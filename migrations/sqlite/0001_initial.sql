-- Tiers (khối) and units (đơn vị). Tiers are data: a deployment may have two or three.
create table tiers (
    id integer primary key,
    code text not null unique,
    name text not null,
    position bigint not null default 0,
    active bigint not null default 1
);

create table units (
    id integer primary key,
    code text not null unique,
    name text not null,
    tier_id bigint not null references tiers (id),
    active bigint not null default 1
);

-- Users; sign-in (password hashes, sessions) arrives with the web issue.
create table users (
    id integer primary key,
    username text not null unique,
    display_name text not null,
    role text not null check (role in ('admin', 'officer', 'head', 'appraiser', 'viewer')),
    unit_id bigint references units (id),
    password_hash text,
    active bigint not null default 1,
    created_at bigint not null
);

-- Criteria sets: one row per (code, version). `source` is the file as imported, parsed
-- again on load; `content_hash` is the canonical hash of its content.
create table criteria_sets (
    id integer primary key,
    code text not null,
    version text not null,
    title text not null,
    tier_code text not null,
    total_h bigint not null,
    content_hash text not null,
    source text not null,
    published_at bigint,
    created_at bigint not null,
    unique (code, version)
);

create table criteria_nodes (
    set_id bigint not null references criteria_sets (id) on delete cascade,
    code text not null,
    parent_code text,
    position bigint not null,
    text text not null,
    max_h bigint not null,
    method text,
    params text,
    guidance text not null default '',
    evidence text not null default '',
    na_allowed bigint not null default 0,
    primary key (set_id, code)
);

create table criteria_extras (
    set_id bigint not null references criteria_sets (id) on delete cascade,
    kind text not null check (kind in ('bonus', 'penalty')),
    code text not null,
    text text not null,
    points_h bigint not null,
    primary key (set_id, kind, code)
);

-- Rounds (kỳ đánh giá): the set version per tier, phase windows, tie-break, bands.
create table rounds (
    id integer primary key,
    year bigint not null,
    title text not null,
    tie_break text not null default 'none',
    published_at bigint,
    created_at bigint not null
);

create table round_sets (
    round_id bigint not null references rounds (id) on delete cascade,
    tier_id bigint not null references tiers (id),
    set_id bigint not null references criteria_sets (id),
    primary key (round_id, tier_id)
);

create table round_phases (
    round_id bigint not null references rounds (id) on delete cascade,
    phase text not null,
    opens_at bigint not null,
    closes_at bigint not null,
    primary key (round_id, phase)
);

create table round_bands (
    round_id bigint not null references rounds (id) on delete cascade,
    tier_id bigint not null references tiers (id),
    label text not null,
    min_index_h bigint not null,
    primary key (round_id, tier_id, label)
);

-- Extensions (gia hạn) and reopenings (mở lại) of one unit in one phase.
create table unit_overrides (
    id integer primary key,
    round_id bigint not null references rounds (id) on delete cascade,
    unit_id bigint not null references units (id),
    phase text not null,
    kind text not null check (kind in ('extension', 'reopening')),
    until_at bigint not null,
    reason text not null,
    granted_by bigint references users (id),
    granted_at bigint not null
);
create index unit_overrides_by_unit on unit_overrides (round_id, unit_id, phase);

-- Self-assessment (tự chấm điểm) per unit and leaf: the figures entered and the points
-- they give. `version` increases on every save, for optimistic concurrency.
create table self_entries (
    round_id bigint not null references rounds (id) on delete cascade,
    unit_id bigint not null references units (id),
    leaf_code text not null,
    input_kind text,
    met bigint,
    numerator_h bigint,
    denominator_h bigint,
    judged_h bigint,
    occurrences bigint,
    points_h bigint,
    explanation text not null default '',
    not_applicable bigint not null default 0,
    na_reason text not null default '',
    version bigint not null default 1,
    updated_by bigint references users (id),
    updated_at bigint not null,
    primary key (round_id, unit_id, leaf_code)
);

-- Whether a unit's head approved and submitted its self-assessment.
create table submissions (
    round_id bigint not null references rounds (id) on delete cascade,
    unit_id bigint not null references units (id),
    submitted_at bigint not null,
    submitted_by bigint references users (id),
    primary key (round_id, unit_id)
);

-- Appraisal (thẩm định) per round of appraisal (1 or 2), unit and leaf.
create table appraisal_entries (
    round_id bigint not null references rounds (id) on delete cascade,
    unit_id bigint not null references units (id),
    leaf_code text not null,
    appraisal_round bigint not null check (appraisal_round in (1, 2)),
    points_h bigint,
    not_applicable bigint not null default 0,
    comment text not null default '',
    explanation_requested bigint not null default 0,
    appraiser_id bigint references users (id),
    updated_at bigint not null,
    primary key (round_id, unit_id, leaf_code, appraisal_round)
);

-- Survey (điều tra xã hội học) points per unit and survey leaf.
create table survey_scores (
    round_id bigint not null references rounds (id) on delete cascade,
    unit_id bigint not null references units (id),
    leaf_code text not null,
    points_h bigint not null,
    updated_by bigint references users (id),
    updated_at bigint not null,
    primary key (round_id, unit_id, leaf_code)
);

-- Bonus (điểm thưởng) and penalty (điểm trừ) items: occurrences per item.
create table extra_entries (
    round_id bigint not null references rounds (id) on delete cascade,
    unit_id bigint not null references units (id),
    kind text not null check (kind in ('bonus', 'penalty')),
    item_code text not null,
    occurrences bigint not null,
    note text not null default '',
    updated_by bigint references users (id),
    updated_at bigint not null,
    primary key (round_id, unit_id, kind, item_code)
);

-- The audit log (nhật ký thay đổi): append-only, enforced by triggers below.
create table audit_log (
    id integer primary key,
    at bigint not null,
    actor_id bigint,
    actor text not null,
    action text not null,
    round_id bigint,
    unit_id bigint,
    leaf_code text,
    old_value text,
    new_value text,
    address text
);
create index audit_log_by_unit on audit_log (unit_id, leaf_code);

create trigger audit_log_no_update before update on audit_log
begin
    select raise(abort, 'audit_log is append-only');
end;

create trigger audit_log_no_delete before delete on audit_log
begin
    select raise(abort, 'audit_log is append-only');
end;

-- A published criteria set never changes, whatever writes to the database: its content,
-- its nodes and its bonus/penalty items are frozen from publication on.
create trigger criteria_sets_frozen before update on criteria_sets
when old.published_at is not null and (
    new.code is not old.code or new.version is not old.version or new.title is not old.title
    or new.tier_code is not old.tier_code or new.total_h is not old.total_h
    or new.content_hash is not old.content_hash or new.source is not old.source
    or new.published_at is not old.published_at
)
begin
    select raise(abort, 'criteria set is published and never changes');
end;

create trigger criteria_sets_frozen_delete before delete on criteria_sets when old.published_at is not null
begin
    select raise(abort, 'criteria set is published and never changes');
end;

create trigger criteria_nodes_frozen_insert before insert on criteria_nodes
when exists (select 1 from criteria_sets where id = new.set_id and published_at is not null)
begin
    select raise(abort, 'criteria set is published and never changes');
end;

create trigger criteria_nodes_frozen_update before update on criteria_nodes
when exists (select 1 from criteria_sets where id = old.set_id and published_at is not null)
begin
    select raise(abort, 'criteria set is published and never changes');
end;

create trigger criteria_nodes_frozen_delete before delete on criteria_nodes
when exists (select 1 from criteria_sets where id = old.set_id and published_at is not null)
begin
    select raise(abort, 'criteria set is published and never changes');
end;

create trigger criteria_extras_frozen_insert before insert on criteria_extras
when exists (select 1 from criteria_sets where id = new.set_id and published_at is not null)
begin
    select raise(abort, 'criteria set is published and never changes');
end;

create trigger criteria_extras_frozen_update before update on criteria_extras
when exists (select 1 from criteria_sets where id = old.set_id and published_at is not null)
begin
    select raise(abort, 'criteria set is published and never changes');
end;

create trigger criteria_extras_frozen_delete before delete on criteria_extras
when exists (select 1 from criteria_sets where id = old.set_id and published_at is not null)
begin
    select raise(abort, 'criteria set is published and never changes');
end;
