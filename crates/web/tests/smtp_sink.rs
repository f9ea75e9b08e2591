//! A small SMTP server for the tests, on loopback: enough of RFC 5321 for a client to hand it a
//! message (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), keeping each message it accepts.
//! It can refuse the first messages with a reply code (`451`), to see a delivery retried.
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Mutex;

/// A message the sink accepted.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

/// The running sink.
#[derive(Debug, Clone)]
pub struct SmtpSink {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    refuse: Arc<AtomicUsize>,
    /// Transactions refused so far.
    pub refused: Arc<AtomicUsize>,
}

impl SmtpSink {
    /// Starts a sink that refuses the first `refuse` transactions with `451` at MAIL.
    pub async fn start(refuse: usize) -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("sink bind: {e}"));
        let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
        let sink = SmtpSink {
            port,
            received: Arc::default(),
            refuse: Arc::new(AtomicUsize::new(refuse)),
            refused: Arc::default(),
        };
        let served = sink.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let s = served.clone();
                tokio::spawn(async move { s.session(stream).await });
            }
        });
        sink
    }

    async fn session(&self, stream: tokio::net::TcpStream) {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        let reply = |text: &'static str| text.as_bytes().to_vec();
        if write.write_all(&reply("220 sink ESMTP\r\n")).await.is_err() {
            return;
        }
        let mut from = String::new();
        let mut to = Vec::new();
        loop {
            let mut line = String::new();
            match lines.read_line(&mut line).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let upper = line.trim_end().to_ascii_uppercase();
            let answer: Vec<u8> = if upper.starts_with("EHLO") {
                reply("250-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
            } else if upper.starts_with("HELO") || upper.starts_with("NOOP") {
                reply("250 OK\r\n")
            } else if upper.starts_with("MAIL FROM:") {
                let left = self.refuse.load(Ordering::SeqCst);
                if left > 0 {
                    self.refuse.store(left - 1, Ordering::SeqCst);
                    self.refused.fetch_add(1, Ordering::SeqCst);
                    reply("451 4.3.0 try again later\r\n")
                } else {
                    from = line.trim_end()[10..].trim().to_owned();
                    to.clear();
                    reply("250 OK\r\n")
                }
            } else if upper.starts_with("RCPT TO:") {
                to.push(line.trim_end()[8..].trim().to_owned());
                reply("250 OK\r\n")
            } else if upper == "DATA" {
                if write.write_all(&reply("354 go ahead\r\n")).await.is_err() {
                    return;
                }
                let mut data = String::new();
                loop {
                    let mut l = String::new();
                    match lines.read_line(&mut l).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    if l == ".\r\n" || l == ".\n" {
                        break;
                    }
                    // Dot-stuffing (RFC 5321 4.5.2).
                    data.push_str(l.strip_prefix('.').unwrap_or(&l));
                }
                self.received.lock().await.push(Received {
                    from: from.clone(),
                    to: to.clone(),
                    data,
                });
                reply("250 OK queued\r\n")
            } else if upper.starts_with("RSET") {
                from.clear();
                to.clear();
                reply("250 OK\r\n")
            } else if upper.starts_with("QUIT") {
                let _ = write.write_all(&reply("221 bye\r\n")).await;
                return;
            } else {
                reply("502 not implemented\r\n")
            };
            if write.write_all(&answer).await.is_err() {
                return;
            }
        }
    }

    /// The messages accepted so far.
    pub async fn received(&self) -> Vec<Received> {
        self.received.lock().await.clone()
    }

    /// Waits up to `seconds` for at least `n` messages; returns what arrived.
    pub async fn wait_for(&self, n: usize, seconds: u64) -> Vec<Received> {
        for _ in 0..seconds * 10 {
            let got = self.received().await;
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.received().await
    }
}

/// The decoded body of the MIME part of `data` whose content type is `media` (base64 parts
/// only, as lettre writes attachments).
pub fn attachment(data: &str, media: &str) -> Option<(String, Vec<u8>)> {
    use base64::Engine as _;
    let start = data.find(&format!("Content-Type: {media}"))?;
    let part = &data[start..];
    // The part's headers may name the file before or after its type.
    let headers_from = data[..start].rfind("\r\n--").unwrap_or(0);
    // `filename="…"`, or RFC 2231's `filename*0="…"` that lettre writes for a long name.
    let name = data[headers_from..]
        .split("filename")
        .nth(1)
        .and_then(|r| r.split('"').nth(1))
        .unwrap_or_default()
        .to_owned();
    let body_start = part.find("\r\n\r\n")? + 4;
    let body: String = part[body_start..]
        .lines()
        .take_while(|l| !l.starts_with("--"))
        .collect::<Vec<_>>()
        .concat();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(body.trim())
        .ok()?;
    Some((name, bytes))
}
