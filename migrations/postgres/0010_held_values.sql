-- What the server holds for a few minutes between two requests of one person: the first
-- password of an account just created (shown again when its page is refreshed, never put
-- in an address) and a directory workbook checked by a dry run (applied with one button,
-- without choosing the file again). Looked up by the hash of a key only that person's
-- request can make; expired rows are deleted whenever a new one is held.
create table held_values (
    key_hash text primary key,
    user_id bigint not null references users (id),
    purpose text not null,
    body text not null,
    expires_at bigint not null
);
create index held_values_by_expiry on held_values (expires_at);
