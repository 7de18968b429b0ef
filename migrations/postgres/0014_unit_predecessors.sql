-- A unit formed by merging others (a 2025 commune from three old ones, a merged
-- department) records its predecessors (đơn vị tiền thân), so year-over-year views compare
-- it with the units it came from. Set by the administrator from the unit's page or the
-- directory import; audited (`unit.predecessors`).
create table unit_predecessors (
    unit_id bigint not null references units (id),
    predecessor_id bigint not null references units (id),
    primary key (unit_id, predecessor_id),
    check (unit_id <> predecessor_id)
);
