//! Seeding the run's database quickly: merchants and their API keys through paylink's own
//! functions, then payment links, payments (with their checkouts), contacts and Active
//! payment-plan sessions with one set-based `INSERT ... SELECT ... FROM generate_series` each
//! (the links and the payments with their secondary indexes off, then indexes built once; the
//! links with their count triggers off, then counted once), then `VACUUM ANALYZE`.
//!
//! The first merchant holds 95 % of the links (95,000 of the default 100,000) and the others
//! share the rest, so that one merchant has a page 90,000 rows deep. Five links share each
//! `created_date`, so paging must break ties by `link_id`. Payment `j` pays link `j` modulo the
//! number of links and belongs to that link's merchant, so the payments are spread as the links
//! are, five to a `created_at` too.

use chrono::{DateTime, SecondsFormat, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Integer, Text, Timestamptz};
use paylink_store::direct::Connection;

use crate::Fallible;

/// Contacts (each with one Active session) per merchant.
const SESSIONS_PER_MERCHANT: u32 = 100;
/// Links sharing each `created_date`.
const LINKS_PER_TIMESTAMP: u32 = 5;

/// What the scenarios need to know about the seeded data.
#[derive(Clone, Debug)]
pub(crate) struct Fixture {
    /// Every merchant; the first is the one with most links.
    pub(crate) merchants: Vec<Merchant>,
    /// The boundary of the deep page: the item it starts after.
    pub(crate) deep: DeepCursor,
    /// A payer of the first merchant's, for the search by payer.
    pub(crate) payer: Payer,
    /// Every Active session, mixed across merchants: (index into `merchants`, session id).
    pub(crate) sessions: Vec<(usize, String)>,
    /// Seeded row counts.
    pub(crate) counts: SeedCounts,
}

/// A seeded merchant and its API key.
#[derive(Clone, Debug)]
pub(crate) struct Merchant {
    /// `merchant_uid`.
    pub(crate) uid: String,
    /// Its API key.
    pub(crate) key: String,
    /// Its links.
    pub(crate) links: u32,
    /// Its payments.
    pub(crate) payments: u32,
}

/// A payer's email and how many of the first merchant's payments carry it.
#[derive(Clone, Debug)]
pub(crate) struct Payer {
    /// `payerEmail`.
    pub(crate) email: String,
    /// The first merchant's payments with it.
    pub(crate) payments: u32,
}

/// How much to seed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sizes {
    /// Payment links.
    pub(crate) links: u32,
    /// Payments.
    pub(crate) payments: u32,
    /// Merchants.
    pub(crate) merchants: u32,
}

/// The first merchant's item the deep page starts after, in the default order.
#[derive(Clone, Debug)]
pub(crate) struct DeepCursor {
    /// Items before the page.
    pub(crate) rows_before: u32,
    /// The item's `created_date`, as the API shows it.
    pub(crate) created_date: String,
    /// The item's `link_id`.
    pub(crate) link_id: String,
}

/// Rows seeded.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub(crate) struct SeedCounts {
    /// Merchants (one API key each).
    pub(crate) merchants: u32,
    /// Payment links.
    pub(crate) links: u32,
    /// Payment links of the first merchant.
    pub(crate) links_of_first_merchant: u32,
    /// Payments, each with its checkout.
    pub(crate) payments: u32,
    /// Contacts, each with a phone number.
    pub(crate) contacts: u32,
    /// Active payment-plan sessions.
    pub(crate) sessions: u32,
    /// Rows the deep page starts after.
    pub(crate) deep_page_offset: u32,
}

/// Seeds `sizes.links` links and `sizes.payments` payments over `sizes.merchants` merchants,
/// with contacts and sessions. `conn` runs the bulk SQL, with connections of its own to `url`
/// for the parts that run side by side; `store` stores merchants and keys as the service does.
pub(crate) fn seed(
    url: &str,
    conn: &mut PgConnection,
    store: &mut Connection,
    sizes: Sizes,
) -> Fallible<Fixture> {
    let Sizes {
        links,
        payments,
        merchants,
    } = sizes;
    let first_links = if merchants == 1 {
        links
    } else {
        links / 100 * 95
    };
    let deep_rows = links / 100 * 90;
    let uids = seed_merchants(store, merchants)?;
    let uid_list: Vec<String> = uids.iter().map(|m| m.uid.clone()).collect();
    without_secondary_indexes(url, conn, "payment_links", |conn| {
        without_count_triggers(conn, |_| {
            side_by_side(url, halves(links), |conn, range| {
                seed_links(conn, &uid_list, range, first_links)
            })
        })
    })?;
    without_secondary_indexes(url, conn, "payments", |_| {
        side_by_side(url, halves(payments), |conn, range| {
            seed_payments(conn, &uid_list, range, links, first_links)
        })
    })?;
    let sessions = merchants * SESSIONS_PER_MERCHANT;
    seed_sessions(conn, &uid_list, sessions)?;
    conn.batch_execute("VACUUM ANALYZE")?;

    let mut merchants_out = uids;
    for merchant in &mut merchants_out {
        merchant.links = link_count(store, &merchant.uid)?;
        merchant.payments = payment_count(conn, &merchant.uid)?;
    }
    let deep = deep_cursor(conn, &uid_list[0], deep_rows)?;
    let payer = payer(conn, &uid_list[0])?;
    let sessions_list = session_ids(conn, &uid_list)?;
    Ok(Fixture {
        merchants: merchants_out,
        deep,
        payer,
        sessions: sessions_list,
        counts: SeedCounts {
            merchants,
            links,
            links_of_first_merchant: first_links,
            payments,
            contacts: sessions,
            sessions,
            deep_page_offset: deep_rows,
        },
    })
}

fn seed_merchants(store: &mut Connection, count: u32) -> Fallible<Vec<Merchant>> {
    (0..count)
        .map(|i| {
            let merchant = store.insert_merchant(
                &paylink::domain::ids::new_merchant_uid(),
                &format!("Bench merchant {}", i + 1),
            )?;
            let key = paylink::api_keys::generate();
            store.insert_key(paylink_store::api_keys::NewApiKey {
                merchant_uid: &merchant.merchant_uid,
                prefix: paylink::api_keys::visible_prefix(&key),
                key_hash: &paylink::api_keys::digest(&key),
                label: Some("bench"),
            })?;
            Ok(Merchant {
                uid: merchant.merchant_uid,
                key,
                links: 0,
                payments: 0,
            })
        })
        .collect()
}

/// Links `range`: link `i` (from 0) belongs to the first merchant while `i < first_links`, then
/// to the others in turn; `created_date` steps back one second every five links from a fixed
/// instant.
fn seed_links(
    conn: &mut PgConnection,
    uids: &[String],
    range: std::ops::Range<u32>,
    first_links: u32,
) -> Fallible<()> {
    let newest: DateTime<Utc> = "2026-06-30T12:00:00.123456Z".parse()?;
    diesel::sql_query(format!(
        "INSERT INTO payment_links (link_id, merchant_uid, link_name, payment_name, \
           payment_description, amount, currency, fee_mode, amount_is_variable, min_amount, \
           max_amount, require_phone, call_to_action, accepted_payment_methods, account_code, \
           custom_success_message, redirect_url, is_active, created_date, updated_at) \
         SELECT 'pt_link_' || substr(md5('bench-link-' || i), 1, 24), \
           CASE WHEN i < $2 THEN $1[1] \
                ELSE $1[2 + i % greatest(cardinality($1) - 1, 1)] END, \
           (ARRAY['Tuition', 'Membership', 'Donation', 'Invoice', 'Booking'])[1 + i % 5] \
             || ' ' || i, \
           (ARRAY['Dues', 'Fees', 'Gift', 'Order'])[1 + i % 4], \
           CASE WHEN i % 3 = 0 THEN 'Seeded by paylink-bench' END, \
           100 + (i::bigint * 7919) % 99901, 'USD', \
           CASE WHEN i % 2 = 0 THEN 'SERVICE_FEE' ELSE 'INTERCHANGE' END, \
           false, NULL, NULL, i % 7 = 0, 'PAY', 'ALL', NULL, NULL, NULL, i % 10 <> 0, \
           $4 - (i / {LINKS_PER_TIMESTAMP}) * interval '1 second', \
           $4 - (i / {LINKS_PER_TIMESTAMP}) * interval '1 second' \
         FROM generate_series($5, $3 - 1) AS i"
    ))
    .bind::<Array<Text>, _>(uids)
    .bind::<Integer, _>(i32::try_from(first_links)?)
    .bind::<Integer, _>(i32::try_from(range.end)?)
    .bind::<Timestamptz, _>(newest)
    .bind::<Integer, _>(i32::try_from(range.start)?)
    .execute(conn)?;
    Ok(())
}

/// Payments `range` and their checkouts: payment `j` pays link `j % links`, for that link's
/// merchant and amount; `created_at` steps back one second every five payments from a fixed
/// instant. One payer email in 5,000 recurs (every 5,000th payment's), one payment in ten has
/// none; a tenth are still Pending (bank debits) and a twentieth Refunded.
fn seed_payments(
    conn: &mut PgConnection,
    uids: &[String],
    range: std::ops::Range<u32>,
    links: u32,
    first_links: u32,
) -> Fallible<()> {
    let newest: DateTime<Utc> = "2026-06-30T12:00:00.123456Z".parse()?;
    let series = format!(
        "SELECT j, j % $3 AS i, $4 - (j / {LINKS_PER_TIMESTAMP}) * interval '1 second' AS at \
         FROM generate_series($5, $6 - 1) AS j"
    );
    let merchant =
        "CASE WHEN i < $2 THEN $1[1] ELSE $1[2 + i % greatest(cardinality($1) - 1, 1)] END";
    diesel::sql_query(format!(
        "INSERT INTO checkouts (id, merchant_uid, link_id, amount_minor, currency, payment_method, \
           provider, status, created_at, updated_at, expires_at) \
         SELECT 'co_' || substr(md5('bench-checkout-' || j), 1, 24), {merchant}, \
           'pt_link_' || substr(md5('bench-link-' || i), 1, 24), \
           100 + (i::bigint * 7919) % 99901, 'USD', \
           CASE WHEN j % 10 = 0 THEN 'ach' ELSE 'card' END, 'test', 'Completed', at, at, \
           at + interval '1 hour' \
         FROM ({series}) AS s"
    ))
    .bind::<Array<Text>, _>(uids)
    .bind::<Integer, _>(i32::try_from(first_links)?)
    .bind::<Integer, _>(i32::try_from(links)?)
    .bind::<Timestamptz, _>(newest)
    .bind::<Integer, _>(i32::try_from(range.start)?)
    .bind::<Integer, _>(i32::try_from(range.end)?)
    .execute(conn)?;
    diesel::sql_query(format!(
        "INSERT INTO payments (id, merchant_uid, checkout_id, link_id, amount_minor, currency, \
           payment_method, payer_phone, provider, provider_reference, status, created_at, \
           updated_at, amount_refunded, account_code, reference, payer_email) \
         SELECT 'pay_' || substr(md5('bench-payment-' || j), 1, 24), {merchant}, \
           'co_' || substr(md5('bench-checkout-' || j), 1, 24), \
           'pt_link_' || substr(md5('bench-link-' || i), 1, 24), \
           100 + (i::bigint * 7919) % 99901, 'USD', \
           CASE WHEN j % 10 = 0 THEN 'ach' ELSE 'card' END, \
           CASE WHEN j % 3 = 0 THEN '+1415555' || lpad((j % 10000)::text, 4, '0') END, 'test', \
           'test_pi_' || j, \
           CASE WHEN j % 10 = 0 THEN 'Pending' WHEN j % 20 = 1 THEN 'Refunded' \
                ELSE 'Succeeded' END, \
           at, at, \
           CASE WHEN j % 20 = 1 THEN 100 + (i::bigint * 7919) % 99901 ELSE 0 END, \
           CASE WHEN j % 4 = 0 THEN 'acc-' || j % 13 END, \
           (ARRAY['Tuition', 'Membership', 'Donation', 'Invoice', 'Booking'])[1 + i % 5], \
           CASE WHEN j % 10 <> 9 THEN 'payer' || j % 5000 || '@example.com' END \
         FROM ({series}) AS s"
    ))
    .bind::<Array<Text>, _>(uids)
    .bind::<Integer, _>(i32::try_from(first_links)?)
    .bind::<Integer, _>(i32::try_from(links)?)
    .bind::<Timestamptz, _>(newest)
    .bind::<Integer, _>(i32::try_from(range.start)?)
    .bind::<Integer, _>(i32::try_from(range.end)?)
    .execute(conn)?;
    Ok(())
}

/// How many connections seed side by side: one per core of the machines `make bench` is for.
const SIDE_BY_SIDE: u32 = 2;

/// `0..count` in [`SIDE_BY_SIDE`] consecutive parts.
fn halves(count: u32) -> Vec<std::ops::Range<u32>> {
    let part = count.div_ceil(SIDE_BY_SIDE);
    (0..SIDE_BY_SIDE)
        .map(|i| (i * part).min(count)..((i + 1) * part).min(count))
        .filter(|range| !range.is_empty())
        .collect()
}

/// Runs `work` for each item on a thread of its own, each with its own connection to `url`.
fn side_by_side<T: Send>(
    url: &str,
    items: Vec<T>,
    work: impl Fn(&mut PgConnection, T) -> Fallible<()> + Sync,
) -> Fallible<()> {
    std::thread::scope(|scope| {
        let threads: Vec<_> = items
            .into_iter()
            .map(|item| {
                let work = &work;
                scope.spawn(move || {
                    let mut conn = crate::database::connect(url)?;
                    work(&mut conn, item)
                })
            })
            .collect();
        threads.into_iter().try_for_each(|thread| {
            thread
                .join()
                .unwrap_or_else(|_| Err("a seeding thread panicked".into()))
        })
    })
}

/// Runs `work` with `table`'s secondary indexes dropped, then makes them again from their own
/// definitions, on connections side by side: building an index once over every row is several
/// times faster than growing it one row at a time, which is what lets 10 million links seed in
/// minutes.
fn without_secondary_indexes(
    url: &str,
    conn: &mut PgConnection,
    table: &str,
    work: impl FnOnce(&mut PgConnection) -> Fallible<()>,
) -> Fallible<()> {
    #[derive(QueryableByName)]
    struct Index {
        #[diesel(sql_type = Text)]
        name: String,
        #[diesel(sql_type = Text)]
        definition: String,
    }
    let indexes = diesel::sql_query(
        "SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition \
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
         WHERE i.indrelid = $1::regclass AND NOT i.indisunique",
    )
    .bind::<Text, _>(table)
    .load::<Index>(conn)?;
    for index in &indexes {
        conn.batch_execute(&format!(r#"DROP INDEX "{}""#, index.name))?;
    }
    work(conn)?;
    let mut shares: Vec<Vec<&str>> = vec![Vec::new(); SIDE_BY_SIDE as usize];
    for (i, index) in indexes.iter().enumerate() {
        shares[i % SIDE_BY_SIDE as usize].push(&index.definition);
    }
    side_by_side(url, shares, |conn, definitions| {
        conn.batch_execute("SET maintenance_work_mem = '1GB'")?;
        for definition in definitions {
            conn.batch_execute(definition)?;
        }
        Ok(())
    })
}

/// Runs `work` with the triggers that keep `payment_link_counts` turned off (their transition
/// table would hold every seeded row), then counts the links into the counters in one
/// statement, as the migration that made them did.
fn without_count_triggers(
    conn: &mut PgConnection,
    work: impl FnOnce(&mut PgConnection) -> Fallible<()>,
) -> Fallible<()> {
    conn.batch_execute(
        "ALTER TABLE payment_links DISABLE TRIGGER payment_links_counted_in; \
         ALTER TABLE payment_links DISABLE TRIGGER payment_links_counted_out",
    )?;
    work(conn)?;
    conn.batch_execute(
        "ALTER TABLE payment_links ENABLE TRIGGER payment_links_counted_in; \
         ALTER TABLE payment_links ENABLE TRIGGER payment_links_counted_out; \
         DELETE FROM payment_link_counts; \
         INSERT INTO payment_link_counts (merchant_uid, slot, links) \
         SELECT merchant_uid, 0, count(*) FROM payment_links GROUP BY merchant_uid",
    )?;
    Ok(())
}

/// Contact and session `i` belong to merchant `i % merchants`; every contact has a phone.
fn seed_sessions(conn: &mut PgConnection, uids: &[String], count: u32) -> Fallible<()> {
    let count = i32::try_from(count)?;
    diesel::sql_query(
        "INSERT INTO contacts (id, merchant_uid, name, email, phone, created_at, updated_at) \
         SELECT 'ct_' || substr(md5('bench-contact-' || i), 1, 24), \
           $1[1 + i % cardinality($1)], 'Bench contact ' || i, \
           'contact' || i || '@example.com', '+1415555' || lpad((i % 10000)::text, 4, '0'), \
           now(), now() \
         FROM generate_series(0, $2 - 1) AS i",
    )
    .bind::<Array<Text>, _>(uids)
    .bind::<Integer, _>(count)
    .execute(conn)?;
    diesel::sql_query(
        "INSERT INTO payment_plan_sessions (id, merchant_uid, contact_id, amount_minor, currency, \
           status, frequency, start_date, occurrences, expiration_date, created_at, updated_at) \
         SELECT 'pps_' || substr(md5('bench-session-' || i), 1, 24), \
           $1[1 + i % cardinality($1)], 'ct_' || substr(md5('bench-contact-' || i), 1, 24), \
           10000, 'USD', 'Active', 'Monthly', DATE '2027-01-01', 12, NULL, now(), now() \
         FROM generate_series(0, $2 - 1) AS i",
    )
    .bind::<Array<Text>, _>(uids)
    .bind::<Integer, _>(count)
    .execute(conn)?;
    Ok(())
}

fn payment_count(conn: &mut PgConnection, merchant_uid: &str) -> Fallible<u32> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        count: i64,
    }
    let count = diesel::sql_query("SELECT count(*) AS count FROM payments WHERE merchant_uid = $1")
        .bind::<Text, _>(merchant_uid)
        .get_result::<Count>(conn)?
        .count;
    Ok(u32::try_from(count)?)
}

/// The first merchant's most frequent payer email (the first in byte order among ties), and
/// how many of its payments carry it.
fn payer(conn: &mut PgConnection, merchant_uid: &str) -> Fallible<Payer> {
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = Text)]
        email: String,
        #[diesel(sql_type = BigInt)]
        payments: i64,
    }
    let found = diesel::sql_query(
        "SELECT payer_email AS email, count(*) AS payments FROM payments \
         WHERE merchant_uid = $1 AND payer_email IS NOT NULL \
         GROUP BY payer_email ORDER BY count(*) DESC, payer_email LIMIT 1",
    )
    .bind::<Text, _>(merchant_uid)
    .get_results::<Found>(conn)?
    .pop()
    .unwrap_or(Found {
        email: "nobody@example.com".into(),
        payments: 0,
    });
    Ok(Payer {
        email: found.email,
        payments: u32::try_from(found.payments)?,
    })
}

fn link_count(store: &mut Connection, merchant_uid: &str) -> Fallible<u32> {
    let count = store.count_links(merchant_uid, None)?;
    Ok(u32::try_from(count)?)
}

fn deep_cursor(
    conn: &mut PgConnection,
    merchant_uid: &str,
    rows_before: u32,
) -> Fallible<DeepCursor> {
    #[derive(QueryableByName)]
    struct Boundary {
        #[diesel(sql_type = Text)]
        link_id: String,
        #[diesel(sql_type = Timestamptz)]
        created_date: DateTime<Utc>,
    }
    let boundary = diesel::sql_query(
        "SELECT link_id, created_date FROM payment_links WHERE merchant_uid = $1 \
         ORDER BY created_date DESC, link_id DESC OFFSET $2 LIMIT 1",
    )
    .bind::<Text, _>(merchant_uid)
    .bind::<BigInt, _>(i64::from(rows_before.max(1)) - 1)
    .get_result::<Boundary>(conn)?;
    Ok(DeepCursor {
        rows_before,
        created_date: boundary
            .created_date
            .to_rfc3339_opts(SecondsFormat::Micros, true),
        link_id: boundary.link_id,
    })
}

/// Every session with its merchant's index, in id order (which mixes the merchants).
fn session_ids(conn: &mut PgConnection, uids: &[String]) -> Fallible<Vec<(usize, String)>> {
    #[derive(QueryableByName)]
    struct Session {
        #[diesel(sql_type = Text)]
        id: String,
        #[diesel(sql_type = Text)]
        merchant_uid: String,
    }
    let sessions =
        diesel::sql_query("SELECT id, merchant_uid FROM payment_plan_sessions ORDER BY id")
            .load::<Session>(conn)?;
    Ok(sessions
        .into_iter()
        .filter_map(|s| {
            let merchant = uids.iter().position(|uid| *uid == s.merchant_uid)?;
            Some((merchant, s.id))
        })
        .collect())
}
