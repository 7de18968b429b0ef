-- A corrigendum (đính chính): the Sở publishes a corrected version of a criteria set while
-- a round runs, and the round's tier switches to it. Entries of unchanged leaves carry
-- over as they are; entries of removed leaves stay (in the history) but leave the totals;
-- an entry of a changed leaf is kept, its points worked out again by the new rule, and
-- the unit asked to review it («Tiêu chí đã được sửa — cần xem lại») until it saves the
-- leaf again, with the entry as it was shown beside.
create table corrigenda (
    id bigint generated always as identity primary key,
    round_id bigint not null references rounds (id) on delete cascade,
    tier_id bigint not null references tiers (id),
    old_set_id bigint not null references criteria_sets (id),
    new_set_id bigint not null references criteria_sets (id),
    reason text not null,
    made_by bigint references users (id),
    made_at bigint not null
);
create index corrigenda_by_round on corrigenda (round_id, made_at);

create table revised_entries (
    corrigendum_id bigint not null references corrigenda (id) on delete cascade,
    round_id bigint not null references rounds (id) on delete cascade,
    unit_id bigint not null references units (id),
    leaf_code text not null,
    -- What changed in the leaf, in words («điểm tối đa 1 → 1,5; nội dung»).
    changes text not null,
    -- The entry as it was before the corrigendum, in words («110 / 125: 0,8 điểm»).
    before text not null,
    reviewed_at bigint,
    primary key (corrigendum_id, unit_id, leaf_code)
);
create index revised_entries_by_unit on revised_entries (round_id, unit_id, leaf_code);
