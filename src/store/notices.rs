//! Notices (thông báo) and the e-mails that carry them. A notice is written once per
//! person and key (`on conflict do nothing`): whichever instance writes it first, the
//! others write nothing. An e-mail is claimed by one instance at a time with a
//! conditional update, so two instances never send the same one together.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Result, Store, from_ts, to_ts};

/// A notice to write for each of its recipients.
#[derive(Clone, Debug)]
pub struct NewNotice {
    pub kind: &'static str,
    /// What it is about, the same for every recipient: one notice per person and key.
    pub key: String,
    pub round_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub title: String,
    pub body: String,
    /// The page it is about, within the app (`/ky/3/don-vi/7`).
    pub link: String,
}

/// Someone a notice goes to, with the address to send it to by e-mail (none: in the app
/// only).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Recipient {
    pub user_id: i64,
    pub mail_to: Option<String>,
}

/// A notice as its recipient reads it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Notice {
    pub id: i64,
    /// round_opened, deadline_near, explanation_requested, explanation_answered,
    /// override_granted or results_published.
    pub kind: String,
    pub round_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub title: String,
    pub body: String,
    pub link: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
    /// none, pending, sent or failed.
    pub mail_state: String,
}

#[derive(sqlx::FromRow)]
struct NoticeRow {
    id: i64,
    kind: String,
    round_id: Option<i64>,
    unit_id: Option<i64>,
    title: String,
    body: String,
    link: String,
    created_at: i64,
    read_at: Option<i64>,
    mail_state: String,
}

impl From<NoticeRow> for Notice {
    fn from(r: NoticeRow) -> Notice {
        Notice {
            id: r.id,
            kind: r.kind,
            round_id: r.round_id,
            unit_id: r.unit_id,
            title: r.title,
            body: r.body,
            link: r.link,
            created_at: from_ts(r.created_at),
            read_at: r.read_at.map(from_ts),
            mail_state: r.mail_state,
        }
    }
}

/// An e-mail claimed for sending.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OutgoingMail {
    pub id: i64,
    pub mail_to: String,
    pub title: String,
    pub body: String,
    pub link: String,
    pub mail_attempts: i64,
}

/// Who receives e-mails: an address, unless the person turned them off.
const MAIL_TO: &str =
    "case when u.email_notices = 1 and coalesce(u.email, '') <> '' then u.email end";

impl Store {
    /// Writes `notice` for each recipient who has not had it yet; `mail` says whether
    /// those with an address get it by e-mail too. Returns how many were written.
    pub async fn add_notices(
        &self,
        notice: &NewNotice,
        recipients: &[Recipient],
        mail: bool,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        if recipients.is_empty() {
            return Ok(0);
        }
        let mut written = 0;
        let mut tx = self.pool.begin().await?;
        for r in recipients {
            let mail_to = r.mail_to.as_deref().filter(|_| mail);
            written += sqlx::query(
                r"insert into notices (user_id, kind, key, round_id, unit_id, title, body, link,
                                       created_at, mail_state, mail_to, mail_next_at)
                  values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                  on conflict (user_id, key) do nothing",
            )
            .bind(r.user_id)
            .bind(notice.kind)
            .bind(&notice.key)
            .bind(notice.round_id)
            .bind(notice.unit_id)
            .bind(&notice.title)
            .bind(&notice.body)
            .bind(&notice.link)
            .bind(to_ts(now))
            .bind(if mail_to.is_some() { "pending" } else { "none" })
            .bind(mail_to)
            .bind(mail_to.map(|_| to_ts(now)))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        Ok(written)
    }

    /// The active officers and heads of a unit whose accounts are valid now.
    pub async fn unit_recipients(
        &self,
        unit_id: i64,
        now: DateTime<Utc>,
    ) -> Result<Vec<Recipient>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            r"select u.id as user_id, {MAIL_TO} as mail_to from users u
              where u.unit_id = $1 and u.role in ('officer', 'head') and u.active = 1
                and (u.expires_at is null or u.expires_at >= $2)
              order by u.id"
        )))
        .bind(unit_id)
        .bind(to_ts(now))
        .fetch_all(&self.pool)
        .await?)
    }

    /// The active officers and heads of every member unit of a round, by unit: one query
    /// for the scheduler.
    pub async fn round_recipients(
        &self,
        round_id: i64,
        now: DateTime<Utc>,
    ) -> Result<std::collections::HashMap<i64, Vec<Recipient>>> {
        let rows: Vec<(i64, i64, Option<String>)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            r"select m.unit_id, u.id, {MAIL_TO} from round_members m
              join users u on u.unit_id = m.unit_id
              where m.round_id = $1 and u.role in ('officer', 'head') and u.active = 1
                and (u.expires_at is null or u.expires_at >= $2)
              order by u.id"
        )))
        .bind(round_id)
        .bind(to_ts(now))
        .fetch_all(&self.pool)
        .await?;
        let mut by_unit: std::collections::HashMap<i64, Vec<Recipient>> = Default::default();
        for (unit_id, user_id, mail_to) in rows {
            by_unit
                .entry(unit_id)
                .or_default()
                .push(Recipient { user_id, mail_to });
        }
        Ok(by_unit)
    }

    /// The (person, key) of every notice written about a round: what the scheduler need
    /// not write again.
    pub async fn round_notice_keys(
        &self,
        round_id: i64,
    ) -> Result<std::collections::HashSet<(i64, String)>> {
        let rows: Vec<(i64, String)> =
            sqlx::query_as("select user_id, key from notices where round_id = $1")
                .bind(round_id)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().collect())
    }

    /// Every active account of these roles valid now.
    pub async fn role_recipients(
        &self,
        roles: &[&str],
        now: DateTime<Utc>,
    ) -> Result<Vec<(String, Recipient)>> {
        let rows: Vec<(i64, String, Option<String>)> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                r"select u.id, u.role, {MAIL_TO} from users u
              where u.active = 1 and (u.expires_at is null or u.expires_at >= $1)
              order by u.id"
            )))
            .bind(to_ts(now))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .filter(|(_, role, _)| roles.contains(&role.as_str()))
            .map(|(user_id, role, mail_to)| (role, Recipient { user_id, mail_to }))
            .collect())
    }

    /// A person's notices, newest first, and how many are unread.
    pub async fn notices(&self, user_id: i64, limit: i64) -> Result<(Vec<Notice>, i64)> {
        let rows: Vec<NoticeRow> = sqlx::query_as(
            r"select id, kind, round_id, unit_id, title, body, link, created_at, read_at, mail_state
              from notices where user_id = $1 order by created_at desc, id desc limit $2",
        )
        .bind(user_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let unread: i64 = sqlx::query_scalar(
            "select count(*) from notices where user_id = $1 and read_at is null",
        )
        .bind(user_id)
        .fetch_one(&self.pool)
        .await?;
        Ok((rows.into_iter().map(Notice::from).collect(), unread))
    }

    /// Marks one of a person's notices read (`Some(id)`), or all of them; returns the
    /// link of the one marked, when it is theirs.
    pub async fn mark_notices_read(
        &self,
        user_id: i64,
        id: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<Option<String>> {
        match id {
            Some(id) => {
                let link: Option<String> =
                    sqlx::query_scalar("select link from notices where id = $1 and user_id = $2")
                        .bind(id)
                        .bind(user_id)
                        .fetch_optional(&self.pool)
                        .await?;
                sqlx::query(
                    "update notices set read_at = $3 where id = $1 and user_id = $2 and read_at is null",
                )
                .bind(id)
                .bind(user_id)
                .bind(to_ts(now))
                .execute(&self.pool)
                .await?;
                Ok(link)
            }
            None => {
                sqlx::query(
                    "update notices set read_at = $2 where user_id = $1 and read_at is null",
                )
                .bind(user_id)
                .bind(to_ts(now))
                .execute(&self.pool)
                .await?;
                Ok(None)
            }
        }
    }

    /// A person's e-mail address and whether they receive notices by e-mail.
    pub async fn mail_settings(&self, user_id: i64) -> Result<(Option<String>, bool)> {
        let (email, on): (Option<String>, i64) =
            sqlx::query_as("select email, email_notices from users where id = $1")
                .bind(user_id)
                .fetch_one(&self.pool)
                .await?;
        Ok((email, on != 0))
    }

    /// A person turns e-mails on or off. E-mails not sent yet follow the choice.
    pub async fn set_email_notices(
        &self,
        user_id: i64,
        on: bool,
        audit: super::NewAudit,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("update users set email_notices = $2 where id = $1")
            .bind(user_id)
            .bind(i64::from(on))
            .execute(&mut *tx)
            .await?;
        if !on {
            sqlx::query(
                "update notices set mail_state = 'none' where user_id = $1 and mail_state = 'pending'",
            )
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        }
        super::audit::append(&mut tx, &audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Claims up to `limit` e-mails due now for `hold` seconds: each is claimed by one
    /// instance only (a conditional update on each), and counted as an attempt.
    pub async fn claim_mail(
        &self,
        now: DateTime<Utc>,
        hold: i64,
        limit: i64,
    ) -> Result<Vec<OutgoingMail>> {
        let now = to_ts(now);
        let due: Vec<i64> = sqlx::query_scalar(
            r"select id from notices
              where mail_state = 'pending' and mail_next_at <= $1
                and (mail_claimed_until is null or mail_claimed_until < $1)
              order by mail_next_at, id limit $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut claimed = Vec::new();
        for id in due {
            let mail: Option<OutgoingMail> = sqlx::query_as(
                r"update notices set mail_claimed_until = $2, mail_attempts = mail_attempts + 1
                  where id = $1 and mail_state = 'pending'
                    and (mail_claimed_until is null or mail_claimed_until < $3)
                  returning id, mail_to, title, body, link, mail_attempts",
            )
            .bind(id)
            .bind(now + hold)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
            claimed.extend(mail);
        }
        Ok(claimed)
    }

    /// An e-mail went out.
    pub async fn mail_sent(&self, id: i64, now: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            r"update notices set mail_state = 'sent', mail_sent_at = $2, mail_claimed_until = null,
                                 mail_error = null
              where id = $1",
        )
        .bind(id)
        .bind(to_ts(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// An e-mail failed: tried again at `retry_at`, or given up when `None`.
    pub async fn mail_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        sqlx::query(
            r"update notices set mail_state = $2, mail_next_at = coalesce($3, mail_next_at),
                                 mail_claimed_until = null, mail_error = $4
              where id = $1",
        )
        .bind(id)
        .bind(if retry_at.is_some() {
            "pending"
        } else {
            "failed"
        })
        .bind(retry_at.map(to_ts))
        .bind(error)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The ids of the rounds opened to units and not published.
    pub async fn live_rounds(&self) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "select id from rounds where opened_at is not null and published_at is null order by id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Per unit of a round, the leaves appraisal round 1 asked it to explain.
    pub async fn round_explanation_requests(
        &self,
        round_id: i64,
    ) -> Result<std::collections::BTreeMap<i64, Vec<String>>> {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            r"select unit_id, leaf_code from appraisal_entries
              where round_id = $1 and appraisal_round = 1 and explanation_requested = 1
              order by unit_id, leaf_code",
        )
        .bind(round_id)
        .fetch_all(&self.pool)
        .await?;
        let mut by_unit: std::collections::BTreeMap<i64, Vec<String>> = Default::default();
        for (unit, leaf) in rows {
            by_unit.entry(unit).or_default().push(leaf);
        }
        Ok(by_unit)
    }
}
