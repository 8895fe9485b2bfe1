//! The request log: every API request as received, kept only while recording is on, so a
//! test can hold what a client sends to the published contract.

use std::sync::Mutex;

use jiff::Timestamp;

/// One API request (v1 or v0) as the simulator received it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// `GET`, ...
    pub method: String,
    /// The path as sent, prefix included (`/api/v1/networks/N_1/clients`).
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// The simulator's clock when the request arrived (what `t0` limits are measured from).
    pub at: Timestamp,
    /// The answer's status.
    pub status: u16,
    /// The simulator's name for the endpoint (`getDeviceClients`; `unknown` for a path it
    /// does not serve).
    pub endpoint: &'static str,
}

/// `None` while not recording: a long-running simulator keeps nothing.
#[derive(Debug, Default)]
pub(crate) struct Recorder(Mutex<Option<Vec<RecordedRequest>>>);

impl Recorder {
    pub(crate) fn set(&self, on: bool) {
        let mut log = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match (on, log.is_some()) {
            (true, false) => *log = Some(Vec::new()),
            (false, _) => *log = None,
            (true, true) => {}
        }
    }

    pub(crate) fn is_on(&self) -> bool {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).is_some()
    }

    pub(crate) fn push(&self, request: RecordedRequest) {
        if let Some(log) = self.0.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
            log.push(request);
        }
    }

    pub(crate) fn take(&self) -> Vec<RecordedRequest> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }
}
