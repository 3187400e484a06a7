//! Mail sent by the app (invitations), through SMTP when it is configured (`SMTP_URL`).

use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// An SMTP connection's settings and the sender's address.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The transport holds the credentials: only the sender is shown.
        f.debug_struct("Mailer").field("from", &self.from.to_string()).finish_non_exhaustive()
    }
}

/// An invitation's mail: to whom, to which store, and the link.
pub struct InvitationMail<'a> {
    pub to: &'a str,
    pub store_name: &'a str,
    pub role: &'a str,
    pub inviter: &'a str,
    pub link: &'a str,
    pub days_valid: i64,
}

impl Mailer {
    /// `url` as `smtp://user:password@host:port` (add `?tls=required` for STARTTLS) or
    /// `smtps://…` (TLS from the start); `from` as `Name <address>` or an address.
    pub fn new(url: &str, from: &str) -> Result<Mailer, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("SMTP_URL is not a usable SMTP URL: {e}"))?
            .build();
        let from = from.parse().map_err(|e| format!("SMTP_FROM is not a mail address: {e}"))?;
        Ok(Mailer { transport, from })
    }

    pub async fn send_invitation(&self, mail: &InvitationMail<'_>) -> Result<(), String> {
        let to: Mailbox = mail.to.parse().map_err(|e| format!("bad recipient: {e}"))?;
        let body = format!(
            "{inviter} invites you to join {store} as {role}.\r\n\r\n\
             Open this link to join (it works once, for {days} days):\r\n{link}\r\n\r\n\
             If you did not expect this, ignore this mail.\r\n",
            inviter = mail.inviter,
            store = mail.store_name,
            role = mail.role,
            days = mail.days_valid,
            link = mail.link,
        );
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(format!("Join {} on Storefront", mail.store_name))
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| format!("could not build the mail: {e}"))?;
        self.transport.send(message).await.map(|_| ()).map_err(|e| format!("SMTP: {e}"))
    }
}
