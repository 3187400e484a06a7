//! Invitations by mail: with SMTP configured, the invitation goes to a real SMTP conversation
//! (a small SMTP server on loopback that keeps what it receives); when the server refuses, the
//! inviter still gets the link.

use app::team::InviteMember;
use std::sync::{Arc, Mutex};

use crate::common::TestApp;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// An SMTP server on loopback that accepts every message (or refuses every recipient) and
/// keeps the messages' data.
async fn smtp_server(refuse_recipients: bool) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let kept = received.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let kept = kept.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 smtp.test ready\r\n").await.unwrap();
                while let Ok(Some(line)) = lines.next_line().await {
                    let command = line.to_ascii_uppercase();
                    let reply: &[u8] = if command.starts_with("EHLO") || command.starts_with("HELO") {
                        b"250-smtp.test\r\n250 8BITMIME\r\n"
                    } else if command.starts_with("RCPT") && refuse_recipients {
                        b"550 no such mailbox\r\n"
                    } else if command.starts_with("DATA") {
                        write.write_all(b"354 go on\r\n").await.unwrap();
                        let mut data = String::new();
                        while let Ok(Some(line)) = lines.next_line().await {
                            if line == "." {
                                break;
                            }
                            data.push_str(&line);
                            data.push('\n');
                        }
                        kept.lock().unwrap().push(data);
                        b"250 kept\r\n"
                    } else if command.starts_with("QUIT") {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        break;
                    } else {
                        b"250 ok\r\n"
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, received)
}

#[tokio::test]
async fn with_smtp_configured_the_invitation_is_mailed_with_its_link() {
    let (port, received) = smtp_server(false).await;
    let url = format!("smtp://127.0.0.1:{port}");
    let app =
        TestApp::spawn_with(&[("SMTP_URL", &url), ("SMTP_FROM", "Storefront <noreply@example.test>")]).await;
    let (_store, owner) = app.signed_in_store("Corner Shop").await;
    let response =
        owner.submit::<InviteMember>("/team", &[("email", "guest@example.test"), ("role", "viewer")]).await;
    let html = owner.follow(response).await;
    assert!(html.contains("Invitation mailed to guest@example.test."), "{html}");

    let mails = received.lock().unwrap().clone();
    assert_eq!(mails.len(), 1);
    let mail = &decode_quoted_printable(&mails[0]);
    assert!(mail.contains("To: guest@example.test"), "{mail}");
    assert!(mail.contains("Subject: Join Corner Shop on Storefront"), "{mail}");
    let start = mail.find("/invitations/accept?token=").expect("the link is in the mail");
    let link: String = mail[start..].chars().take_while(|c| !c.is_whitespace()).collect();
    assert!(html.contains(&link), "the page shows the same link: {link} in {mail}");
    let page = app.visitor().get(&link).await.text().await.unwrap();
    assert!(page.contains("Join Corner Shop"), "the mailed link opens the invitation");
}

#[tokio::test]
async fn when_the_mail_cannot_be_sent_the_inviter_gets_the_link() {
    let (port, _received) = smtp_server(true).await;
    let url = format!("smtp://127.0.0.1:{port}");
    let app = TestApp::spawn_with(&[("SMTP_URL", &url), ("SMTP_FROM", "noreply@example.test")]).await;
    let (_store, owner) = app.signed_in_store("Corner Shop").await;
    let response =
        owner.submit::<InviteMember>("/team", &[("email", "guest@example.test"), ("role", "viewer")]).await;
    let html = owner.follow(response).await;
    assert!(html.contains("the mail could not be sent. Send them this link yourself"), "{html}");
    assert!(html.contains("/invitations/accept?token="));
}

/// What a mail client shows of a quoted-printable body: soft line breaks joined, `=XX` decoded.
fn decode_quoted_printable(text: &str) -> String {
    let joined = text.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1..i + 3)) {
            (b'=', Some(hex)) if hex.iter().all(u8::is_ascii_hexdigit) => {
                out.push(u8::from_str_radix(std::str::from_utf8(hex).unwrap(), 16).unwrap());
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).expect("UTF-8 text")
}
