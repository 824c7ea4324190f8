//! Outgoing mail as the use cases see it: a plain-text [`Mail`] and the [`Mailer`] that sends
//! it. The transports (SMTP, an outbox folder of `.eml` files) live at the edge, in
//! `maillage-mail`: which one a hub uses is configuration, read by the binary.
//!
//! Mails carry single-use links: their bodies are never logged, only their kind and count.

use crate::AppResult;

/// A plain-text mail in French.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Sends mails. Implementations must not log recipients or bodies.
pub trait Mailer: Send + Sync {
    fn send(&self, mail: &Mail) -> AppResult<()>;
}

/// Hands mails to another [`Mailer`] on a thread of its own, so that the use case (and the
/// answer the person is waiting for) does not wait for the transport: a form that must answer
/// alike whether a mail leaves or not (the password-reset request) takes as long either way.
/// A mail the transport then refuses is logged (its kind of failure, never its recipient),
/// as [`crate::context::Context::send`] logs one.
pub struct QueuedMailer {
    queue: std::sync::Mutex<std::sync::mpsc::Sender<Mail>>,
}

impl QueuedMailer {
    pub fn new(transport: std::sync::Arc<dyn Mailer>) -> QueuedMailer {
        let (queue, mails) = std::sync::mpsc::channel::<Mail>();
        std::thread::Builder::new()
            .name("courriels".to_owned())
            .spawn(move || {
                // Ends when the queue is dropped and emptied.
                for mail in mails {
                    if let Err(err) = transport.send(&mail) {
                        tracing::warn!(%err, "courriel en file non envoyé");
                    }
                }
            })
            .expect("the system starts a thread");
        QueuedMailer { queue: std::sync::Mutex::new(queue) }
    }
}

impl Mailer for QueuedMailer {
    fn send(&self, mail: &Mail) -> AppResult<()> {
        let queue = self.queue.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        queue.send(mail.clone()).map_err(|_| crate::AppError::Input("la file des courriels est fermée".to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{mpsc, Arc, Mutex};
    use std::time::Duration;

    use super::*;

    /// A transport that waits until the test lets it send.
    struct Gate {
        open: Mutex<mpsc::Receiver<()>>,
        sent: mpsc::Sender<Mail>,
    }

    impl Mailer for Gate {
        fn send(&self, mail: &Mail) -> AppResult<()> {
            self.open.lock().unwrap().recv().unwrap();
            self.sent.send(mail.clone()).unwrap();
            Ok(())
        }
    }

    #[test]
    fn a_queued_mail_returns_at_once_and_leaves_later() {
        let (open, gate) = mpsc::channel();
        let (sent, delivered) = mpsc::channel();
        let queued = QueuedMailer::new(Arc::new(Gate { open: Mutex::new(gate), sent }));
        let mail = Mail { to: "a@b.example".to_owned(), subject: "s".to_owned(), body: "b".to_owned() };
        // The transport is blocked, yet both sends return.
        queued.send(&mail).unwrap();
        queued.send(&mail).unwrap();
        assert!(delivered.recv_timeout(Duration::from_millis(50)).is_err());
        open.send(()).unwrap();
        open.send(()).unwrap();
        assert_eq!(delivered.recv_timeout(Duration::from_secs(5)).unwrap(), mail);
        assert_eq!(delivered.recv_timeout(Duration::from_secs(5)).unwrap(), mail);
    }
}
