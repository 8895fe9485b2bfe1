//! `top [PERIOD] [--group NAME] [--limit N]`: the largest clients per group, from the stored
//! client rows (read-only, no API call).

use std::io::Write as _;

use anyhow::Context as _;
use jiff::Timestamp;
use report_render::{DateRange, Format};
use usage_model::Period;

use crate::commands::report::{Delivery, report_today};
use crate::config::DbConfig;
use crate::error::UsageError;

/// Ranks and writes the clients (text or JSON; other formats are refused).
pub async fn run(
    store: &storage::Store,
    settings: &DbConfig,
    period: &Period,
    group: Option<&str>,
    limit: usize,
    now: Timestamp,
    delivery: &Delivery,
) -> anyhow::Result<()> {
    crate::commands::privacy::require_client_rows(store, "top").await?;
    let (format, output) = match delivery {
        Delivery::Write { format, output } => (*format, output),
        Delivery::Mail(_) => {
            return Err(UsageError::new(
                "top writes to standard output or -o; it does not send e-mail",
            )
            .into());
        }
    };
    let position = match group {
        None => None,
        Some(name) => {
            let names = store.group_names().await.context("reading the groups")?;
            match names.iter().position(|n| n == name) {
                Some(p) => Some(p),
                None => {
                    return Err(UsageError::new(format!(
                        "--group {name:?} names no group; the groups are {}",
                        names
                            .iter()
                            .map(|n| format!("{n:?}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                    .into());
                }
            }
        }
    };
    super::report::check_period(settings, period, 1, now)?;
    let range = period.resolve(report_today(settings, now));
    let top = usage_sync::top_clients(store, range, position, limit)
        .await
        .context("ranking the stored client rows")?;
    let period = DateRange::new(range.start, range.end);
    let mut buf = Vec::new();
    match format {
        Format::Text => report_render::render_top_text(period, &top, &mut buf)
            .context("rendering the top clients")?,
        Format::Json => report_render::render_top_json(period, &top, &mut buf)
            .context("rendering the top clients")?,
        other => {
            return Err(UsageError::new(format!("top writes text or json, not {other}")).into());
        }
    }
    match output {
        Some(path) => crate::output::replace_file(path, &buf)
            .with_context(|| format!("writing the top clients to {}", path.display()))?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&buf).context("writing the top clients")?;
            out.flush().context("writing the top clients")?;
        }
    }
    Ok(())
}
