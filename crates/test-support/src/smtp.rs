//! A real SMTP server for mail tests: aiosmtpd, started through `crates/mailer/tests/smtp_server.py`
//! on loopback, with a certificate from a private CA made here.
//!
//! The server is not written in this project, so a delivery that passes here is one a
//! standards-following server accepts, not one our own sink happens to tolerate.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// A private CA and a server certificate for `localhost` and `127.0.0.1`, as PEM files.
pub struct Pki {
    /// The CA certificate a client must trust.
    pub ca: PathBuf,
    /// The server certificate, signed by the CA.
    pub cert: PathBuf,
    /// The server's private key.
    pub key: PathBuf,
}

/// Makes a fresh CA and server certificate and writes them as PEM files into `dir`.
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
#[derive(Clone, Copy, Debug)]
pub enum Mode {
    /// Plain connection upgraded by STARTTLS, required before AUTH and MAIL.
    StartTls,
    /// TLS from the first byte.
    Implicit,
    /// No TLS at all.
    Plain,
}

/// The running server; dropping it kills the process.
pub struct SmtpServer {
    child: Child,
    // Held so the server sees EOF on stdin (and stops) even if this process dies without Drop.
    _stdin: Option<ChildStdin>,
    /// The loopback port it listens on.
    pub port: u16,
    maildir: PathBuf,
    /// The certificates it serves; `pki.ca` is what a client must trust.
    pub pki: Pki,
    _dir: tempfile::TempDir,
}

/// A message the server accepted.
pub struct Delivered {
    /// The message as received after DATA.
    pub raw: Vec<u8>,
    /// What the server recorded about the session (envelope, AUTH user, TLS).
    pub meta: serde_json::Value,
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../mailer/tests/smtp_server.py")
}

/// What aiosmtpd's launcher exits with when the package is missing.
const EXIT_NO_AIOSMTPD: i32 = 3;

impl SmtpServer {
    /// Starts the server accepting only `user` / `password`, speaking TLS as `tls` says and
    /// refusing the recipients in `reject`, and waits until it listens.
    ///
    /// Runs the interpreter [`crate::python::interpreter`] names.
    pub fn start(user: &str, password: &str, tls: Mode, reject: &[&str]) -> SmtpServer {
        let dir = tempfile::tempdir().expect("tempdir");
        let pki = make_pki(dir.path());
        let maildir = dir.path().join("mail");
        let port_file = dir.path().join("port");
        let python = crate::python::interpreter();
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
            .args(["--user", user, "--password", password, "--lifetime", "300"])
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
                "{}",
                crate::python::missing(&python, "aiosmtpd", &format!("does not start ({e})"))
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
                if status.code() == Some(EXIT_NO_AIOSMTPD) {
                    panic!(
                        "{}",
                        crate::python::missing(&python, "aiosmtpd", "lacks it")
                    );
                }
                panic!("the SMTP test server exited ({status}) before listening:\n{err}");
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the SMTP test server did not start within 30 s");
            }
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

    /// `127.0.0.1:PORT`, the address a client connects to.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Messages stored so far (a message counts once its `.json` is written, which the server
    /// does before answering DATA, so after the client has finished everything is here).
    pub fn delivered(&self) -> Vec<Delivered> {
        let mut out = Vec::new();
        for n in 1.. {
            let Ok(m) = std::fs::read_to_string(self.maildir.join(format!("{n}.json"))) else {
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
