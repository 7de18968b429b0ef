-- Sign-in: server-side sessions (shared by every app instance), failed attempts for
-- rate limiting, and the units and areas an appraiser is limited to.
create table sessions (
    token_hash text primary key,
    user_id bigint not null references users (id),
    csrf_token text not null,
    created_at bigint not null,
    expires_at bigint not null,
    address text
);
create index sessions_by_user on sessions (user_id);

create table sign_in_failures (
    id bigint generated always as identity primary key,
    username text not null,
    address text not null,
    at bigint not null
);
create index sign_in_failures_by_username on sign_in_failures (username, at);
create index sign_in_failures_by_address on sign_in_failures (address, at);

-- No row: the appraiser may appraise every unit and area. Each row widens the scope by one
-- (unit, area) pair; a null unit or area means any.
create table appraiser_scopes (
    user_id bigint not null references users (id),
    unit_id bigint references units (id),
    area_code text
);
create index appraiser_scopes_by_user on appraiser_scopes (user_id);
