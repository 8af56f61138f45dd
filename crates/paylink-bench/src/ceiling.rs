//! The database's ceiling: the SQL that serves the first page (`Store::list_links`'s page with the
//! same `Search` as `paymentLinks(limit: 10)`), run directly against PostgreSQL by `n` threads,
//! each with its own connection, back to back for the same window as the HTTP scenarios.

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use paylink_store::direct::Connection;
use paylink_store::listing::{Direction, LinkColumn, Search, Sort};

use crate::Fallible;
use crate::measure::{Recorder, Window};

/// The `Search` paylink builds for `paymentLinks(limit: 10)`: no filter, newest first, forward
/// from the start.
pub(crate) fn first_page() -> Search<LinkColumn> {
    Search {
        filter: None,
        sort: Sort::default(),
        direction: Direction::Forward,
        cursor: None,
        limit: 10,
    }
}

/// What a ceiling point measured, and its connections, still open so that their backends' CPU
/// time can be read before they end.
pub(crate) struct CeilingRun {
    /// Latencies and errors.
    pub(crate) recorder: Recorder,
    /// The time frame.
    pub(crate) window: Window,
    /// The connections used.
    pub(crate) connections: Vec<Connection>,
}

/// Runs `search` for `merchant_uid` on `concurrency` connections for `warmup` + `duration`.
pub(crate) fn run(
    url: &str,
    merchant_uid: &str,
    search: &Search<LinkColumn>,
    concurrency: usize,
    warmup: Duration,
    duration: Duration,
) -> Fallible<CeilingRun> {
    // Every connection is opened before the clock starts.
    let connections = (0..concurrency)
        .map(|_| Connection::open(url).map_err(Into::into))
        .collect::<Fallible<Vec<_>>>()?;
    let start = Arc::new(Barrier::new(concurrency + 1));
    let window = Arc::new(std::sync::OnceLock::<Window>::new());
    let threads: Vec<_> = connections
        .into_iter()
        .map(|mut conn| {
            let start = Arc::clone(&start);
            let window = Arc::clone(&window);
            let merchant_uid = merchant_uid.to_owned();
            let search = search.clone();
            std::thread::spawn(move || {
                start.wait();
                let window = *window.get().expect("set before the barrier");
                let mut recorder = Recorder::new();
                while Instant::now() < window.end {
                    let started = Instant::now();
                    let result = conn.page_links(&merchant_uid, &search);
                    let finished = Instant::now();
                    match result {
                        Ok(rows) if rows.len() as i64 == search.limit => {
                            if window.counts(finished) {
                                recorder.success(finished - started);
                            }
                        }
                        Ok(rows) => recorder.error(|| format!("{} rows", rows.len())),
                        Err(error) => recorder.error(|| error.to_string()),
                    }
                }
                (recorder, conn)
            })
        })
        .collect();
    let _ = window.set(Window::starting_now(warmup, duration));
    start.wait();
    let mut recorder = Recorder::new();
    let mut connections = Vec::with_capacity(concurrency);
    for thread in threads {
        match thread.join() {
            Ok((thread_recorder, conn)) => {
                recorder.merge(&thread_recorder);
                connections.push(conn);
            }
            Err(_) => recorder.error(|| "a ceiling thread panicked".into()),
        }
    }
    let window = *window.get().expect("set");
    Ok(CeilingRun {
        recorder,
        window,
        connections,
    })
}
