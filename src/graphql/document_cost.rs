//! What a document may cost, measured before it runs.
//!
//! juniper's parser bounds tokens, fields (fragments expanded) and raw nesting. Raw nesting cannot
//! tell a costly document from the introspection query every GraphQL tool sends: graphql-js's
//! `TypeRef` fragment nests `ofType` nine levels deep, so a limit that refuses deep data queries
//! refuses it too. The configured depth is therefore measured here, with introspection apart:
//!
//! - Outside introspection every selection set, fragment (inline or spread) and level of an input
//!   value (list or object) counts one level, as juniper counts them: that is where resolvers run
//!   and the database is asked.
//! - Below `__schema` and `__type` levels do not count. The schema answers them from memory, and
//!   what can grow there is the fan-out of nested lists of types, which Apollo Router's rule bounds:
//!   `fields`, `inputFields`, `interfaces` and `possibleTypes` nest at most two deep (the standard
//!   query nests them one deep). The field limit bounds the rest, `ofType` chains included.
//!
//! The walk uses apollo-compiler's parser (its public AST carries locations); juniper parses the
//! document again to validate and run it. Both happen only when a document is not cached.

use std::collections::{HashMap, HashSet};

use apollo_compiler::Node;
use apollo_compiler::ast::{self, Definition, Selection, Value};
use apollo_compiler::parser::{Parser, SourceMap, SourceSpan};
use juniper::GraphQLError;
use juniper::parser::{ParseError, SourcePosition, Spanning};
use juniper::validation::RuleError;

/// Introspection lists whose nesting multiplies the size of an answer (Apollo Router's set).
const INTROSPECTION_LISTS: [&str; 4] = ["fields", "inputFields", "interfaces", "possibleTypes"];
/// The nesting of [`INTROSPECTION_LISTS`] at which a document is refused.
const MAX_INTROSPECTION_LISTS: usize = 3;
/// Root fields whose answers come from the schema itself.
const INTROSPECTION_ROOTS: [&str; 2] = ["__schema", "__type"];

/// Checks `document` against `max_depth`. A document that does not parse passes: juniper parses
/// it next and answers with its own error, so clients see one parser's messages.
pub fn check(document: &str, max_depth: usize, max_tokens: usize) -> Result<(), GraphQLError> {
    // A token over the limit makes juniper refuse the document; no need to read it twice.
    let Ok(parsed) = Parser::new()
        .token_limit(max_tokens.saturating_add(1))
        .parse_ast(document, "request.graphql")
    else {
        return Ok(());
    };
    let mut walk = Walk::new(&parsed, max_depth);
    for definition in &parsed.definitions {
        let result = match definition {
            Definition::OperationDefinition(operation) => walk.operation(operation),
            // Unused fragments are validated, never run: their cost does not matter.
            _ => Ok(()),
        };
        result.map_err(|violation| violation.into_error(&parsed.sources, max_depth))?;
    }
    Ok(())
}

/// Where a walk is: the selection sets it may enter decide what counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Place {
    /// The root selection set of an operation, where introspection starts.
    Root,
    /// Below a field that resolvers answer.
    Data,
    /// Below `__schema` or `__type`.
    Introspection,
}

/// The deepest level and the deepest nesting of introspection lists reached in a part of a
/// document.
#[derive(Clone, Copy, Debug)]
struct Reach {
    depth: usize,
    lists: usize,
}

/// Why a document is refused, and where.
enum Violation {
    Depth(Option<SourceSpan>),
    IntrospectionLists(Option<SourceSpan>),
}

impl Violation {
    fn into_error(self, sources: &SourceMap, max_depth: usize) -> GraphQLError {
        match self {
            Self::Depth(at) => GraphQLError::ParseError(Spanning::zero_width(
                &position(at, sources),
                ParseError::DepthLimitExceeded(max_depth),
            )),
            Self::IntrospectionLists(at) => GraphQLError::ValidationError(vec![RuleError::new(
                &format!(
                    "Introspection may nest `fields`, `inputFields`, `interfaces` and \
                     `possibleTypes` at most {} deep",
                    MAX_INTROSPECTION_LISTS - 1
                ),
                &[position(at, sources)],
            )]),
        }
    }
}

/// juniper's (zero-based) position of the start of `span`.
fn position(span: Option<SourceSpan>, sources: &SourceMap) -> SourcePosition {
    span.and_then(|span| Some((span.offset(), span.line_column(sources)?)))
        .map_or_else(SourcePosition::new_origin, |(offset, at)| {
            SourcePosition::new(offset, at.line - 1, at.column - 1)
        })
}

struct Walk<'d> {
    max_depth: usize,
    fragments: HashMap<&'d str, &'d [Selection]>,
    /// What a fragment reaches below its spread, by place; a fragment spread many times is
    /// walked once per place, so fragment bombs cost no more here than in juniper's check.
    reached: HashMap<(&'d str, Place), Reach>,
    /// Fragments on the current path.
    open: HashSet<&'d str>,
}

impl<'d> Walk<'d> {
    fn new(document: &'d ast::Document, max_depth: usize) -> Self {
        let fragments = document
            .definitions
            .iter()
            .filter_map(|definition| match definition {
                Definition::FragmentDefinition(fragment) => {
                    Some((fragment.name.as_str(), fragment.selection_set.as_slice()))
                }
                _ => None,
            })
            .collect();
        Self {
            max_depth,
            fragments,
            reached: HashMap::new(),
            open: HashSet::new(),
        }
    }

    fn operation(&mut self, operation: &'d ast::OperationDefinition) -> Result<(), Violation> {
        for variable in &operation.variables {
            if let Some(default) = &variable.default_value {
                self.value(default, 1)?;
            }
        }
        let start = Reach { depth: 1, lists: 0 };
        self.selection_set(&operation.selection_set, Place::Root, start)
            .map(drop)
    }

    /// Walks the selections of a set that stands at `at`; returns the deepest reach below it.
    fn selection_set(
        &mut self,
        selections: &'d [Selection],
        place: Place,
        at: Reach,
    ) -> Result<Reach, Violation> {
        let mut deepest = at;
        for selection in selections {
            let reached = match selection {
                Selection::Field(field) => self.field(field, place, at)?,
                Selection::InlineFragment(inline) => {
                    let inner = self.enter(place, at, inline.location())?;
                    self.selection_set(&inline.selection_set, place, inner)?
                }
                Selection::FragmentSpread(spread) => {
                    self.spread(spread.fragment_name.as_str(), place, at, spread.location())?
                }
            };
            deepest.depth = deepest.depth.max(reached.depth);
            deepest.lists = deepest.lists.max(reached.lists);
        }
        Ok(deepest)
    }

    fn field(
        &mut self,
        field: &'d Node<ast::Field>,
        place: Place,
        at: Reach,
    ) -> Result<Reach, Violation> {
        let mut reached = at;
        if place != Place::Introspection {
            for argument in &field.arguments {
                reached.depth = reached.depth.max(self.value(&argument.value, at.depth)?);
            }
        }
        if field.selection_set.is_empty() {
            return Ok(reached);
        }
        let inner_place = match place {
            Place::Root if INTROSPECTION_ROOTS.contains(&field.name.as_str()) => {
                Place::Introspection
            }
            Place::Root | Place::Data => Place::Data,
            Place::Introspection => Place::Introspection,
        };
        let mut inner = if inner_place == Place::Introspection {
            at
        } else {
            self.enter(place, at, field.location())?
        };
        if place == Place::Introspection && INTROSPECTION_LISTS.contains(&field.name.as_str()) {
            inner.lists += 1;
            if inner.lists >= MAX_INTROSPECTION_LISTS {
                return Err(Violation::IntrospectionLists(field.name.location()));
            }
        }
        let below = self.selection_set(&field.selection_set, inner_place, inner)?;
        Ok(Reach {
            depth: reached.depth.max(below.depth),
            lists: below.lists,
        })
    }

    /// The reach of a selection set nested one level below `at`.
    fn enter(
        &self,
        place: Place,
        at: Reach,
        location: Option<SourceSpan>,
    ) -> Result<Reach, Violation> {
        if place == Place::Introspection {
            return Ok(at);
        }
        if at.depth >= self.max_depth {
            return Err(Violation::Depth(location));
        }
        Ok(Reach {
            depth: at.depth + 1,
            ..at
        })
    }

    /// Walks the fragment `name` spread at `at`. Its first spread in a place is walked where it
    /// stands; later ones add what it reached then to where they stand.
    fn spread(
        &mut self,
        name: &'d str,
        place: Place,
        at: Reach,
        location: Option<SourceSpan>,
    ) -> Result<Reach, Violation> {
        // A cycle is juniper's to report, as a validation error naming it.
        if self.open.contains(name) {
            return Ok(at);
        }
        let inner = self.enter(place, at, location)?;
        if let Some(relative) = self.reached.get(&(name, place)) {
            let reached = Reach {
                depth: inner.depth + relative.depth,
                lists: inner.lists + relative.lists,
            };
            if reached.depth > self.max_depth {
                return Err(Violation::Depth(location));
            }
            if reached.lists >= MAX_INTROSPECTION_LISTS {
                return Err(Violation::IntrospectionLists(location));
            }
            return Ok(reached);
        }
        let Some(&selections) = self.fragments.get(name) else {
            return Ok(at);
        };
        self.open.insert(name);
        let reached = self.selection_set(selections, place, inner);
        self.open.remove(name);
        let reached = reached?;
        let relative = Reach {
            depth: reached.depth - inner.depth,
            lists: reached.lists - inner.lists,
        };
        self.reached.insert((name, place), relative);
        Ok(reached)
    }

    /// Checks an input value given in a selection set at `depth`, where each list or object
    /// level counts one more; returns the deepest level it reaches.
    fn value(&self, value: &'d Node<Value>, depth: usize) -> Result<usize, Violation> {
        let children: Vec<&Node<Value>> = match &**value {
            Value::List(items) => items.iter().collect(),
            Value::Object(fields) => fields.iter().map(|(_, value)| value).collect(),
            _ => return Ok(depth),
        };
        if depth >= self.max_depth {
            return Err(Violation::Depth(value.location()));
        }
        children.into_iter().try_fold(depth + 1, |deepest, child| {
            Ok(deepest.max(self.value(child, depth + 1)?))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_error(document: &str, max_depth: usize) -> Option<String> {
        check(document, max_depth, 10_000)
            .err()
            .map(|error| format!("{error:?}"))
    }

    #[test]
    fn the_standard_introspection_query_costs_no_depth() {
        let fixture =
            include_str!("../../tests/fixtures/introspection/graphql-js-17-every-option.json");
        let request: serde_json::Value = serde_json::from_str(fixture).unwrap();
        let query = request["query"].as_str().unwrap();
        assert_eq!(depth_error(query, 2), None);
    }

    #[test]
    fn data_levels_fragments_and_input_values_count() {
        assert_eq!(depth_error("{ a { b } }", 2), None);
        assert!(depth_error("{ a { b { c } } }", 2).is_some());
        assert!(depth_error("{ a { ... on T { b } } }", 2).is_some());
        assert!(depth_error("{ a { ...F } } fragment F on T { b }", 2).is_some());
        assert_eq!(depth_error("{ a(x: 1) }", 1), None);
        assert!(depth_error("{ a(x: [1]) }", 1).is_some());
        assert!(depth_error("query($v: I = {a: {b: 1}}) { a }", 2).is_some());
        // Introspection below a data field is not introspection.
        assert!(depth_error("{ a { __type { ofType { name } } } }", 2).is_some());
    }

    #[test]
    fn a_fragment_spread_deeper_the_second_time_is_measured_there() {
        let document = "{ a { ...F } b { c { ...F } } } fragment F on T { d { e } }";
        assert_eq!(depth_error(document, 5), None);
        assert!(depth_error(document, 4).is_some());
    }

    #[test]
    fn introspection_lists_nest_at_most_two_deep() {
        assert_eq!(
            depth_error(
                "{ __schema { types { fields { type { fields { name } } } } } }",
                15
            ),
            None
        );
        let three =
            "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }";
        assert!(depth_error(three, 15).unwrap().contains("Introspection"));
    }

    #[test]
    fn cycles_and_unparsable_documents_are_left_to_juniper() {
        assert_eq!(
            depth_error(
                "{ ...F } fragment F on Query { ...G } fragment G on Query { ...F }",
                3
            ),
            None
        );
        assert_eq!(depth_error("{ a(", 3), None);
    }
}
