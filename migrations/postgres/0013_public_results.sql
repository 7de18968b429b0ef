-- Whether a published round's results are shown on the public pages (/cong-khai), without
-- sign-in: the administrator's choice per round, off until chosen (0/1).
alter table rounds add column public bigint not null default 0;
