-- Departments appraising the criteria they own (phân công thẩm định) and the appraisal
-- council's sign-off (Hội đồng thẩm định ký biên bản).
--
-- An appraiser may belong to an appraising department (cơ quan thẩm định), itself a unit
-- of the directory (the Sở Tư pháp is scored too). A round assigns areas and criteria of
-- each tier's set to a department: its appraisers appraise those nodes in every unit of
-- the tier, besides any scope of their own. The most specific assignment wins (a
-- criterion's over its area's).
alter table users add column department_unit_id bigint references units (id);

create table appraisal_assignments (
    round_id bigint not null references rounds (id) on delete cascade,
    tier_id bigint not null references tiers (id),
    node_code text not null,
    department_unit_id bigint not null references units (id),
    assigned_by bigint references users (id),
    assigned_at bigint not null,
    primary key (round_id, tier_id, node_code)
);

-- The council signs off an appraisal round (`phase`: appraisal_round1 or
-- appraisal_round2): the date it met (yyyy-mm-dd), its members (a line each) and a note.
-- Appraisals of that round are refused from then on, unless the administrator withdraws
-- the sign-off (the row is deleted; both are audited). Publication needs the sign-off of
-- the last appraisal round held.
create table appraisal_sign_offs (
    round_id bigint not null references rounds (id) on delete cascade,
    phase text not null check (phase in ('appraisal_round1', 'appraisal_round2')),
    signed_on text not null,
    members text not null,
    note text not null default '',
    signed_by bigint references users (id),
    signed_at bigint not null,
    primary key (round_id, phase)
);
