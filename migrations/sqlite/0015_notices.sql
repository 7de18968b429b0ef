-- Notices (thông báo): what needs a person's attention (a round opened, a deadline near,
-- an explanation asked or answered, an extension granted, results published), listed in
-- the app and, when the server has SMTP and the person an address, sent by e-mail.
-- One notice per person and `key` (what it is about): an instance that writes a notice
-- another has written already writes nothing, so reminders go out once whatever the
-- number of instances and restarts.
alter table users add column email text;
alter table users add column email_notices bigint not null default 1;

create table notices (
    id integer primary key,
    user_id bigint not null references users (id),
    kind text not null,
    key text not null,
    round_id bigint references rounds (id) on delete cascade,
    unit_id bigint references units (id),
    title text not null,
    body text not null,
    link text not null default '',
    created_at bigint not null,
    read_at bigint,
    -- The e-mail: 'none' (not sent by e-mail), 'pending', 'sent' or 'failed' (given up).
    mail_state text not null default 'none'
        check (mail_state in ('none', 'pending', 'sent', 'failed')),
    mail_to text,
    mail_attempts bigint not null default 0,
    -- When to try (again); an instance sending it holds it until `mail_claimed_until`.
    mail_next_at bigint,
    mail_claimed_until bigint,
    mail_error text,
    mail_sent_at bigint,
    unique (user_id, key)
);
create index notices_by_user on notices (user_id, read_at);
create index notices_mail_due on notices (mail_state, mail_next_at);
