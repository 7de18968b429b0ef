-- A round holds a fixed list of units (its members), each in the tier it is ranked in for
-- that round. Taken from the directory when the round is created; afterwards a unit
-- joins or leaves a round only by an administrator's audited act (see the README), so a
-- unit created, retired or moved in the directory later does not change a round it was
-- not in, and a retired unit stays in the rounds it took part in.
create table round_members (
    round_id bigint not null references rounds (id) on delete cascade,
    unit_id bigint not null references units (id),
    tier_id bigint not null references tiers (id),
    joined_at bigint not null,
    primary key (round_id, unit_id)
);
create index round_members_by_tier on round_members (round_id, tier_id, unit_id);

-- Rounds that exist already held every active unit of their tiers, and kept the units that
-- wrote anything in them.
insert into round_members (round_id, unit_id, tier_id, joined_at)
select r.id, u.id, u.tier_id, r.created_at
from rounds r
join round_sets rs on rs.round_id = r.id
join units u on u.tier_id = rs.tier_id
where u.active = 1
   or exists (select 1 from self_entries e where e.round_id = r.id and e.unit_id = u.id)
   or exists (select 1 from submissions s where s.round_id = r.id and s.unit_id = u.id)
   or exists (select 1 from appraisal_entries a where a.round_id = r.id and a.unit_id = u.id);
