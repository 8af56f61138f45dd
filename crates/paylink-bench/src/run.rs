//! One benchmark run, step by step: database, seed, ceiling, server, scenarios, report.

use std::time::{Duration, Instant};

use tokio::runtime::Runtime;

use crate::Fallible;
use crate::measure::Window;
use crate::report::{self, CEILING, Results, Row, ScenarioInfo, ServerFacts};
use crate::server::{ServerOptions, ServerProcess};
use crate::settings::Settings;
use crate::sms_endpoint::SmsEndpoint;
use crate::{ceiling, database, load, machine, scenarios, seed, targets};

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
    let cores = machine.nproc;
    eprintln!(
        "paylink-bench: {} cores ({}), {} MiB, PostgreSQL {}, load average {}",
        machine.nproc,
        machine.cpu_model,
        machine.memory_mib,
        machine.postgres,
        machine.load_average_at_start
    );

    let seeding = Instant::now();
    let fixture = seed::seed(&mut conn, settings.links, settings.merchants)?;
    let seed_secs = seeding.elapsed().as_secs_f64();
    eprintln!(
        "paylink-bench: seeded {} links ({} for the first merchant), {} sessions in {seed_secs:.1} s",
        fixture.counts.links, fixture.counts.links_of_first_merchant, fixture.counts.sessions
    );

    let mut rows: Vec<Row> = Vec::new();
    if settings.wants(CEILING) {
        let search = ceiling::first_page();
        for &concurrency in &settings.concurrency {
            let (recorder, window) = ceiling::run(
                &url,
                &fixture.merchants[0].uid,
                &search,
                concurrency,
                settings.warmup(),
                settings.duration(),
            )?;
            if let Some(error) = recorder.first_error() {
                eprintln!("  first error: {error}");
            }
            let row = Row {
                scenario: CEILING,
                concurrency,
                summary: recorder.summary(window.length()),
                share_of_db_ceiling: None,
                server_memory: None,
            };
            eprintln!("{}", report::progress(&row));
            rows.push(row);
        }
    }

    let scenarios: Vec<_> = scenarios::all(&fixture)
        .into_iter()
        .filter(|scenario| settings.wants(scenario.id))
        .collect();
    let pool_size = settings.pool_size(cores);
    let mut server_facts = ServerFacts {
        pool_size,
        ..ServerFacts::default()
    };
    if !scenarios.is_empty() {
        let highest = settings.concurrency.iter().copied().max().unwrap_or(1);
        runtime.block_on(async {
            let sms = SmsEndpoint::start().await?;
            let log = settings
                .output
                .parent()
                .unwrap_or(std::path::Path::new("."))
                .join("server.log");
            let mut server = ServerProcess::spawn(&ServerOptions {
                binary: &settings.server,
                database_url: &url,
                pool_size,
                sms_base_url: sms.base_url(),
                log,
            })?;
            server.wait_ready().await?;
            eprintln!(
                "paylink-bench: paylink serve ready on {} (pool size {pool_size})",
                server.addr()
            );
            for scenario in &scenarios {
                for &concurrency in &settings.concurrency {
                    let window = Window::starting_now(settings.warmup(), settings.duration());
                    let recorder =
                        load::run(server.addr(), &scenario.workload, concurrency, window).await;
                    if let Some(error) = recorder.first_error() {
                        eprintln!("  first error: {error}");
                    }
                    let memory = server.memory()?;
                    if concurrency == highest {
                        server_facts.rss_kib_after_highest_concurrency = server_facts
                            .rss_kib_after_highest_concurrency
                            .max(memory.rss_kib);
                    }
                    let summary = recorder.summary(window.length());
                    let share_of_db_ceiling = (scenario.id == "first-page")
                        .then(|| {
                            rows.iter().find(|row| {
                                row.scenario == CEILING && row.concurrency == concurrency
                            })
                        })
                        .flatten()
                        .map(|ceiling| summary.rps / ceiling.summary.rps);
                    let row = Row {
                        scenario: scenario.id,
                        concurrency,
                        summary,
                        share_of_db_ceiling,
                        server_memory: Some(memory),
                    };
                    eprintln!("{}", report::progress(&row));
                    rows.push(row);
                }
            }
            wait_for_outbox(&mut conn).await?;
            server_facts.memory_at_end = server.memory()?;
            server_facts.sms_messages = sms.messages();
            server.stop();
            Fallible::Ok(())
        })?;
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

/// Waits until the dispatcher has sent every queued delivery, or `DRAIN_WITHIN` passes.
async fn wait_for_outbox(conn: &mut diesel::PgConnection) -> Fallible<()> {
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
