//! Writes the sample report as a standalone HTML page (what `cargo xtask screenshot` shows).
//!
//! ```sh
//! cargo run -p report-render --example sample_report -- target/sample-report.html
//! ```
//! With a second argument `text`, `json` or `csv` it writes that format instead, and with
//! `png` the chart as the PNG that e-mails carry.

use std::process::ExitCode;

use report_render::{Format, chart_png, render, sample_report};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: sample_report OUTPUT_FILE [text|html|json|csv|png]");
        return ExitCode::from(2);
    };
    let format = args.next();
    if format.as_deref() == Some("png") {
        return match chart_png(&sample_report()).map(|png| std::fs::write(&path, png)) {
            Ok(Ok(())) => ExitCode::SUCCESS,
            Ok(Err(e)) => {
                eprintln!("cannot write {path}: {e}");
                ExitCode::FAILURE
            }
            Err(e) => {
                eprintln!("cannot draw the chart: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let format = match format.map(|f| f.parse::<Format>()).transpose() {
        Ok(f) => f.unwrap_or(Format::Html),
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let mut out = Vec::new();
    if let Err(e) = render(&sample_report(), format, &mut out) {
        eprintln!("cannot render the sample report: {e}");
        return ExitCode::FAILURE;
    }
    if let Err(e) = std::fs::write(&path, out) {
        eprintln!("cannot write {path}: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
