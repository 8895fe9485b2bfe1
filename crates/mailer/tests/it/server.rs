//! Starts `tests/smtp_server.py` (aiosmtpd) on loopback with a certificate made here.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

pub const USER: &str = "reporter@example.test";
pub const PASSWORD: &str = "correct horse battery staple";

/// A private CA and a server certificate for `localhost` and `127.0.0.1`, as PEM files.
pub struct Pki {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

pub fn make_pki(dir: &Path) -> Pki {
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "usagestats test CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca.self_signed(&ca_key).expect("CA cert");
    let issuer = Issuer::new(ca, ca_key);

    let key = KeyPair::generate().expect("server key");
    let mut p = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .expect("server params");
    p.distinguished_name.push(DnType::CommonName, "localhost");
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = p.signed_by(&key, &issuer).expect("server cert");

    let pki = Pki {
        ca: dir.join("ca.pem"),
        cert: dir.join("server.pem"),
        key: dir.join("server.key"),
    };
    std::fs::write(&pki.ca, ca_cert.pem()).expect("write CA");
    std::fs::write(&pki.cert, cert.pem()).expect("write cert");
    std::fs::write(&pki.key, key.serialize_pem()).expect("write key");
    pki
}

/// How the server speaks TLS.
#[derive(Clone, Copy)]
pub enum Mode {
    StartTls,
    Implicit,
    Plain,
}

pub struct SmtpServer {
    child: Child,
    // Held so the server sees EOF (and stops) if this process dies without Drop.
    _stdin: Option<ChildStdin>,
    pub port: u16,
    pub maildir: PathBuf,
    pub pki: Pki,
    _dir: tempfile::TempDir,
}

/// A message the server accepted.
pub struct Delivered {
    pub raw: Vec<u8>,
    pub meta: serde_json::Value,
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp_server.py")
}

impl SmtpServer {
    pub fn start(tls: Mode, reject: &[&str]) -> SmtpServer {
        let dir = tempfile::tempdir().expect("tempdir");
        let pki = make_pki(dir.path());
        let maildir = dir.path().join("mail");
        let port_file = dir.path().join("port");
        let python = std::env::var("USAGESTATS_PYTHON").unwrap_or_else(|_| "python3".into());
        let mut cmd = Command::new(&python);
        cmd.arg(script())
            .arg("--port-file")
            .arg(&port_file)
            .arg("--maildir")
            .arg(&maildir)
            .arg("--cert")
            .arg(&pki.cert)
            .arg("--key")
            .arg(&pki.key)
            .args(["--user", USER, "--password", PASSWORD, "--lifetime", "300"])
            .arg("--stop-on-stdin-eof")
            .args([
                "--tls",
                match tls {
                    Mode::StartTls => "starttls",
                    Mode::Implicit => "implicit",
                    Mode::Plain => "none",
                },
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for r in reject {
            cmd.args(["--reject-rcpt", r]);
        }
        let mut child = cmd.spawn().unwrap_or_else(|e| {
            panic!(
                "cannot run {python:?} for the SMTP test server: {e}. These tests need Python 3 \
                 and aiosmtpd (`pip install aiosmtpd`); set USAGESTATS_PYTHON to use another \
                 interpreter"
            )
        });
        let stdin = child.stdin.take();
        let deadline = Instant::now() + Duration::from_secs(30);
        let port = loop {
            if let Some(p) = std::fs::read_to_string(&port_file)
                .ok()
                .and_then(|s| s.trim().parse::<u16>().ok())
            {
                break p;
            }
            if let Ok(Some(status)) = child.try_wait() {
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = e.read_to_string(&mut err);
                }
                panic!("the SMTP test server exited ({status}) before listening:\n{err}");
            }
            assert!(
                Instant::now() < deadline,
                "the SMTP test server did not start within 30 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        SmtpServer {
            child,
            _stdin: stdin,
            port,
            maildir,
            pki,
            _dir: dir,
        }
    }

    /// Messages stored so far (a message counts once its `.json` is written).
    pub fn delivered(&self) -> Vec<Delivered> {
        let mut out = Vec::new();
        for n in 1.. {
            let meta = self.maildir.join(format!("{n}.json"));
            let Ok(m) = std::fs::read_to_string(&meta) else {
                break;
            };
            let raw = std::fs::read(self.maildir.join(format!("{n}.eml"))).expect("eml");
            out.push(Delivered {
                raw,
                meta: serde_json::from_str(&m).expect("meta json"),
            });
        }
        out
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
