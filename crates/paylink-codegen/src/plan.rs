//! Decides, before anything is emitted, the Rust name of every SDL type, which types are
//! root operation types, what custom scalars map to, and which fields need a `Box`.

use std::collections::{BTreeMap, BTreeSet};

use apollo_compiler::Schema;
use apollo_compiler::ast::Type;
use apollo_compiler::schema::ExtendedType;
use proc_macro2::Ident;

use crate::diagnostics::{CodegenError, Problems};
use crate::options::Options;
use crate::rust_names::{ident, ident_text, pascal_case};

/// Names the generated code uses unqualified (prelude items and the generated `Schema`
/// alias); an SDL type with one of these Rust names would shadow them.
const RESERVED: &[&str] = &[
    "Box", "Err", "None", "Ok", "Option", "Result", "Schema", "Send", "Some", "String", "Vec",
];

/// The root operation types, by SDL name.
pub(crate) struct Roots {
    pub(crate) query: Option<String>,
    pub(crate) mutation: Option<String>,
    pub(crate) subscription: Option<String>,
}

/// Everything the emitters need to agree on.
pub(crate) struct Plan<'a> {
    pub(crate) schema: &'a Schema,
    pub(crate) context_type: syn::Type,
    pub(crate) error_type: syn::Type,
    pub(crate) resolvers_type: syn::Type,
    pub(crate) roots: Roots,
    scalars: BTreeMap<String, syn::Type>,
    idents: BTreeMap<String, Ident>,
    boxed: BTreeSet<(String, String)>,
}

fn parse_type_option(option: &str, value: &str) -> Result<syn::Type, CodegenError> {
    syn::parse_str(value).map_err(|_| CodegenError::InvalidOption {
        option: option.to_owned(),
        value: value.to_owned(),
    })
}

/// A named type used by value (not inside a list): such fields make structs contain each other.
fn by_value_name(ty: &Type) -> Option<&str> {
    match ty {
        Type::Named(name) | Type::NonNullNamed(name) => Some(name.as_str()),
        Type::List(_) | Type::NonNullList(_) => None,
    }
}

impl<'a> Plan<'a> {
    pub(crate) fn new(
        schema: &'a Schema,
        options: &Options,
        problems: &mut Problems,
    ) -> Result<Self, CodegenError> {
        let context_type = parse_type_option("context_type", &options.context_type)?;
        let error_type = parse_type_option("error_type", &options.error_type)?;
        let resolvers_type = parse_type_option("resolvers_type", &options.resolvers_type)?;
        let definition = &schema.schema_definition;
        let roots = Roots {
            query: definition.query.as_ref().map(|n| n.name.to_string()),
            mutation: definition.mutation.as_ref().map(|n| n.name.to_string()),
            subscription: definition.subscription.as_ref().map(|n| n.name.to_string()),
        };

        let mut scalars = BTreeMap::new();
        for (name, ty) in &schema.types {
            if let ExtendedType::Scalar(scalar) = ty {
                if ty.is_built_in() {
                    continue;
                }
                match options.scalars.get(name.as_str()) {
                    Some(path) => {
                        let option = format!("scalars[{name:?}]");
                        scalars.insert(name.to_string(), parse_type_option(&option, path)?);
                    }
                    None => problems.push(
                        scalar.location(),
                        format!(
                            "custom scalar `{name}` has no Rust type: map it in Options::scalars"
                        ),
                    ),
                }
            }
        }

        let mut plan = Self {
            schema,
            context_type,
            error_type,
            resolvers_type,
            roots,
            scalars,
            idents: BTreeMap::new(),
            boxed: BTreeSet::new(),
        };
        plan.name_types(problems);
        plan.find_boxed_fields();
        Ok(plan)
    }

    /// Rust names are PascalCase forms of the SDL names (identical for the usual
    /// `PaymentLink`); clashes are reported rather than resolved by guessing.
    fn name_types(&mut self, problems: &mut Problems) {
        let mut taken: BTreeMap<String, String> = BTreeMap::new();
        for (name, ty) in &self.schema.types {
            if ty.is_built_in() || ty.is_scalar() {
                continue;
            }
            let rust = ident(&pascal_case(name));
            let mut wanted = vec![ident_text(&rust)];
            if self.is_root(name) {
                wanted.push(format!("{}Resolvers", ident_text(&rust)));
            }
            for text in wanted {
                if RESERVED.contains(&text.as_str()) {
                    problems.push(
                        ty.location(),
                        format!(
                            "type `{name}` would become the Rust name `{text}`, which the \
                             generated code needs for something else; rename the type"
                        ),
                    );
                } else if let Some(other) = taken.insert(text.clone(), name.to_string()) {
                    problems.push(
                        ty.location(),
                        format!(
                            "types `{other}` and `{name}` would both use the Rust name `{text}`; \
                             rename one of them"
                        ),
                    );
                }
            }
            self.idents.insert(name.to_string(), rust);
        }
    }

    /// Structs that contain each other by value would have infinite size; the field that
    /// closes such a cycle is boxed.
    fn find_boxed_fields(&mut self) {
        let mut edges: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        for (name, ty) in &self.schema.types {
            if self.is_root(name) {
                continue;
            }
            let fields: Vec<(String, &Type)> = match ty {
                ExtendedType::Object(object) => object
                    .fields
                    .iter()
                    .map(|(field, def)| (field.to_string(), &def.ty))
                    .collect(),
                ExtendedType::InputObject(input) => input
                    .fields
                    .iter()
                    .map(|(field, def)| (field.to_string(), def.ty.as_ref()))
                    .collect(),
                _ => continue,
            };
            for (field, field_ty) in fields {
                if let Some(target) = by_value_name(field_ty) {
                    let target_is_struct = matches!(
                        self.schema.types.get(target),
                        Some(ExtendedType::Object(_) | ExtendedType::InputObject(_))
                    );
                    if target_is_struct && !self.is_root(target) {
                        edges
                            .entry(name.to_string())
                            .or_default()
                            .push((field, target.to_owned()));
                    }
                }
            }
        }
        let reaches = |from: &str, to: &str| {
            let mut seen = BTreeSet::new();
            let mut stack = vec![from.to_owned()];
            while let Some(current) = stack.pop() {
                if current == to {
                    return true;
                }
                if seen.insert(current.clone()) {
                    for (_, next) in edges.get(&current).into_iter().flatten() {
                        stack.push(next.clone());
                    }
                }
            }
            false
        };
        let mut boxed = BTreeSet::new();
        for (owner, targets) in &edges {
            for (field, target) in targets {
                if reaches(target, owner) {
                    boxed.insert((owner.clone(), field.clone()));
                }
            }
        }
        self.boxed = boxed;
    }

    pub(crate) fn is_root(&self, name: &str) -> bool {
        [
            &self.roots.query,
            &self.roots.mutation,
            &self.roots.subscription,
        ]
        .into_iter()
        .any(|root| root.as_deref() == Some(name))
    }

    /// The Rust identifier of an SDL object, input object or enum type.
    pub(crate) fn type_ident(&self, name: &str) -> Ident {
        self.idents
            .get(name)
            .cloned()
            .unwrap_or_else(|| ident(&pascal_case(name)))
    }

    /// The name of the trait that the hand-written resolvers of a root type implement.
    pub(crate) fn resolvers_trait(&self, root: &str) -> Ident {
        ident(&format!("{}Resolvers", ident_text(&self.type_ident(root))))
    }

    pub(crate) fn scalar_type(&self, name: &str) -> Option<&syn::Type> {
        self.scalars.get(name)
    }

    pub(crate) fn is_boxed(&self, owner: &str, field: &str) -> bool {
        self.boxed.contains(&(owner.to_owned(), field.to_owned()))
    }
}
