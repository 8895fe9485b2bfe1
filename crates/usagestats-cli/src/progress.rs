//! The sync progress bar (only on a terminal) and a log writer that does not tear it.

use std::io::{self, IsTerminal as _, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use usage_sync::{Progress, ProgressSink};

/// The bar currently on screen, so log lines can be printed above it instead of through it.
static ACTIVE: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Renders sync progress events: a bar on a terminal, nothing otherwise (logs carry the
/// summary).
pub struct SyncProgress {
    bar: Option<ProgressBar>,
    days: AtomicU64,
    failed: AtomicU64,
}

impl SyncProgress {
    /// A bar on standard error when it is a terminal and `quiet` is off.
    pub fn new(quiet: bool) -> SyncProgress {
        let bar = (!quiet && io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} {prefix} [{bar:30}] {pos}/{len} calls {msg} ({elapsed})",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.set_prefix("discovering");
            bar.enable_steady_tick(Duration::from_millis(200));
            *ACTIVE.lock().unwrap_or_else(PoisonError::into_inner) = Some(bar.clone());
            bar
        });
        SyncProgress {
            bar,
            days: AtomicU64::new(0),
            failed: AtomicU64::new(0),
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        *ACTIVE.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

impl Drop for SyncProgress {
    fn drop(&mut self) {
        self.finish();
    }
}

impl ProgressSink for SyncProgress {
    fn event(&self, event: &Progress) {
        // Said as they happen, bar or not (a scheduled run's log needs them most).
        match event {
            Progress::ClockSkew { host, dashboard } => {
                tracing::warn!("{}", clock_skew_line(*host, *dashboard));
                return;
            }
            Progress::DaySkipped {
                network_name, day, ..
            } => {
                tracing::warn!(
                    "network {network_name:?}: day {day} left the API's 31-day window before \
                     it could be read; skipped (the network's other days are stored)"
                );
                return;
            }
            _ => {}
        }
        let Some(bar) = &self.bar else { return };
        match event {
            Progress::Discovered {
                organizations,
                networks,
                devices,
            } => bar.set_prefix(if *devices == 0 {
                // The network source reads networks, not devices.
                format!("{organizations} orgs, {networks} networks")
            } else {
                format!("{organizations} orgs, {networks} networks, {devices} devices")
            }),
            Progress::Planned { calls } => bar.set_length(*calls),
            Progress::MoreCalls { calls } => bar.inc_length(*calls),
            Progress::CallDone => bar.inc(1),
            Progress::DayWritten { .. } => {
                let d = self.days.fetch_add(1, Ordering::Relaxed) + 1;
                bar.set_message(format!("{d} days written"));
            }
            Progress::NetworkFailed { .. } => {
                self.failed.fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        }
    }
}

/// The one line saying that this computer's clock (or `--now`) and the Dashboard's disagree.
fn clock_skew_line(host: jiff::Timestamp, dashboard: jiff::Timestamp) -> String {
    let skew = host.duration_since(dashboard);
    let (by, way) = if skew.is_negative() {
        (skew.abs(), "behind")
    } else {
        (skew, "ahead of")
    };
    // Whole seconds: the Dashboard's time comes in whole seconds.
    let by = jiff::SignedDuration::from_secs(by.as_secs());
    format!(
        "this computer's clock ({host}) is {by:#} {way} the Dashboard's clock ({dashboard}); \
         the sync goes by the Dashboard's clock"
    )
}

/// Standard error for tracing, printing above the progress bar when one is shown.
#[derive(Default)]
pub struct LogWriter {
    buf: Vec<u8>,
}

impl Write for LogWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let buf = std::mem::take(&mut self.buf);
        let active = ACTIVE
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        match active {
            Some(bar) => bar.suspend(|| io::stderr().write_all(&buf)),
            None => io::stderr().write_all(&buf),
        }
    }
}

impl Drop for LogWriter {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// Prints one line on standard error (above the bar if one is shown).
pub fn print_above(line: &str) {
    let mut w = LogWriter::default();
    let _ = writeln!(w, "{line}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_line_says_which_way_and_by_how_much() {
        let dashboard: jiff::Timestamp = "2026-12-08T01:30:00Z".parse().unwrap();
        let behind: jiff::Timestamp = "2026-12-07T23:00:00.400Z".parse().unwrap();
        assert_eq!(
            clock_skew_line(behind, dashboard),
            "this computer's clock (2026-12-07T23:00:00.4Z) is 2h 29m 59s behind the \
             Dashboard's clock (2026-12-08T01:30:00Z); the sync goes by the Dashboard's clock"
        );
        let ahead: jiff::Timestamp = "2026-03-12T12:00:00Z".parse().unwrap();
        let line = clock_skew_line(ahead, "2026-03-10T12:00:00Z".parse().unwrap());
        assert!(
            line.contains(") is 48h ahead of the Dashboard's clock ("),
            "{line}"
        );
    }
}
