//! Property test of paymentLinks' `query`: random links (with ties and NULLs), random filter trees
//! within the bounds, a random sort and page size; every result is paged FORWARD to the end and
//! BACKWARD to the start and compared, page by page, with an independent model of the
//! specification (C byte order for strings, NULLs last, `link_id` tie-break in the sort's
//! direction).
//!
//! One server serves every case; each case gets a fresh merchant, and a "noise" merchant owns
//! links that no case may ever see. `PROPTEST_CASES` raises the number of cases for a longer hunt.

use std::cmp::Ordering;

use chrono::{DateTime, Duration, FixedOffset, SecondsFormat, TimeZone, Utc};
use paylink_store::payment_links::PaymentLinkRow;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Value, json};

use crate::query_filters::{check_paging, unthrottled_app};
use crate::support::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Text,
    Int,
    Bool,
    Enum(&'static [&'static str]),
    Time,
}

#[derive(Debug)]
struct KeyDef {
    name: &'static str,
    kind: Kind,
    nullable: bool,
}

const FEE_MODES: &[&str] = &["INTERCHANGE", "SERVICE_FEE"];
const ACTIONS: &[&str] = &["PAY", "DONATE", "BOOK"];
const METHODS: &[&str] = &[
    "ALL",
    "NOT_CASH",
    "NOT_CARD",
    "NOT_ACH",
    "ONLY_CASH",
    "ONLY_CARD",
    "ONLY_ACH",
];

const fn key(name: &'static str, kind: Kind, nullable: bool) -> KeyDef {
    KeyDef {
        name,
        kind,
        nullable,
    }
}

/// Every filterable (and sortable) key of PaymentLink.
const KEYS: [KeyDef; 19] = [
    key("merchant_uid", Kind::Text, false),
    key("link_id", Kind::Text, false),
    key("link_name", Kind::Text, false),
    key("payment_name", Kind::Text, false),
    key("payment_description", Kind::Text, true),
    key("amount", Kind::Int, true),
    key("currency", Kind::Text, false),
    key("fee_mode", Kind::Enum(FEE_MODES), false),
    key("amount_is_variable", Kind::Bool, false),
    key("min_amount", Kind::Int, true),
    key("max_amount", Kind::Int, true),
    key("require_phone", Kind::Bool, false),
    key("call_to_action", Kind::Enum(ACTIONS), false),
    key("accepted_payment_methods", Kind::Enum(METHODS), false),
    key("account_code", Kind::Text, true),
    key("custom_success_message", Kind::Text, true),
    key("redirect_url", Kind::Text, true),
    key("is_active", Kind::Bool, false),
    key("created_date", Kind::Time, false),
];

/// Short strings, so that ties, case differences (ASCII and not) and LIKE metacharacters are
/// common.
const POOL: &[&str] = &[
    "a", "A", "ab", "aB", "Ab", "b", "B", "ba", "a_b", "a%b", "abc", "Zed", "zed", "a b", "_", "%",
    "é", "É", "Éa", "éA",
];
const AMOUNTS: &[i32] = &[100, 250, 1500, 2500, 99999];
const MINS: &[i32] = &[100, 500, 1000];
const MAXES: &[i32] = &[1000, 5000];
const CURRENCIES: &[&str] = &["USD", "EUR", "CAD"];

/// A comparable field value. Enum values are their names, so they order as text.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Val {
    Text(String),
    Int(i64),
    Bool(bool),
    Time(DateTime<Utc>),
}

fn field(row: &PaymentLinkRow, name: &str) -> Option<Val> {
    let text = |s: &str| Some(Val::Text(s.to_owned()));
    let opt_text = |s: &Option<String>| s.as_deref().map(|s| Val::Text(s.to_owned()));
    let int = |n: Option<i32>| n.map(|n| Val::Int(i64::from(n)));
    match name {
        "merchant_uid" => text(&row.merchant_uid),
        "link_id" => text(&row.link_id),
        "link_name" => text(&row.link_name),
        "payment_name" => text(&row.payment_name),
        "payment_description" => opt_text(&row.payment_description),
        "amount" => int(row.amount),
        "currency" => text(&row.currency),
        "fee_mode" => text(&row.fee_mode),
        "amount_is_variable" => Some(Val::Bool(row.amount_is_variable)),
        "min_amount" => int(row.min_amount),
        "max_amount" => int(row.max_amount),
        "require_phone" => Some(Val::Bool(row.require_phone)),
        "call_to_action" => text(&row.call_to_action),
        "accepted_payment_methods" => text(&row.accepted_payment_methods),
        "account_code" => opt_text(&row.account_code),
        "custom_success_message" => opt_text(&row.custom_success_message),
        "redirect_url" => opt_text(&row.redirect_url),
        "is_active" => Some(Val::Bool(row.is_active)),
        "created_date" => Some(Val::Time(row.created_date)),
        other => panic!("no key {other}"),
    }
}

fn parse_time(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.with_timezone(&Utc))
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(|date| date.and_hms_opt(0, 0, 0).unwrap().and_utc())
        })
        .unwrap_or_else(|_| panic!("the generator made a bad time {text:?}"))
}

/// `text` read as a value of `kind`, as the specification says the server reads it.
fn parse_value(kind: Kind, text: &str) -> Val {
    match kind {
        Kind::Text | Kind::Enum(_) => Val::Text(text.to_owned()),
        Kind::Int => Val::Int(text.parse().expect("the generator made a bad integer")),
        Kind::Bool => Val::Bool(text == "true"),
        Kind::Time => Val::Time(parse_time(text)),
    }
}

enum Token {
    Any,
    One,
    Literal(char),
}

/// LIKE as specified: case-insensitive (every letter), `%` any run, `_` one character, `\`
/// escapes.
fn like(text: &str, pattern: &str) -> bool {
    let text: Vec<char> = text.to_lowercase().chars().collect();
    let mut tokens = Vec::new();
    let mut chars = pattern
        .to_lowercase()
        .chars()
        .collect::<Vec<_>>()
        .into_iter();
    while let Some(c) = chars.next() {
        tokens.push(match c {
            '%' => Token::Any,
            '_' => Token::One,
            '\\' => Token::Literal(
                chars
                    .next()
                    .expect("no trailing escape in generated patterns"),
            ),
            c => Token::Literal(c),
        });
    }
    // matched[j]: the tokens so far match text[..j].
    let mut matched = vec![false; text.len() + 1];
    matched[0] = true;
    for token in &tokens {
        let mut next = vec![false; text.len() + 1];
        for j in 0..=text.len() {
            next[j] = match token {
                Token::Any => matched[j] || (j > 0 && next[j - 1]),
                Token::One => j > 0 && matched[j - 1],
                Token::Literal(c) => j > 0 && matched[j - 1] && text[j - 1] == *c,
            };
        }
        matched = next;
    }
    matched[text.len()]
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Equal,
    NotEqual,
    GreaterThan,
    GreaterEqual,
    LessThan,
    LessEqual,
    Like,
    NotLike,
    InList,
    NotInList,
    IsNull,
    IsNotNull,
    EqualTrue,
    EqualFalse,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Equal => "EQUAL",
            Op::NotEqual => "NOT_EQUAL",
            Op::GreaterThan => "GREATER_THAN",
            Op::GreaterEqual => "GREATER_EQUAL",
            Op::LessThan => "LESS_THAN",
            Op::LessEqual => "LESS_EQUAL",
            Op::Like => "LIKE",
            Op::NotLike => "NOT_LIKE",
            Op::InList => "IN_LIST",
            Op::NotInList => "NOT_IN_LIST",
            Op::IsNull => "IS_NULL",
            Op::IsNotNull => "IS_NOT_NULL",
            Op::EqualTrue => "EQUAL_TRUE",
            Op::EqualFalse => "EQUAL_FALSE",
        }
    }
}

/// The operators the specification allows on a key.
fn operators(def: &KeyDef) -> Vec<Op> {
    use Op::*;
    let mut ops = match def.kind {
        Kind::Text => vec![
            Equal,
            NotEqual,
            GreaterThan,
            GreaterEqual,
            LessThan,
            LessEqual,
            Like,
            NotLike,
            InList,
            NotInList,
        ],
        Kind::Int | Kind::Time => vec![
            Equal,
            NotEqual,
            GreaterThan,
            GreaterEqual,
            LessThan,
            LessEqual,
            InList,
            NotInList,
        ],
        Kind::Bool => vec![Equal, NotEqual, EqualTrue, EqualFalse],
        Kind::Enum(_) => vec![Equal, NotEqual, InList, NotInList],
    };
    if def.nullable {
        ops.extend([IsNull, IsNotNull]);
    }
    ops
}

/// A filter condition with its value(s) resolved against the case's data.
#[derive(Clone, Debug)]
enum Node {
    Leaf {
        key: usize,
        op: Op,
        value: Option<String>,
        in_values: Vec<String>,
    },
    Group(List),
}

#[derive(Clone, Debug)]
struct List {
    or: bool,
    items: Vec<Node>,
    /// Whether the last item says NONE_NEXT rather than leaving the join out.
    explicit_none: bool,
}

fn eval_list(list: &List, row: &PaymentLinkRow) -> bool {
    // Only the top list can be empty (groups never are): no filter at all.
    if list.items.is_empty() {
        true
    } else if list.or {
        list.items.iter().any(|node| eval_node(node, row))
    } else {
        list.items.iter().all(|node| eval_node(node, row))
    }
}

fn eval_node(node: &Node, row: &PaymentLinkRow) -> bool {
    match node {
        Node::Group(list) => eval_list(list, row),
        Node::Leaf {
            key,
            op,
            value,
            in_values,
        } => {
            let def = &KEYS[*key];
            let field = field(row, def.name);
            let text = value.as_deref().unwrap_or_default();
            let value = || parse_value(def.kind, text);
            let in_list = |f: &Val| in_values.iter().any(|v| parse_value(def.kind, v) == *f);
            let like_value = |f: &Val| match f {
                Val::Text(field) => like(field, text),
                other => panic!("LIKE on {other:?}"),
            };
            match op {
                Op::Equal => field == Some(value()),
                Op::NotEqual => field != Some(value()),
                Op::GreaterThan => field.is_some_and(|f| f > value()),
                Op::GreaterEqual => field.is_some_and(|f| f >= value()),
                Op::LessThan => field.is_some_and(|f| f < value()),
                Op::LessEqual => field.is_some_and(|f| f <= value()),
                Op::Like => field.as_ref().is_some_and(like_value),
                Op::NotLike => !field.as_ref().is_some_and(like_value),
                Op::InList => field.as_ref().is_some_and(in_list),
                Op::NotInList => !field.as_ref().is_some_and(in_list),
                Op::IsNull => field.is_none(),
                Op::IsNotNull => field.is_some(),
                Op::EqualTrue => field == Some(Val::Bool(true)),
                Op::EqualFalse => field == Some(Val::Bool(false)),
            }
        }
    }
}

fn list_json(list: &List) -> Value {
    let last = list.items.len().saturating_sub(1);
    let join = if list.or { "OR_NEXT" } else { "AND_NEXT" };
    let items: Vec<Value> = list
        .items
        .iter()
        .enumerate()
        .map(|(i, node)| {
            let mut item = match node {
                Node::Group(inner) => json!({ "query_group": list_json(inner) }),
                Node::Leaf {
                    key,
                    op,
                    value,
                    in_values,
                } => {
                    let mut item = json!({ "key": KEYS[*key].name, "operator": op.name() });
                    if let Some(value) = value {
                        item["value"] = json!(value);
                    }
                    if matches!(op, Op::InList | Op::NotInList) {
                        item["in_values"] = json!(in_values);
                    }
                    item
                }
            };
            if i < last {
                item["conjunctive_operator"] = json!(join);
            } else if list.explicit_none {
                item["conjunctive_operator"] = json!("NONE_NEXT");
            }
            item
        })
        .collect();
    json!(items)
}

/// The order of `a` and `b`'s sort values: NULLs last in both directions.
fn value_order(a: &Option<Val>, b: &Option<Val>, descending: bool) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(a), Some(b)) if descending => b.cmp(a),
        (Some(a), Some(b)) => a.cmp(b),
    }
}

/// Display order: the sort key, then `link_id` in the same direction.
fn display_order(a: &PaymentLinkRow, b: &PaymentLinkRow, key: &str, descending: bool) -> Ordering {
    value_order(&field(a, key), &field(b, key), descending).then_with(|| {
        if descending {
            b.link_id.cmp(&a.link_id)
        } else {
            a.link_id.cmp(&b.link_id)
        }
    })
}

/// A sort value as the API returns it, to use as an `offset`.
fn cursor(value: &Val) -> String {
    match value {
        Val::Text(text) => text.clone(),
        Val::Int(n) => n.to_string(),
        Val::Bool(b) => b.to_string(),
        Val::Time(time) => time.to_rfc3339_opts(SecondsFormat::Micros, true),
    }
}

// ---- Generation -------------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct LinkSpec {
    name: String,
    payment_name: String,
    description: Option<String>,
    amount: Option<i32>,
    variable: bool,
    min: Option<i32>,
    max: Option<i32>,
    currency: &'static str,
    fee_mode: &'static str,
    phone: bool,
    action: &'static str,
    methods: &'static str,
    account_code: Option<String>,
    /// 0: neither, 1: custom_success_message, 2: redirect_url (never both).
    after: u8,
    after_text: String,
    active: bool,
    /// Which of a few creation times, so that ties are common.
    created: u8,
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(POOL).prop_map(str::to_owned),
        1 => "[abAZz_% ]{1,4}",
    ]
}

fn link_spec() -> impl Strategy<Value = LinkSpec> {
    (
        (
            text(),
            text(),
            prop::option::of(text()),
            prop::option::of(select(AMOUNTS)),
            any::<bool>(),
            prop::option::of(select(MINS)),
            prop::option::of(select(MAXES)),
        ),
        (
            select(CURRENCIES),
            select(FEE_MODES),
            any::<bool>(),
            select(ACTIONS),
            select(METHODS),
            prop::option::of(text()),
        ),
        (0..3u8, text(), prop::bool::weighted(0.7), 0..6u8),
    )
        .prop_map(
            |(
                (name, payment_name, description, amount, variable, min, max),
                (currency, fee_mode, phone, action, methods, account_code),
                (after, after_text, active, created),
            )| LinkSpec {
                name,
                payment_name,
                description,
                // The table insists that a fixed-amount link has an amount.
                variable: variable || amount.is_none(),
                amount,
                min,
                max,
                currency,
                fee_mode,
                phone,
                action,
                methods,
                account_code,
                after,
                after_text,
                active,
                created,
            },
        )
}

fn base_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

fn to_row(spec: &LinkSpec, merchant_uid: &str) -> PaymentLinkRow {
    // Slot 0 is midnight exactly, so that a bare date can match it.
    let created = base_time() + Duration::microseconds(i64::from(spec.created) * 3_600_000_001);
    PaymentLinkRow {
        link_name: spec.name.clone(),
        payment_name: spec.payment_name.clone(),
        payment_description: spec.description.clone(),
        amount: spec.amount,
        currency: spec.currency.into(),
        fee_mode: spec.fee_mode.into(),
        amount_is_variable: spec.variable,
        min_amount: spec.min,
        max_amount: spec.max,
        require_phone: spec.phone,
        call_to_action: spec.action.into(),
        accepted_payment_methods: spec.methods.into(),
        account_code: spec.account_code.clone(),
        custom_success_message: (spec.after == 1).then(|| spec.after_text.clone()),
        redirect_url: (spec.after == 2).then(|| format!("https://pay.test/{}", spec.after_text)),
        is_active: spec.active,
        ..link_row(merchant_uid, &paylink::domain::ids::new_link_id(), created)
    }
}

/// Where a value comes from: a row of the case's data (so that matches happen) and a variant
/// that bends it (a pattern, a neighbour, a constant that may match nothing).
#[derive(Clone, Debug)]
struct ValueSeed {
    row: Index,
    variant: u8,
}

#[derive(Clone, Debug)]
struct LeafSpec {
    key: usize,
    op: usize,
    value: ValueSeed,
    in_values: Vec<ValueSeed>,
}

#[derive(Clone, Debug)]
enum NodeSpec {
    Leaf(LeafSpec),
    Group(ListSpec),
}

#[derive(Clone, Debug)]
struct ListSpec {
    or: bool,
    items: Vec<NodeSpec>,
    explicit_none: bool,
}

fn value_seed() -> impl Strategy<Value = ValueSeed> {
    (any::<Index>(), any::<u8>()).prop_map(|(row, variant)| ValueSeed { row, variant })
}

fn node_spec() -> impl Strategy<Value = NodeSpec> {
    let leaf = (
        0..KEYS.len(),
        any::<usize>(),
        value_seed(),
        prop::collection::vec(value_seed(), 1..=4),
    )
        .prop_map(|(key, op, value, in_values)| {
            NodeSpec::Leaf(LeafSpec {
                key,
                op,
                value,
                in_values,
            })
        });
    // Four levels of recursion: an item at depth 4 at most, the deepest the spec allows.
    leaf.prop_recursive(4, 24, 3, |inner| {
        (
            any::<bool>(),
            prop::collection::vec(inner, 1..=3),
            any::<bool>(),
        )
            .prop_map(|(or, items, explicit_none)| {
                NodeSpec::Group(ListSpec {
                    or,
                    items,
                    explicit_none,
                })
            })
    })
}

fn item_count(list: &ListSpec) -> usize {
    list.items
        .iter()
        .map(|node| match node {
            NodeSpec::Leaf(_) => 1,
            NodeSpec::Group(inner) => 1 + item_count(inner),
        })
        .sum()
}

/// The depth of the deepest item, top-level items being at depth 0.
fn deepest(list: &ListSpec, depth: usize) -> usize {
    list.items
        .iter()
        .map(|node| match node {
            NodeSpec::Leaf(_) => depth,
            NodeSpec::Group(inner) => deepest(inner, depth + 1).max(depth),
        })
        .max()
        .unwrap_or(depth)
}

fn filter_spec() -> impl Strategy<Value = ListSpec> {
    (
        any::<bool>(),
        prop::collection::vec(node_spec(), 0..=4),
        any::<bool>(),
    )
        .prop_map(|(or, items, explicit_none)| ListSpec {
            or,
            items,
            explicit_none,
        })
        .prop_filter("at most 50 items, 4 deep", |list| {
            item_count(list) <= 50 && deepest(list, 0) <= 4
        })
}

#[derive(Clone, Debug)]
struct SortSpec {
    key: usize,
    /// None: direction left out (ASC).
    descending: Option<bool>,
}

#[derive(Clone, Debug)]
struct Case {
    links: Vec<LinkSpec>,
    filter: ListSpec,
    sort: Option<SortSpec>,
    limit: usize,
    /// How to say "no filter" / "no sort": an empty list or nothing.
    empty_lists: bool,
    /// Which item's value to use for an `offset`-only page.
    probe: Index,
}

fn case_strategy() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec(link_spec(), 0..=40),
        filter_spec(),
        prop::option::of(
            (0..KEYS.len(), prop::option::of(any::<bool>()))
                .prop_map(|(key, descending)| SortSpec { key, descending }),
        ),
        1..=7usize,
        any::<bool>(),
        any::<Index>(),
    )
        .prop_map(|(links, filter, sort, limit, empty_lists, probe)| Case {
            links,
            filter,
            sort,
            limit,
            empty_lists,
            probe,
        })
}

// ---- Resolving values against the data --------------------------------------------------------

struct Context<'a> {
    rows: &'a [PaymentLinkRow],
    own_uid: &'a str,
    noise_uid: &'a str,
}

/// A LIKE pattern derived from `text`. Generated text has no backslash, so a pattern never ends
/// in a lone escape.
fn pattern(text: &str, variant: u8) -> String {
    let chars: Vec<char> = text.chars().collect();
    let first = chars.first().copied().unwrap_or('a');
    let last = chars.last().copied().unwrap_or('a');
    match variant % 7 {
        0 => text.to_owned(),
        1 => text.to_uppercase(),
        2 => format!("{first}%"),
        3 => format!("%{last}"),
        4 => format!("_{}", chars.iter().skip(1).collect::<String>()),
        5 => format!("%{text}%"),
        _ => text
            .chars()
            .flat_map(|c| match c {
                '%' | '_' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect(),
    }
}

fn value_text(cx: &Context<'_>, def: &KeyDef, op: Op, seed: &ValueSeed) -> String {
    let row = (!cx.rows.is_empty()).then(|| &cx.rows[seed.row.index(cx.rows.len())]);
    let from_row = row.and_then(|row| field(row, def.name));
    let v = seed.variant;
    match def.kind {
        Kind::Bool => v.is_multiple_of(2).to_string(),
        Kind::Enum(names) => names[usize::from(v) % names.len()].to_owned(),
        Kind::Int => {
            let constants = [100, 1000, 1500, 2500, 5000];
            match (from_row, v % 4) {
                (Some(Val::Int(n)), 0) => n.to_string(),
                (Some(Val::Int(n)), 1) => (n - 1).to_string(),
                (Some(Val::Int(n)), 2) => (n + 1).to_string(),
                _ => constants[usize::from(v / 4) % constants.len()].to_string(),
            }
        }
        Kind::Time => {
            let time = match from_row {
                Some(Val::Time(time)) => time,
                _ => base_time(),
            };
            match v % 5 {
                0 => cursor(&Val::Time(time)),
                1 => time.format("%Y-%m-%d").to_string(),
                2 => time
                    .with_timezone(&FixedOffset::east_opt(3600).unwrap())
                    .to_rfc3339_opts(SecondsFormat::Micros, false),
                3 => cursor(&Val::Time(time + Duration::microseconds(1))),
                _ => cursor(&Val::Time(time - Duration::hours(1))),
            }
        }
        Kind::Text => {
            let base = if def.name == "merchant_uid" {
                if v % 3 == 1 {
                    cx.noise_uid.to_owned()
                } else {
                    cx.own_uid.to_owned()
                }
            } else {
                match from_row {
                    Some(Val::Text(text)) if v % 4 != 3 => text,
                    _ => POOL[usize::from(v / 4) % POOL.len()].to_owned(),
                }
            };
            if matches!(op, Op::Like | Op::NotLike) {
                pattern(&base, v / 3)
            } else {
                base
            }
        }
    }
}

fn resolve(cx: &Context<'_>, spec: &ListSpec) -> List {
    List {
        or: spec.or,
        explicit_none: spec.explicit_none,
        items: spec
            .items
            .iter()
            .map(|node| match node {
                NodeSpec::Group(inner) => Node::Group(resolve(cx, inner)),
                NodeSpec::Leaf(leaf) => {
                    let def = &KEYS[leaf.key];
                    let ops = operators(def);
                    let op = ops[leaf.op % ops.len()];
                    let value = match op {
                        Op::IsNull | Op::IsNotNull | Op::EqualTrue | Op::EqualFalse => None,
                        Op::InList | Op::NotInList => None,
                        _ => Some(value_text(cx, def, op, &leaf.value)),
                    };
                    let in_values = leaf
                        .in_values
                        .iter()
                        .map(|seed| value_text(cx, def, op, seed))
                        .collect();
                    Node::Leaf {
                        key: leaf.key,
                        op,
                        value,
                        in_values,
                    }
                }
            })
            .collect(),
    }
}

// ---- The property -----------------------------------------------------------------------------

async fn check_case(app: &TestApp, noise_uid: &str, case: Case) -> Result<(), String> {
    let merchant = app.merchant("Case").await;
    let rows: Vec<PaymentLinkRow> = case
        .links
        .iter()
        .map(|spec| to_row(spec, &merchant.uid))
        .collect();
    insert_links(app, rows.clone()).await;
    let cx = Context {
        rows: &rows,
        own_uid: &merchant.uid,
        noise_uid,
    };
    let filter = resolve(&cx, &case.filter);

    let mut query = json!({});
    if !filter.items.is_empty() {
        query["query_list"] = list_json(&filter);
    } else if case.empty_lists {
        query["query_list"] = json!([]);
    }
    let (sort_key, descending) = match &case.sort {
        Some(sort) => {
            let mut pair = json!({ "key": KEYS[sort.key].name });
            if let Some(descending) = sort.descending {
                pair["direction"] = json!(if descending { "DESC" } else { "ASC" });
            }
            query["sort_list"] = json!([pair]);
            (KEYS[sort.key].name, sort.descending.unwrap_or(false))
        }
        None => {
            if case.empty_lists {
                query["sort_list"] = json!([]);
            }
            ("created_date", true)
        }
    };

    let mut expected: Vec<&PaymentLinkRow> =
        rows.iter().filter(|row| eval_list(&filter, row)).collect();
    expected.sort_by(|a, b| display_order(a, b, sort_key, descending));
    let expected_ids: Vec<String> = expected.iter().map(|row| row.link_id.clone()).collect();
    let describe = || {
        let rows: Vec<String> = rows.iter().map(|row| format!("  {row:?}")).collect();
        format!(
            "query: {query}\nlimit: {}\nexpected: {expected_ids:?}\nrows:\n{}",
            case.limit,
            rows.join("\n")
        )
    };

    check_paging(app, &merchant, &query, sort_key, case.limit, &expected_ids)
        .await
        .map_err(|problem| format!("{problem}\n{}", describe()))?;

    // `offset` alone: the page after (or before) every item with one item's sort value.
    let probe = expected
        .iter()
        .map(|row| field(row, sort_key))
        .filter(Option::is_some)
        .collect::<Vec<_>>();
    if !probe.is_empty() {
        let value = probe[case.probe.index(probe.len())].clone();
        for direction in ["FORWARD", "BACKWARD"] {
            let mut beyond: Vec<String> = expected
                .iter()
                .filter(|row| {
                    let here = field(row, sort_key);
                    let order = value_order(&here, &value, descending);
                    if direction == "FORWARD" {
                        order == Ordering::Greater
                    } else {
                        order == Ordering::Less
                    }
                })
                .map(|row| row.link_id.clone())
                .collect();
            if direction == "FORWARD" {
                beyond.truncate(case.limit);
            } else {
                beyond.drain(..beyond.len().saturating_sub(case.limit));
            }
            let offset = cursor(value.as_ref().expect("a non-null probe"));
            let variables = json!({ "limit": case.limit, "direction": direction,
                                    "offset": offset, "query": query });
            let body = app.gql(&merchant, LIST_QUERY, variables.clone()).await;
            let got: Vec<String> = body["data"]["paymentLinks"]["items"]
                .as_array()
                .map(|items| {
                    items
                        .iter()
                        .map(|item| item["link_id"].as_str().unwrap_or_default().to_owned())
                        .collect()
                })
                .unwrap_or_default();
            if body.get("errors").is_some() || got != beyond {
                return Err(format!(
                    "offset alone {variables}: got {got:?} ({body}), expected {beyond:?}\n{}",
                    describe()
                ));
            }
        }
    }
    Ok(())
}

/// Links of another merchant built to match many filters, which no case may ever see.
fn noise_rows(merchant_uid: &str) -> Vec<PaymentLinkRow> {
    (0..12)
        .map(|i| {
            let mut row = link_row(
                merchant_uid,
                &paylink::domain::ids::new_link_id(),
                base_time() + Duration::hours(i64::from(i % 6)),
            );
            row.link_name = POOL[i as usize % POOL.len()].to_owned();
            row.payment_name = POOL[(i as usize + 3) % POOL.len()].to_owned();
            row.amount = (i % 3 != 0).then_some(AMOUNTS[i as usize % AMOUNTS.len()]);
            row.amount_is_variable = row.amount.is_none();
            row.payment_description = (i % 2 == 0).then(|| "a".to_owned());
            row.is_active = i % 4 != 0;
            row
        })
        .collect()
}

#[test]
fn filtered_sorted_pages_match_the_model() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let app = runtime.block_on(unthrottled_app());
    let noise = runtime.block_on(async {
        let noise = app.merchant("Noise").await;
        insert_links(&app, noise_rows(&noise.uid)).await;
        noise
    });
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(24);
    let config = Config {
        cases,
        // A hand-driven runner has no source file to keep regressions beside.
        failure_persistence: None,
        max_shrink_iters: 200,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&case_strategy(), |case| {
        runtime
            .block_on(check_case(&app, &noise.uid, case))
            .map_err(TestCaseError::fail)
    });
    if let Err(error) = result {
        panic!("{error}");
    }
}
