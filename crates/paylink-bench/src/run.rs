//! One benchmark run, step by step: database, seed, ceiling, server, scenarios, report.

use std::time::{Duration, Instant};

use diesel::PgConnection;
use tokio::runtime::Runtime;

use crate::Fallible;
use crate::cpu::CpuSample;
use crate::measure::Window;
use crate::report::{self, CEILING, PGBENCH, Results, ScenarioInfo};
use crate::row::{Row, ServerFacts};
use crate::scenarios::Listed;
use crate::scenarios::Scenario;
use crate::server::{ServerOptions, ServerProcess};
use crate::settings::Settings;
use crate::sms_endpoint::SmsEndpoint;
use crate::{ceiling, database, load, machine, pgbench, scenarios, seed, targets};
use paylink::graphql::listing::list_request;
use paylink::graphql::sql_query::fields::{LinkFields, PaymentFields};
use paylink_store::direct::StatementOf;

/// How long the outbox may take to drain after the last scenario.
const DRAIN_WITHIN: Duration = Duration::from_secs(15);

/// Whether every request succeeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// No errors.
    Clean,
    /// Some point had errors.
    Errors,
}

/// Runs the benchmark and reports it.
pub(crate) fn run(settings: &Settings, runtime: &Runtime) -> Fallible<Outcome> {
    let started = Instant::now();
    let admin_url = settings.admin_url.trim();
    let url = database::recreate(admin_url, &settings.database)?;
    database::migrate(&url)?;
    let mut conn = database::connect(&url)?;
    let machine = machine::Machine::read(database::server_version(&mut conn)?);
    let plan_cache_mode = database::plan_cache_mode(&mut conn)?;
    let cores = machine.nproc;
    eprintln!(
        "paylink-bench: {} cores ({}), {} MiB, PostgreSQL {} (plan_cache_mode {plan_cache_mode}), load average {}",
        machine.nproc,
        machine.cpu_model,
        machine.memory_mib,
        machine.postgres,
        machine.load_average_at_start
    );

    let seeding = Instant::now();
    let mut store = paylink_store::direct::Connection::open(&url)?;
    let fixture = seed::seed(
        &url,
        &mut conn,
        &mut store,
        seed::Sizes {
            links: settings.links,
            payments: settings.payments,
            merchants: settings.merchants,
        },
    )?;
    drop(store);
    let seed_secs = seeding.elapsed().as_secs_f64();
    eprintln!(
        "paylink-bench: seeded {} links ({} for the first merchant), {} payments, {} sessions in {seed_secs:.1} s",
        fixture.counts.links,
        fixture.counts.links_of_first_merchant,
        fixture.counts.payments,
        fixture.counts.sessions
    );

    let mut rows = if settings.wants(CEILING) {
        ceiling_rows(settings, &url, &fixture.merchants[0].uid, &mut conn, cores)?
    } else {
        Vec::new()
    };
    let scenarios = settings.pick(scenarios::all(&fixture), |scenario| scenario.id);
    if settings.wants(PGBENCH) {
        rows.extend(pgbench_rows(
            settings,
            &url,
            &fixture.merchants[0].uid,
            &scenarios,
            &mut conn,
            cores,
        )?);
    }
    let mut server_facts = ServerFacts {
        pool_size: settings.pool_size(cores),
        ..ServerFacts::default()
    };
    if !scenarios.is_empty() {
        let http = runtime.block_on(http_rows(
            settings,
            &url,
            &scenarios,
            &mut conn,
            &rows,
            &mut server_facts,
        ))?;
        rows.extend(http);
        server_facts.deliveries = database::delivery_counts(&mut conn)?;
    }

    let checks = targets::check(&rows, &server_facts);
    let table = report::table(&rows);
    println!();
    println!("{table}");
    println!("{}", targets::render(&checks));
    let results = Results {
        date: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        machine,
        plan_cache_mode,
        settings: settings.record(cores),
        seed: fixture.counts,
        seed_secs,
        scenarios: scenarios
            .iter()
            .map(|s| ScenarioInfo {
                id: s.id,
                description: s.description.clone(),
            })
            .collect(),
        rows,
        server: server_facts,
        targets: checks,
        table,
    };
    report::write_json(&settings.output, &results)?;
    println!(
        "Written to {} ({:.0} s in all).",
        settings.output.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(if results.rows.iter().any(|row| row.summary.errors > 0) {
        Outcome::Errors
    } else {
        Outcome::Clean
    })
}

/// The database ceiling at each concurrency.
fn ceiling_rows(
    settings: &Settings,
    url: &str,
    merchant_uid: &str,
    conn: &mut PgConnection,
    cores: usize,
) -> Fallible<Vec<Row>> {
    let search = ceiling::first_page();
    let mut rows = Vec::new();
    for &concurrency in &settings.concurrency {
        let before = CpuSample::take(conn, None, None)?;
        let point = ceiling::run(
            url,
            merchant_uid,
            &search,
            concurrency,
            settings.warmup(),
            settings.duration(),
        )?;
        // Read the backends' CPU time before their connections close.
        let cpu = before.until(&CpuSample::take(conn, None, None)?, cores);
        drop(point.connections);
        if let Some(error) = point.recorder.first_error() {
            eprintln!("  first error: {error}");
        }
        let summary = point.recorder.summary(point.window.length());
        let row = Row::new(CEILING, concurrency, summary, None, cpu);
        eprintln!("{}", report::progress(&row));
        rows.push(row);
    }
    Ok(rows)
}

/// pgbench's ceilings, simple and prepared, for each listing scenario at each concurrency.
fn pgbench_rows(
    settings: &Settings,
    url: &str,
    merchant_uid: &str,
    scenarios: &[Scenario],
    conn: &mut PgConnection,
    cores: usize,
) -> Fallible<Vec<Row>> {
    let listings: Vec<(&Scenario, &Listed)> = scenarios
        .iter()
        .filter_map(|scenario| Some((scenario, scenario.listing.as_ref()?)))
        .collect();
    if listings.is_empty() {
        return Ok(Vec::new());
    }
    let Some(binary) = pgbench::find() else {
        eprintln!(
            "paylink-bench: pgbench not found (on PATH or under /usr/lib/postgresql): no pgbench \
             ceilings; it comes with Debian's postgresql package"
        );
        return Ok(Vec::new());
    };
    let mut store = paylink_store::direct::Connection::open(url)?;
    let workdir = settings
        .output
        .parent()
        .unwrap_or(std::path::Path::new("."))
        .join("pgbench");
    let mut rows = Vec::new();
    for (scenario, listed) in listings {
        let request = match listed {
            Listed::Links(args) => list_request::<LinkFields>(args.clone()).map(StatementOf::Links),
            Listed::Payments(args) => {
                list_request::<PaymentFields>(args.clone()).map(StatementOf::Payments)
            }
        }
        .map_err(|error| format!("{}: {error:?}", scenario.id))?;
        let statement = store
            .page_statement(merchant_uid, &request)?
            .ok_or_else(|| format!("{}: the page runs no statement", scenario.id))?;
        for protocol in pgbench::Protocol::ALL {
            for &concurrency in &settings.concurrency {
                let running = pgbench::Point {
                    binary: &binary,
                    url,
                    statement: &statement,
                    protocol,
                    concurrency,
                    threads: cores,
                    warmup: settings.warmup(),
                    duration: settings.duration(),
                    workdir: &workdir,
                }
                .start()?;
                let (from, to) = running.window_edges();
                running.sleep_until(from);
                let before = CpuSample::take(conn, None, Some(running.pid()))?;
                running.sleep_until(to);
                let cpu = before.until(&CpuSample::take(conn, None, Some(running.pid()))?, cores);
                let recorder = running.finish()?;
                if let Some(error) = recorder.first_error() {
                    eprintln!("  first error: {error}");
                }
                let summary = recorder.summary(settings.duration());
                let row = Row::new(
                    protocol.row_id(scenario.id),
                    concurrency,
                    summary,
                    None,
                    cpu,
                );
                eprintln!("{}", report::progress(&row));
                rows.push(row);
            }
        }
    }
    Ok(rows)
}

/// Starts the SMS stand-in and the server, drives every scenario at every concurrency, and
/// notes the server's memory in `facts`.
async fn http_rows(
    settings: &Settings,
    url: &str,
    scenarios: &[Scenario],
    conn: &mut PgConnection,
    ceiling: &[Row],
    facts: &mut ServerFacts,
) -> Fallible<Vec<Row>> {
    let cores = machine::cores();
    let sms = SmsEndpoint::start().await?;
    let log = settings
        .output
        .parent()
        .unwrap_or(std::path::Path::new("."))
        .join("server.log");
    let mut server = ServerProcess::spawn(&ServerOptions {
        binary: &settings.server,
        database_url: url,
        pool_size: facts.pool_size,
        sms_base_url: sms.base_url(),
        log,
    })?;
    server.wait_ready().await?;
    eprintln!(
        "paylink-bench: paylink serve ready on {} (pool size {})",
        server.addr(),
        facts.pool_size
    );
    let highest = settings.concurrency.iter().copied().max().unwrap_or(1);
    let mut rows = Vec::new();
    for scenario in scenarios {
        for &concurrency in &settings.concurrency {
            let before = CpuSample::take(conn, Some(server.pid()), None)?;
            let window = Window::starting_now(settings.warmup(), settings.duration());
            let recorder = load::run(server.addr(), &scenario.workload, concurrency, window).await;
            let cpu = before.until(&CpuSample::take(conn, Some(server.pid()), None)?, cores);
            if let Some(error) = recorder.first_error() {
                eprintln!("  first error: {error}");
            }
            let memory = server.memory()?;
            facts.observe(memory, concurrency == highest);
            let summary = recorder.summary(window.length());
            let prepared = pgbench::Protocol::Prepared.row_id(scenario.id);
            let share_of_pgbench = ceiling
                .iter()
                .find(|row| row.scenario == prepared && row.concurrency == concurrency)
                .map(|ceiling| summary.rps / ceiling.summary.rps);
            let row = Row {
                share_of_pgbench,
                ..Row::new(scenario.id, concurrency, summary, Some(memory), cpu)
            };
            eprintln!("{}", report::progress(&row));
            rows.push(row);
        }
    }
    wait_for_outbox(conn).await?;
    facts.memory_at_end = server.memory()?;
    facts.observe(facts.memory_at_end, false);
    facts.sms_messages = sms.messages();
    server.stop();
    Ok(rows)
}

/// Waits until the dispatcher has sent every queued delivery, or `DRAIN_WITHIN` passes.
async fn wait_for_outbox(conn: &mut PgConnection) -> Fallible<()> {
    let deadline = Instant::now() + DRAIN_WITHIN;
    loop {
        let pending = database::delivery_counts(conn)?
            .iter()
            .filter(|(status, _)| status == "Queued" || status == "Sending")
            .map(|(_, count)| count)
            .sum::<i64>();
        if pending == 0 || Instant::now() > deadline {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
