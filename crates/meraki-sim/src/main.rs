//! `meraki-sim`: runs the Dashboard API simulator until Ctrl-C.
//!
//! Prints `base_url: …` and `api_key: …` on stdout, one per line, as soon as it listens.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use meraki_sim::{FaultConfig, SimConfig, Simulator, World};

/// A Meraki Dashboard API simulator with a deterministic world, Meraki's rate limits, faults
/// on request and ground truth under /_sim/.
#[derive(Debug, Parser)]
#[command(name = "meraki-sim", version)]
struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Seed of the generated world.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Organizations to generate.
    #[arg(long, default_value_t = 3)]
    orgs: usize,
    /// Networks per organization.
    #[arg(long, default_value_t = 4)]
    networks: usize,
    /// Devices per network.
    #[arg(long, default_value_t = 4)]
    devices: usize,
    /// Clients per network.
    #[arg(long, default_value_t = 170)]
    clients: usize,
    /// Serve this world file (.json or .toml) instead of generating one.
    #[arg(long)]
    world: Option<PathBuf>,
    /// Write the generated (or loaded) world as JSON to this file and continue.
    #[arg(long)]
    dump_world: Option<PathBuf>,
    /// Freeze the clock at this RFC 3339 instant (default: real time); with --clock-rate, the
    /// instant the running clock starts from.
    #[arg(long)]
    now: Option<jiff::Timestamp>,
    /// Run the clock at this many simulated seconds per real second (e.g. 600: ten minutes per
    /// second), from --now or from the real time.
    #[arg(long, value_name = "RATE")]
    clock_rate: Option<f64>,
    /// Per-organization requests per second; 0 turns the limit off.
    #[arg(long, default_value_t = 10.0)]
    rate_limit: f64,
    /// Per-organization bucket capacity (default: equal to the rate).
    #[arg(long)]
    burst: Option<f64>,
    /// Per-source-IP requests per second; 0 turns the limit off.
    #[arg(long, default_value_t = 100.0)]
    source_rate_limit: f64,
    /// Total fault probability, spread evenly over 5xx, bad bodies and connection resets.
    #[arg(long, default_value_t = 0.0)]
    fault_rate: f64,
    /// Probability that a request starts a one-second 429 storm.
    #[arg(long, default_value_t = 0.0)]
    storm_rate: f64,
    /// Latency added to every request, in milliseconds.
    #[arg(long)]
    latency_ms: Option<u64>,
    /// API key to accept (default: a fixed 40-hex-digit key).
    #[arg(long, env = "MERAKI_SIM_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// Give every client an IPv4 address, so the original usagestats.py (which parses every
    /// client's ip as IPv4) can run against this world.
    #[arg(long)]
    v0_compatible: bool,
    /// Path prefix of the v1 API.
    #[arg(long, default_value = "/api/v1")]
    prefix: String,
}

fn positive(v: f64) -> Option<f64> {
    (v > 0.0).then_some(v)
}

async fn run(args: Args) -> Result<(), String> {
    let mut config = SimConfig {
        listen: args.listen,
        seed: args.seed,
        orgs: args.orgs,
        networks_per_org: args.networks,
        devices_per_network: args.devices,
        clients_per_network: args.clients,
        now: args.now,
        clock_rate: args.clock_rate,
        org_rate_limit: positive(args.rate_limit),
        org_burst: args.burst,
        source_rate_limit: positive(args.source_rate_limit),
        prefix: args.prefix,
        faults: FaultConfig {
            storm_429: args.storm_rate,
            latency: args.latency_ms.map(Duration::from_millis),
            ..FaultConfig::mixed(args.fault_rate)
        },
        ..SimConfig::default()
    };
    if let Some(key) = args.api_key {
        config.api_key = key;
    }
    if let Some(path) = &args.world {
        config.world = Some(World::load(path).map_err(|e| e.to_string())?);
    }
    if args.v0_compatible {
        let mut world = match config.world.take() {
            Some(w) => w,
            None => World::generate(config.seed, &config.size()),
        };
        world.ensure_ipv4();
        config.world = Some(world);
    }
    let sim = Simulator::start(config).await.map_err(|e| e.to_string())?;
    if let Some(path) = &args.dump_world {
        std::fs::write(path, sim.world().to_json_pretty())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "base_url: {}", sim.base_url());
        let _ = writeln!(out, "api_key: {}", sim.api_key());
        let _ = out.flush();
    }
    eprintln!(
        "meraki-sim: {} organizations, {} networks, {} clients; ground truth at {}/_sim/ground-truth; Ctrl-C to stop",
        sim.world().organizations.len(),
        sim.world().networks().count(),
        sim.world().client_count(),
        sim.origin()
    );
    shutdown_signal().await;
    eprintln!("meraki-sim: shutting down");
    sim.shutdown().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("meraki-sim: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("meraki-sim: {e}");
            ExitCode::FAILURE
        }
    }
}
