//! Sends through aiosmtpd and reads the delivered message back.

use mail_parser::{MessageParser, MimeHeaders};
use report_render::{CHART_CONTENT_ID, HtmlMode, render_html, render_text, sample_report};
use usagestats_mailer::{
    Email, MailError, Secret, Security, SmtpConfig, parse_recipients, send, subject_for,
};

use crate::server::{self, Mode, PASSWORD, SmtpServer, USER};

fn config(server: &SmtpServer, password: &str, security: Security) -> SmtpConfig {
    let mut c = SmtpConfig::new(format!("127.0.0.1:{}", server.port));
    c.user = Some(USER.to_string());
    c.password = Some(Secret::new(password));
    c.security = security;
    c.ca_file = Some(server.pki.ca.clone());
    c
}

fn small_email(to: &str) -> Email {
    Email::new(
        USER,
        parse_recipients(to).unwrap(),
        "test",
        "plain body\n",
        "<p>html body</p>",
    )
}

fn crlf_to_lf(s: &str) -> String {
    s.replace("\r\n", "\n")
}

#[tokio::test]
async fn report_is_delivered_over_starttls_with_both_parts_and_the_chart() {
    let server = server::start(Mode::StartTls, &[]);
    let report = sample_report();
    let mut text = Vec::new();
    render_text(&report, &mut text).unwrap();
    let text = String::from_utf8(text).unwrap();
    let html = render_html(&report, HtmlMode::Email).unwrap();
    let chart = html.images[0].png.clone();
    let mut email = Email::new(
        USER,
        parse_recipients("ops@example.test, boss@example.test").unwrap(),
        subject_for(report.period.start, report.period.end),
        text.clone(),
        html.html.clone(),
    );
    email.images = html
        .images
        .iter()
        .map(|i| (i.content_id.clone(), i.png.clone()))
        .collect();

    send(&config(&server, PASSWORD, Security::Auto), &email)
        .await
        .unwrap();

    let got = server.delivered();
    assert_eq!(got.len(), 1);
    let meta = &got[0].meta;
    assert_eq!(meta["mail_from"], USER);
    assert_eq!(
        meta["rcpt_tos"],
        serde_json::json!(["ops@example.test", "boss@example.test"])
    );
    assert_eq!(meta["auth_user"], USER);
    assert_eq!(meta["tls"], true);

    let msg = MessageParser::default()
        .parse(&got[0].raw)
        .expect("parsable message");
    assert_eq!(
        msg.subject(),
        Some("Network usage report [2026-11-16 to 2026-11-22]")
    );
    assert_eq!(
        msg.from().and_then(|a| a.first()).and_then(|a| a.address()),
        Some(USER)
    );
    let to: Vec<_> = msg
        .to()
        .unwrap()
        .iter()
        .filter_map(|a| a.address())
        .collect();
    assert_eq!(to, ["ops@example.test", "boss@example.test"]);
    assert!(msg.message_id().is_some());
    assert!(msg.date().is_some());
    let root = msg.content_type().unwrap();
    assert_eq!(
        (root.ctype(), root.subtype()),
        ("multipart", Some("alternative"))
    );

    // Both alternatives carry exactly what was rendered.
    assert_eq!(crlf_to_lf(&msg.body_text(0).unwrap()), text);
    assert_eq!(
        crlf_to_lf(&msg.body_html(0).unwrap()),
        crlf_to_lf(&html.html)
    );
    assert!(
        msg.body_html(0)
            .unwrap()
            .contains(&format!("cid:{CHART_CONTENT_ID}"))
    );

    // The chart is an inline image inside multipart/related, byte for byte.
    let related = msg.parts.iter().find(|p| {
        p.content_type()
            .is_some_and(|c| c.ctype() == "multipart" && c.subtype() == Some("related"))
    });
    assert!(related.is_some(), "no multipart/related part");
    let image = msg
        .parts
        .iter()
        .find(|p| p.content_type().is_some_and(|c| c.ctype() == "image"))
        .expect("an image part");
    assert_eq!(image.content_type().unwrap().subtype(), Some("png"));
    assert_eq!(image.content_id(), Some(CHART_CONTENT_ID));
    assert!(
        image
            .content_disposition()
            .is_some_and(|d| d.ctype() == "inline")
    );
    assert_eq!(image.contents(), chart.as_slice());
    assert!(image.contents().starts_with(b"\x89PNG\r\n\x1a\n"));

    // The figures in the delivered text are the report's: the first network's first group row.
    let net = &report.organizations[0].networks[0];
    let g = net.group(0);
    let body = msg.body_text(0).unwrap();
    let row = body
        .lines()
        .find(|l| l.starts_with(&report.groups[0].name))
        .expect("group row");
    let cols: Vec<&str> = row[report.groups[0].name.len()..]
        .split_whitespace()
        .collect();
    // Whole kB, each the exact figure rounded down or up (report-render rounds the rows of a
    // network so they add up), and the total is the sum of the two shown beside it.
    let shown = |i: usize| cols[i].parse::<i64>().expect("whole kB");
    for (i, exact) in [(0, g.up), (2, g.down)] {
        let floor = exact.millis().div_euclid(1000);
        assert!(
            shown(i) == floor || shown(i) == floor + 1,
            "{row}: {} for {exact}",
            cols[i]
        );
    }
    assert_eq!(shown(4), shown(0) + shown(2), "{row}");
    let grand = report_render::human_kb(report.grand_total().total());
    assert!(
        msg.body_html(0).unwrap().contains(&grand),
        "HTML lacks grand total {grand}"
    );
}

#[tokio::test]
async fn implicit_tls_is_used_when_asked() {
    let server = server::start(Mode::Implicit, &[]);
    send(
        &config(&server, PASSWORD, Security::Tls),
        &small_email("a@example.test"),
    )
    .await
    .unwrap();
    let got = server.delivered();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].meta["tls"], true);
    let msg = MessageParser::default().parse(&got[0].raw).unwrap();
    assert_eq!(crlf_to_lf(&msg.body_text(0).unwrap()), "plain body\n");
}

#[tokio::test]
async fn wrong_password_is_an_auth_error_without_the_password() {
    let server = server::start(Mode::StartTls, &[]);
    let wrong = "not-the-password-42";
    let err = send(
        &config(&server, wrong, Security::Auto),
        &small_email("a@example.test"),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, MailError::Auth { ref user, .. } if user == USER),
        "{err:?}"
    );
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("535"), "{shown}");
    assert!(!shown.contains(wrong));
    assert!(server.delivered().is_empty());
}

#[tokio::test]
async fn rejected_recipient_is_named() {
    let server = server::start(Mode::StartTls, &["nobody@example.test"]);
    let err = send(
        &config(&server, PASSWORD, Security::StartTls),
        &small_email("a@example.test,nobody@example.test"),
    )
    .await
    .unwrap_err();
    match err {
        MailError::RecipientRejected { recipient, reason } => {
            assert_eq!(recipient, "nobody@example.test");
            assert!(reason.contains("550"), "{reason}");
        }
        other => panic!("expected RecipientRejected, got {other:?}"),
    }
    assert!(server.delivered().is_empty());
}

#[tokio::test]
async fn untrusted_certificate_is_a_tls_error() {
    let server = server::start(Mode::StartTls, &[]);
    let mut cfg = config(&server, PASSWORD, Security::Auto);
    cfg.ca_file = None;
    let err = send(&cfg, &small_email("a@example.test"))
        .await
        .unwrap_err();
    assert!(matches!(err, MailError::Tls { .. }), "{err:?}");
    assert!(err.to_string().contains("certificate"), "{err}");
    assert!(server.delivered().is_empty());
}

#[tokio::test]
async fn untrusted_certificate_with_implicit_tls_is_a_tls_error() {
    let server = server::start(Mode::Implicit, &[]);
    let mut cfg = config(&server, PASSWORD, Security::Tls);
    cfg.ca_file = None;
    let err = send(&cfg, &small_email("a@example.test"))
        .await
        .unwrap_err();
    assert!(matches!(err, MailError::Tls { .. }), "{err:?}");
    assert!(err.to_string().contains("certificate"), "{err}");
    assert!(server.delivered().is_empty());
}

#[tokio::test]
async fn insecure_sends_in_clear_only_when_asked() {
    let server = server::start(Mode::Plain, &[]);
    // Default security insists on STARTTLS, which this relay does not offer.
    let err = send(
        &config(&server, PASSWORD, Security::Auto),
        &small_email("a@example.test"),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, MailError::Tls { ref reason, .. } if reason.contains("STARTTLS")),
        "{err:?}"
    );
    assert!(server.delivered().is_empty());

    send(
        &config(&server, PASSWORD, Security::Insecure),
        &small_email("a@example.test"),
    )
    .await
    .unwrap();
    let got = server.delivered();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].meta["tls"], false);
    assert_eq!(got[0].meta["auth_user"], USER);
}

#[tokio::test]
async fn closed_port_is_a_connect_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    for security in [Security::StartTls, Security::Tls] {
        let mut cfg = SmtpConfig::new(format!("127.0.0.1:{port}"));
        cfg.security = security;
        let err = send(&cfg, &small_email("a@example.test"))
            .await
            .unwrap_err();
        assert!(
            matches!(err, MailError::Connect { ref server, .. } if server.ends_with(&port.to_string())),
            "{security:?}: {err:?}"
        );
        assert!(err.to_string().contains("refused"), "{err}");
    }
}

#[tokio::test]
async fn unreadable_ca_file_is_a_config_error() {
    let mut cfg = SmtpConfig::new("127.0.0.1:1");
    cfg.ca_file = Some("/nonexistent/ca.pem".into());
    let err = send(&cfg, &small_email("a@example.test"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, MailError::Config(ref m) if m.contains("/nonexistent/ca.pem")),
        "{err:?}"
    );
}
