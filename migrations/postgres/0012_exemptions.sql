-- Exemptions (giảm tiêu chí đánh giá): in a round, a unit not evaluated on a node of its
-- criteria set (an area, a criterion or a leaf), with the reason, as the province's guide
-- lists them. Every leaf under the node counts as not applicable for that unit: out of its
-- points and out of its maximum. Set by the administrator until the self-assessment
-- closes (afterwards only while the unit is reopened), never after publication; audited.
create table exemptions (
    round_id bigint not null references rounds (id) on delete cascade,
    unit_id bigint not null references units (id),
    node_code text not null,
    reason text not null,
    set_by bigint references users (id),
    set_at bigint not null,
    primary key (round_id, unit_id, node_code)
);
