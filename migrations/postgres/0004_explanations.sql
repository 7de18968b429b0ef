-- Explanations (giải trình): a unit's answer to an appraiser's request on one leaf, written
-- during the explanation window. Supplementary evidence links to the leaf as usual.
create table explanations (
    round_id bigint not null references rounds (id) on delete cascade,
    unit_id bigint not null references units (id),
    leaf_code text not null,
    text text not null,
    updated_by bigint references users (id),
    updated_at bigint not null,
    primary key (round_id, unit_id, leaf_code)
);
