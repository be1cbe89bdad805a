//! Outbound mail. Steward needs no mail server: invitation links are shown to
//! the inviter. A deployment that has one plugs in a [`Mailer`]; sending
//! happens after the change commits, never inside its transaction, and a
//! failure to send never undoes the change (the link is still shown).

use std::sync::Arc;

/// One message to one person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

#[async_trait::async_trait]
pub trait Mailer: Send + Sync + std::fmt::Debug {
    async fn send(&self, mail: Mail) -> Result<(), String>;
}

/// The default: sends nothing (the UI shows links instead).
#[derive(Debug)]
pub struct NoMailer;

#[async_trait::async_trait]
impl Mailer for NoMailer {
    async fn send(&self, _mail: Mail) -> Result<(), String> {
        Ok(())
    }
}

pub(crate) fn default_mailer() -> Arc<dyn Mailer> {
    Arc::new(NoMailer)
}

impl crate::Services {
    /// Sets the mailer (a deployment's SMTP or API client; tests record).
    pub fn with_mailer(mut self, mailer: Arc<dyn Mailer>) -> Self {
        self.parts_mut().mailer = mailer;
        self
    }
}
