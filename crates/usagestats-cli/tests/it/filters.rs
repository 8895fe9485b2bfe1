//! Filters that select nothing stop with one line naming the term and its near misses;
//! organizations with API access disabled are skipped, unless the filter names them.

use jiff::ToSpan;
use meraki_sim::{SimConfig, World, WorldSize};

use crate::harness::*;

fn sim_with(world: World) -> Sim {
    let mut cfg = SimConfig::default().with_world(world).with_now(now());
    cfg.api_key = "1234".into();
    Sim::start(cfg)
}

fn world() -> World {
    World::generate(
        7,
        &WorldSize {
            orgs: 3,
            networks_per_org: 2,
            devices_per_network: 1,
            clients_per_network: 8,
        },
    )
}

#[test]
fn a_filter_that_selects_nothing_names_the_term_and_its_near_misses() {
    let world = world();
    let org = world.organizations[0].name.clone();
    assert_eq!(org, "Acme Café Group");
    let net = world.organizations[0].networks[0].name.clone();
    let sim = sim_with(world);
    let dir = tempdir();
    let d = dir.path();
    std::fs::write(
        d.join("usagestats.ini"),
        "#This is a comment line\n[GROUPS]\ngroupname=Corporate\nsubnet=10.0.0.0/8\n\n\
         groupname=Guest\nsubnet=192.168.0.0/16\n\n[OPTIONS]\nfilter=dtag:statsmachine\n",
    )
    .unwrap();
    let lower_net = net.to_lowercase();
    for (args, wanted) in [
        (
            vec!["-f", "org:acme café group"],
            "the filter selects no device: org:\"acme café group\" matched no organization; \
             did you mean \"Acme Café Group\"? (names and tags are compared exactly, case included)"
                .to_string(),
        ),
        (
            vec!["-f", "org:Nobody Inc"],
            "org:\"Nobody Inc\" matched no organization; organizations the key sees: \
             \"Acme Café Group\""
                .to_string(),
        ),
        (
            vec!["-f", &format!("org:{org},net:{lower_net}")],
            format!("net:{lower_net:?} matched no network; did you mean {net:?}?"),
        ),
        (
            vec!["-f", "tag:no-such-tag"],
            "tag:\"no-such-tag\" matched no network tag; network tags there: ".to_string(),
        ),
        (
            vec!["-f", "dtype:ms"],
            "dtype:ms matched no device of that type in the selected networks; device models \
             there: \"MX"
                .to_string(),
        ),
        // The manual's init file on an estate without that device tag.
        (
            vec!["-i", "usagestats.ini"],
            "dtag:\"statsmachine\" matched no device tag; device tags there: \"Ausgang\", \"core\""
                .to_string(),
        ),
    ] {
        for form in [&["sync"][..], &["-c", "report:last-week"]] {
            let out = run(keyed(&sim, d)
                .args(["-d", "new.sqlite"])
                .args(&args)
                .args(form));
            assert_eq!(out.status.code(), Some(2), "{args:?}");
            let line = one_error_line(&out);
            assert!(line.contains(&wanted), "{args:?}: {line}\nwanted: {wanted}");
            assert!(stdout(&out).is_empty(), "no report of zeros");
            assert!(!d.join("new.sqlite").exists(), "{args:?} left the database");
        }
    }

    // A database whose stored filter no longer selects anything says so on every sync, and
    // keeps its days.
    let out = run(keyed(&sim, d).args(["-d", "db.sqlite", "-f", &format!("org:{org}"), "sync"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = run(keyed(&sim, d).args([
        "-d",
        "db.sqlite",
        "-f",
        "org:Acme Café Group,tag:gone",
        "reconfigure",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = run(keyed(&sim, d).args(["-d", "db.sqlite", "sync"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(one_error_line(&out).contains("tag:\"gone\" matched no network tag"));
    assert!(d.join("db.sqlite").exists());
}

#[test]
fn organizations_with_api_access_disabled_are_skipped_unless_named() {
    let mut world = world();
    world.organizations[1].api_enabled = false;
    let off = world.organizations[1].name.clone();
    let on: Vec<String> = [0, 2]
        .iter()
        .map(|&i| world.organizations[i].name.clone())
        .collect();
    let sim = sim_with(world);
    let dir = tempdir();
    let d = dir.path();

    // Not named: skipped with one warning, the others synced, exit 0.
    let out = run(keyed(&sim, d).args(["-d", "db.sqlite", "sync"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("WARN")
            && err.contains(&format!(
                "organization {off:?} skipped: its Dashboard API access is disabled"
            )),
        "{err}"
    );
    let days = sim.complete_days(&d.join("db.sqlite"));
    let off_networks: Vec<String> = sim.handle().world().organizations[1]
        .networks
        .iter()
        .map(|n| n.id.clone())
        .collect();
    assert!(
        off_networks.iter().all(|n| !days.contains_key(n)),
        "{days:?}"
    );
    assert_eq!(days.len(), 4, "the networks of {on:?}");
    let report = run(sim
        .cmd(d)
        .args(["-d", "db.sqlite", "report", "last-week", "--offline"]));
    assert!(!stdout(&report).contains(&off));

    // Named by the filter: exit 1, one line, nothing left behind.
    let out = run(keyed(&sim, d).args(["-d", "new.sqlite", "-f", &format!("org:{off}"), "sync"]));
    assert_eq!(out.status.code(), Some(1));
    let line = one_error_line(&out);
    assert!(
        line.contains(&format!(
            "organization {off:?} has Dashboard API access disabled"
        )) && line.contains("Organization > Settings > Dashboard API access"),
        "{line}"
    );
    assert!(!d.join("new.sqlite").exists());

    // A 403 from an organization whose API access is on stops the sync before it writes:
    // two days later, nothing new is stored for any organization.
    let later = now().checked_add(48.hours()).unwrap();
    sim.handle().set_now(later);
    let enabled = sim.handle().world().organizations[2].id.clone();
    sim.handle().forbid_organization(&enabled);
    let out = run(keyed(&sim, d)
        .env("USAGESTATS_NOW", later.to_string())
        .args(["-d", "db.sqlite", "sync"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(one_error_line(&out).contains("403"), "{}", stderr(&out));
    assert_eq!(sim.complete_days(&d.join("db.sqlite")), days);
}
