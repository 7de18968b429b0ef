-- The year run from pages.
-- A password set by someone else (a reset, a first password) must be changed at the next
-- sign-in: until then the account may do nothing else.
alter table users add column must_change_password bigint not null default 0;

-- An appraiser may be limited to a whole tier (khối): every unit of it, those added later
-- too. A row names a unit, a tier, or neither (any unit), with an area or not.
alter table appraiser_scopes add column tier_id bigint references tiers (id);

-- A round is in preparation, invisible to units, until the administrator opens it. Rounds
-- that exist already were visible: they count as opened when created.
alter table rounds add column opened_at bigint;
update rounds set opened_at = created_at;
