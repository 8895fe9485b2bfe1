//! One module per operation; `run` dispatches the parsed [`Action`].

#[cfg(feature = "demo")]
mod demo;
#[cfg(feature = "mail")]
mod mail;
#[cfg(not(feature = "mail"))]
#[path = "commands/no_mail.rs"]
mod mail;
pub(crate) mod privacy;
pub(crate) mod report;
#[cfg(feature = "serve")]
mod serve;
pub(crate) mod store;
mod sync;
mod top;

use anyhow::Context as _;

use crate::cli::{Action, Cli};
use crate::config;
use crate::error::UsageError;

/// Runs what the command line asks for. Every database opened here is closed before the
/// command returns, which checkpoints what it wrote into the main file.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let action = cli.action()?;
    let g = &cli.global;
    match action {
        Action::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut cli_command(), "usagestats", &mut out);
            write_stdout(&out)
        }
        Action::ManPage => {
            let mut out = Vec::new();
            clap_mangen::Man::new(cli_command())
                .render(&mut out)
                .context("rendering the manual page")?;
            write_stdout(&out)
        }
        #[cfg(feature = "demo")]
        Action::Demo { days, seed } => demo::run(g, days, seed).await,
        #[cfg(not(feature = "demo"))]
        Action::Demo { .. } => Err(UsageError::new(
            "this usagestats was built without the demo (cargo feature `demo`); build it with \
             default features to run the built-in simulator",
        )
        .into()),
        Action::ImportLegacy { legacy } => {
            let target = g.database.clone().ok_or_else(|| {
                UsageError::new("import-legacy needs the new database file: -d FILE")
            })?;
            if target
                .to_str()
                .is_some_and(|t| storage::Location::parse(t).is_ok_and(|l| l.is_postgres()))
            {
                return Err(UsageError::new(
                    "import-legacy writes a new SQLite file; give -d a file name (copy it into \
                     PostgreSQL afterwards with copy-db)",
                )
                .into());
            }
            store::import_legacy(&legacy, &target).await
        }
        Action::Backup { target } => {
            let init = config::read_init_file(g)?;
            let path = config::database(g, init.as_ref())?;
            let store = store::open_read_only(&path).await?;
            store::warn_kept_configuration(g, init.as_ref(), &path);
            let result = store.backup_to(&target).await;
            store.close().await;
            result.map_err(|e| match e {
                storage::Error::BackupTargetExists { .. }
                | storage::Error::DatabaseFileAsTarget { .. }
                | storage::Error::MissingDirectory { .. }
                | storage::Error::NonUtf8Path { .. }
                | storage::Error::Unsupported { .. } => UsageError::new(e.to_string()).into(),
                other => anyhow::Error::new(other).context(format!(
                    "backing up {} to {}",
                    path,
                    target.display()
                )),
            })?;
            tracing::info!("{} copied to {}", path, target.display());
            Ok(())
        }
        Action::CopyDb { to } => {
            let init = config::read_init_file(g)?;
            let source = config::database(g, init.as_ref())?;
            let target = config::location(&to, "--to")?;
            store::copy_db(&source, &target).await
        }
        Action::Dump => {
            let init = config::read_init_file(g)?;
            let path = config::database(g, init.as_ref())?;
            let store = store::open_read_only(&path).await?;
            store::warn_kept_configuration(g, init.as_ref(), &path);
            let result = async {
                let stdout = std::io::stdout();
                let mut out = std::io::BufWriter::new(stdout.lock());
                store.dump(&mut out).await.context("dumping the database")?;
                std::io::Write::flush(&mut out).context("writing the dump")
            }
            .await;
            store.close().await;
            result
        }
        Action::Reconfigure {
            reclassify,
            apply_to_existing,
        } => {
            let init = config::read_init_file(g)?;
            let path = config::database(g, init.as_ref())?;
            let new = config::new_config(g, init.as_ref())?;
            store::reconfigure(g, &path, &new, reclassify, apply_to_existing).await
        }
        Action::Top {
            period,
            day,
            group,
            limit,
        } => {
            let period = config::period(&period, day)?;
            let init = config::read_init_file(g)?;
            let path = config::database(g, init.as_ref())?;
            let clock = config::clock(g)?;
            if let Some(file) = path.path() {
                report::refuse_database_as_output(g, file)?;
            }
            let delivery = report::Delivery::from_args(g)?;
            let store = store::open_read_only(&path).await?;
            store::warn_kept_configuration(g, init.as_ref(), &path);
            let result = async {
                let settings = store::settings(&store).await?;
                top::run(
                    &store,
                    &settings,
                    &period,
                    group.as_deref(),
                    limit,
                    clock.now(),
                    &delivery,
                )
                .await
            }
            .await;
            store.close().await;
            result
        }
        #[cfg(feature = "serve")]
        Action::Serve { listen, token_file } => serve::run(g, listen, token_file.as_deref()).await,
        #[cfg(not(feature = "serve"))]
        Action::Serve { .. } => Err(UsageError::new(
            "this usagestats was built without the dashboard (cargo feature `serve`); build it \
             with default features to serve it",
        )
        .into()),
        Action::ForgetClient { client } => {
            let init = config::read_init_file(g)?;
            let path = config::database(g, init.as_ref())?;
            privacy::forget_client(&path, &client).await
        }
        Action::Sync => {
            let init = config::read_init_file(g)?;
            let path = config::database(g, init.as_ref())?;
            store::refuse_demo(&path).await?;
            let client = config::client(g)?;
            let clock = config::clock(g)?;
            let (store, settings, created) = store::open_or_create(g, &path, init.as_ref()).await?;
            let r = sync::run(
                g,
                &client,
                &store,
                &settings,
                clock,
                usage_model::DEFAULT_LOOKBACK_DAYS,
            )
            .await;
            store::finish(store, &path, created, r).await
        }
        Action::Report {
            period,
            sync_first,
            options,
        } => {
            // Check the period before spending minutes on a sync.
            let period = config::period(&period, options.day)?;
            let init = config::read_init_file(g)?;
            let path = config::database(g, init.as_ref())?;
            let clock = config::clock(g)?;
            if let Some(file) = path.path() {
                report::refuse_database_as_output(g, file)?;
            }
            let delivery = report::Delivery::from_args(g)?;
            report::refuse_top_in_csv(&options, &delivery)?;
            if !sync_first {
                let store = store::open_read_only(&path).await?;
                store::warn_kept_configuration(g, init.as_ref(), &path);
                let result = async {
                    let settings = store::settings(&store).await?;
                    report::run(
                        &store,
                        &settings,
                        &period,
                        &options,
                        None,
                        clock.now(),
                        &delivery,
                    )
                    .await
                }
                .await;
                store.close().await;
                return result;
            }
            store::refuse_demo(&path).await?;
            let client = config::client(g)?;
            let (store, settings, created) = store::open_or_create(g, &path, init.as_ref()).await?;
            // The period as of now, before spending minutes on a sync (the report's "today",
            // read afterwards, can only be later, which never reaches further back).
            let synced =
                match report::check_period(&settings, &period, options.periods, clock.now()) {
                    Err(e) => Err(e.into()),
                    Ok(()) => {
                        sync::run(
                            g,
                            &client,
                            &store,
                            &settings,
                            clock.clone(),
                            usage_model::DEFAULT_LOOKBACK_DAYS,
                        )
                        .await
                    }
                };
            // A partial sync still reports what is there; any other failure stops here.
            let result = match synced {
                Err(e) if e.downcast_ref::<crate::error::PartialFailure>().is_none() => Err(e),
                synced => {
                    // The report's "today" is read after the sync, which may have taken an hour.
                    let reported = report::run(
                        &store,
                        &settings,
                        &period,
                        &options,
                        None,
                        clock.now(),
                        &delivery,
                    )
                    .await;
                    match reported {
                        Ok(()) => synced,
                        Err(e) => Err(e),
                    }
                }
            };
            store::finish(store, &path, created, result).await
        }
    }
}

/// The command line's definition, for completions and the manual page.
fn cli_command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

fn write_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    out.write_all(bytes).context("writing to standard output")?;
    out.flush().context("writing to standard output")
}
