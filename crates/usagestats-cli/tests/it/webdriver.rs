//! A small WebDriver client for headless Chromium through chromedriver (Debian's `chromium`
//! and `chromium-driver`): sessions, navigation, elements, scripts, logs, screenshots.
//!
//! Peers, found through the environment (a missing one fails the test with one line naming
//! it; nothing is skipped): `USAGESTATS_CHROMEDRIVER` (default `chromedriver` on the PATH),
//! `USAGESTATS_CHROMIUM` (default `chromium`), `USAGESTATS_AXE_JS` (default
//! `target/axe/node_modules/axe-core/axe.min.js`, installed by
//! `npm install --prefix target/axe axe-core`).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The key W3C WebDriver names an element reference with.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A program on the PATH, or the path in `env`; panics with one line naming the peer.
fn peer(env: &str, default: &str, install: &str) -> PathBuf {
    if let Some(p) = std::env::var_os(env).filter(|v| !v.is_empty()) {
        let p = PathBuf::from(p);
        assert!(
            p.exists(),
            "browser test peer missing: {env}={} does not exist ({install})",
            p.display()
        );
        return p;
    }
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join(default))
                .find(|p| p.is_file())
        })
        .unwrap_or_else(|| {
            panic!(
                "browser test peer missing: {default} is not on the PATH ({install}; or set {env})"
            )
        })
}

/// The workspace's target directory.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
}

/// axe-core's script, read once.
pub fn axe_source() -> String {
    let path = std::env::var_os("USAGESTATS_AXE_JS")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("axe/node_modules/axe-core/axe.min.js"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "browser test peer missing: axe-core at {} ({e}); install it with `npm install \
             --prefix target/axe axe-core` or set USAGESTATS_AXE_JS",
            path.display()
        )
    })
}

/// chromedriver running on a free loopback port, with one headless Chromium session.
pub struct Browser {
    driver: Child,
    rt: tokio::runtime::Runtime,
    http: reqwest::Client,
    base: String,
    session: String,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let url = format!("{}/session/{}", self.base, self.session);
        let _ = self
            .rt
            .block_on(async { self.http.delete(&url).send().await });
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Browser {
    /// Starts chromedriver and a session whose downloads go to `downloads`.
    pub fn start(downloads: &Path) -> Browser {
        let chromedriver = peer(
            "USAGESTATS_CHROMEDRIVER",
            "chromedriver",
            "apt-get install chromium-driver",
        );
        let chromium = peer(
            "USAGESTATS_CHROMIUM",
            "chromium",
            "apt-get install chromium",
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver.display()));
        let _ = rustls::crypto::ring::default_provider().install_default();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let profile = tempfile::tempdir().expect("profile directory");
        // Up to 10 s for chromedriver to listen.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let ready = rt.block_on(async { http.get(format!("{base}/status")).send().await });
            if ready.is_ok() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let capabilities = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": chromium,
                    // On this closed network Chromium's own connections (updates, sync, QUIC)
                    // would fail and log errors; none of them is wanted.
                    "args": [
                        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                        "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync",
                        "--disable-dev-shm-usage", "--hide-scrollbars",
                        format!("--user-data-dir={}", profile.path().display()),
                        "--window-size=1280,900",
                    ],
                    "prefs": {
                        "download.default_directory": downloads,
                        "download.prompt_for_download": false,
                        "download.directory_upgrade": true,
                    },
                },
                "goog:loggingPrefs": { "browser": "ALL", "performance": "ALL" },
            }}
        });
        let answer = rt.block_on(async {
            http.post(format!("{base}/session"))
                .json(&capabilities)
                .send()
                .await
                .expect("new session")
                .json::<Value>()
                .await
                .expect("session JSON")
        });
        let session = answer["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {answer}"))
            .to_string();
        let b = Browser {
            driver,
            rt,
            http,
            base,
            session,
            _profile: profile,
        };
        b.call(
            "POST",
            "timeouts",
            json!({"script": 60_000, "pageLoad": 30_000, "implicit": 0}),
        );
        // What the browser logged before the test's first page (its new tab) is not the
        // test's business.
        b.goto("about:blank");
        b.log("browser");
        b.log("performance");
        b
    }

    /// One WebDriver command on the session; panics on a WebDriver error.
    pub fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}/session/{}/{path}", self.base, self.session);
        let answer: Value = self.rt.block_on(async {
            let request = match method {
                "GET" => self.http.get(&url),
                _ => self.http.post(&url).json(&body),
            };
            request
                .send()
                .await
                .expect("WebDriver request")
                .json()
                .await
                .expect("WebDriver JSON")
        });
        if let Some(error) = answer["value"]["error"].as_str() {
            panic!(
                "WebDriver {method} {path}: {error}: {}",
                answer["value"]["message"]
            );
        }
        answer["value"].clone()
    }

    pub fn goto(&self, url: &str) {
        self.call("POST", "url", json!({ "url": url }));
    }

    pub fn url(&self) -> String {
        self.call("GET", "url", json!({}))
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The first element matching the CSS `selector`.
    pub fn find(&self, selector: &str) -> String {
        let v = self.call(
            "POST",
            "element",
            json!({"using": "css selector", "value": selector}),
        );
        v[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element for {selector}: {v}"))
            .to_string()
    }

    pub fn click(&self, element: &str) {
        self.call("POST", &format!("element/{element}/click"), json!({}));
    }

    /// Runs `script` (a function body; `arguments` are `args`) and returns its value.
    pub fn script(&self, script: &str, args: Value) -> Value {
        self.call(
            "POST",
            "execute/sync",
            json!({"script": script, "args": args}),
        )
    }

    /// Runs `script`, which calls `arguments[arguments.length - 1]` with its result.
    pub fn script_async(&self, script: &str, args: Value) -> Value {
        self.call(
            "POST",
            "execute/async",
            json!({"script": script, "args": args}),
        )
    }

    /// Waits up to 10 s for `condition` (a script returning a boolean).
    pub fn wait_for(&self, what: &str, condition: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.script(condition, json!([])) != json!(true) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The log entries of `kind` (`browser`: the console; `performance`: DevTools events)
    /// since the last call.
    pub fn log(&self, kind: &str) -> Vec<Value> {
        self.call("POST", "se/log", json!({ "type": kind }))
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// A PNG of the whole page (beyond the window) written to `path`.
    pub fn screenshot(&self, path: &Path) {
        use base64::Engine as _;
        let shot = self.call(
            "POST",
            "goog/cdp/execute",
            json!({"cmd": "Page.captureScreenshot", "params": {"format": "png", "captureBeyondViewport": true}}),
        );
        let data = shot["data"].as_str().expect("screenshot data");
        let png = base64::engine::general_purpose::STANDARD
            .decode(data)
            .expect("base64 PNG");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("screenshot directory");
        }
        std::fs::write(path, png).expect("screenshot written");
    }
}
