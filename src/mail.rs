//! E-mails of notices, sent by lettre over SMTP, outside any request: a request writes the
//! notice (see [`crate::service::notices`]) and rings the outbox; this sender claims what
//! is due in the database, sends it, and marks it sent. A failure is logged and tried
//! again later, each time twice as late (30 s, 1 min, 2 min… at most an hour), and given
//! up after [`MAX_ATTEMPTS`]. Several instances send side by side: each e-mail is claimed
//! by one of them at a time.

use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::service::Context;
use crate::store::OutgoingMail;

/// Attempts before an e-mail is given up (its notice stays in the app).
pub const MAX_ATTEMPTS: i64 = 8;
/// How long an instance holds an e-mail it claimed before another may try it.
const HOLD_SECONDS: i64 = 120;

/// Where e-mails go out, and whom they come from.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The address of the app, for the links in e-mails (`https://cchc.example.gov.vn`).
    base_url: String,
}

impl Mailer {
    /// `url`: `smtp://host:port` (plain, for a relay on the same network),
    /// `smtp://user:password@host:587?tls=required` (STARTTLS) or `smtps://host` (TLS), as
    /// lettre reads it; `from`: «Sở Nội vụ <cchc@example.gov.vn>».
    pub fn new(url: &str, from: &str, base_url: &str) -> anyhow::Result<Mailer> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("địa chỉ máy chủ thư (smtp_url) không hợp lệ: {e}"))?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        let from = from.parse().map_err(|e| {
            anyhow::anyhow!("địa chỉ gửi thư (mail_from) «{from}» không hợp lệ: {e}")
        })?;
        Ok(Mailer {
            transport,
            from,
            base_url: base_url.trim_end_matches('/').to_string(),
        })
    }

    async fn send(&self, mail: &OutgoingMail) -> Result<(), String> {
        let to: Mailbox = mail
            .mail_to
            .parse()
            .map_err(|e| format!("địa chỉ «{}» không hợp lệ: {e}", mail.mail_to))?;
        let link = if mail.link.is_empty() {
            String::new()
        } else {
            format!("\n\nXem trên trang: {}{}", self.base_url, mail.link)
        };
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&mail.title)
            .header(ContentType::TEXT_PLAIN)
            .body(format!(
                "{}{link}\n\n—\nThư tự động của hệ thống Chỉ số cải cách hành chính; giờ ghi \
                 trong thư là giờ Việt Nam. Tắt thư này ở trang Thông báo: {}/thong-bao",
                mail.body, self.base_url
            ))
            .map_err(|e| e.to_string())?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// When to try an e-mail again after its `attempts`-th failure; none: give up.
pub fn retry_after(attempts: i64) -> Option<chrono::Duration> {
    (attempts < MAX_ATTEMPTS)
        .then(|| chrono::Duration::seconds((30i64 << (attempts - 1).clamp(0, 7)).min(3600)))
}

/// Sends what is due, then waits for the outbox's bell or `every`, until dropped.
pub async fn send_loop(ctx: Context, mailer: Mailer, every: Duration) {
    loop {
        if let Err(e) = send_due(&ctx, &mailer).await {
            tracing::warn!(error = %e, "the e-mail sender could not read its outbox");
        }
        tokio::select! {
            () = ctx.outbox.wake.notified() => {}
            () = tokio::time::sleep(every) => {}
        }
    }
}

/// Sends every e-mail due now, claimed by this instance.
pub async fn send_due(ctx: &Context, mailer: &Mailer) -> crate::store::Result<usize> {
    let mut sent = 0;
    loop {
        let now = ctx.clock.now();
        let batch = ctx.store.claim_mail(now, HOLD_SECONDS, 20).await?;
        if batch.is_empty() {
            return Ok(sent);
        }
        for mail in batch {
            match mailer.send(&mail).await {
                Ok(()) => {
                    ctx.store.mail_sent(mail.id, ctx.clock.now()).await?;
                    sent += 1;
                }
                Err(error) => {
                    let retry = retry_after(mail.mail_attempts).map(|d| ctx.clock.now() + d);
                    tracing::warn!(
                        notice = mail.id,
                        attempt = mail.mail_attempts,
                        retry_at = ?retry,
                        %error,
                        "an e-mail could not be sent"
                    );
                    ctx.store.mail_failed(mail.id, &error, retry).await?;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn failures_are_tried_again_later_and_later_then_given_up() {
        let waits: Vec<i64> = (1..=super::MAX_ATTEMPTS)
            .map(|a| super::retry_after(a).map_or(-1, |d| d.num_seconds()))
            .collect();
        assert_eq!(waits, vec![30, 60, 120, 240, 480, 960, 1920, -1]);
    }
}
