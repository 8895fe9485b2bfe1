//! `serve`: the dashboard of the `usagestats-web` crate over the database, read-only, until
//! SIGINT or SIGTERM.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::Path;

use anyhow::Context as _;

use crate::cli::GlobalArgs;
use crate::commands::store;
use crate::config;
use crate::error::UsageError;

/// Environment variable holding the dashboard's access token (instead of --token-file).
pub const TOKEN_ENV: &str = "USAGESTATS_SERVE_TOKEN";

/// The access token: `--token-file`, else the environment, else none. A bad one is a usage
/// error naming where it came from (never the token).
fn token(file: Option<&Path>) -> anyhow::Result<Option<usagestats_web::AccessToken>> {
    let (text, source) = match file {
        Some(path) => (
            std::fs::read_to_string(path).map_err(|e| {
                UsageError::new(format!(
                    "cannot read the token file {}: {e}",
                    path.display()
                ))
            })?,
            format!("--token-file {}", path.display()),
        ),
        None => match std::env::var(TOKEN_ENV) {
            Ok(t) if !t.trim().is_empty() => (t, TOKEN_ENV.to_string()),
            _ => return Ok(None),
        },
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    usagestats_web::AccessToken::new(text)
        .map(Some)
        .map_err(|e| UsageError::new(format!("{source}: {e}")).into())
}

/// Serves until a signal asks to stop.
pub async fn run(
    g: &GlobalArgs,
    listen: SocketAddr,
    token_file: Option<&Path>,
) -> anyhow::Result<()> {
    let token = token(token_file)?;
    usagestats_web::check_listen_address(listen, token.as_ref())
        .map_err(|e| UsageError::new(format!("--listen {e}")))?;
    let init = config::read_init_file(g)?;
    let path = config::database(g, init.as_ref())?;
    let clock = config::clock(g)?;
    let db = store::open_read_only(&path).await?;
    store::warn_kept_configuration(g, init.as_ref(), &path);
    let result = async {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let address = listener
            .local_addr()
            .context("reading the listening address")?;
        // On standard output, so a service manager's log (and a script starting it on port
        // 0) reads where the dashboard is.
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "usagestats: dashboard on http://{address}/ (database {path})"
        )
        .and_then(|()| out.flush())
        .context("writing to standard output")?;
        drop(out);
        let mut options = usagestats_web::Options::new().clock(clock);
        if let Some(t) = token {
            options = options.access_token(t);
        }
        usagestats_web::serve(listener, db.clone(), options, stop_signal())
            .await
            .context("serving the dashboard")
    }
    .await;
    db.close().await;
    result
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM (a service manager stopping the unit).
async fn stop_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
