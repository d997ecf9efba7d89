//! Changes to progenitor's output made on the syntax tree, before formatting.
//!
//! Generated structs with public fields become `#[non_exhaustive]`: a field the
//! spec adds is then a minor change for services, because they can no longer
//! build these types with struct literals (which a new field would break). They
//! build them with the builders typify already emits, which stay public:
//! `types::Member::builder().id(1).email("a@b.c".to_owned()).try_into()`, or for
//! types with `Default`, `let mut p = Pagination::default(); p.total = Some(3);`.
//!
//! Enums stay exhaustive on purpose: a new `oneOf` alternative in a response is a
//! value old code cannot handle, so the Rust-level check rightly calls it major.

mod deserialize;

pub use deserialize::deserialize_extra_without_buffering;

/// Marks every struct with a public field in the generated `types` module (not its
/// `builder` submodule, whose fields are private) as `#[non_exhaustive]`.
pub fn mark_non_exhaustive(file: &mut syn::File) {
    for item in &mut file.items {
        if let syn::Item::Mod(module) = item
            && module.ident == "types"
            && let Some((_, items)) = &mut module.content
        {
            for item in items {
                if let syn::Item::Struct(s) = item
                    && has_public_field(s)
                    && !is_non_exhaustive(&s.attrs)
                {
                    s.attrs.push(syn::parse_quote!(#[non_exhaustive]));
                }
            }
        }
    }
}

/// typify's builders start a flattened `extra` map (kept unknown keys) as "no value
/// supplied", so building a `Member` downstream would fail unless the caller set
/// `.extra(..)`. Start it empty instead: an empty map is the right default.
pub fn default_extra_maps(file: &mut syn::File) {
    let Some(types) = file.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "types" => m.content.as_mut(),
        _ => None,
    }) else {
        return;
    };
    let Some(builder) = types.1.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "builder" => m.content.as_mut(),
        _ => None,
    }) else {
        return;
    };
    for item in &mut builder.1 {
        let syn::Item::Impl(imp) = item else { continue };
        let is_default = imp
            .trait_
            .as_ref()
            .and_then(|(path, _)| path.segments.last())
            .is_some_and(|seg| seg.ident == "Default");
        if !is_default {
            continue;
        }
        for impl_item in &mut imp.items {
            let syn::ImplItem::Fn(f) = impl_item else {
                continue;
            };
            let Some(syn::Stmt::Expr(syn::Expr::Struct(body), _)) = f.block.stmts.last_mut() else {
                continue;
            };
            for field in &mut body.fields {
                if matches!(&field.member, syn::Member::Named(n) if n == "extra") {
                    field.expr = syn::parse_quote!(Ok(Default::default()));
                }
            }
        }
    }
}

/// typify keeps the keys a schema does not name (`additionalProperties: {}`) in a
/// flattened `serde_json::Map`: a tree node per object and per nested object on
/// every decoded member, wanted or not (13% of a well-typed page's decode). The
/// `extra` fields, and the builder fields and setters that fill them, use
/// `crate::Extra` instead: the same keys, stored as their raw JSON text
/// (`crates/tallyfy-api/src/extra.rs`). Other free-form maps keep typify's type.
pub fn extra_as_raw_json(file: &mut syn::File) {
    let map: syn::Type =
        syn::parse_quote!(::serde_json::Map<::std::string::String, ::serde_json::Value>);
    let map = quote::ToTokens::to_token_stream(&map).to_string();
    let swap = |tokens: String| tokens.replace(&map, "crate :: Extra");
    let Some(types) = module_mut(&mut file.items, "types") else {
        return;
    };
    let swap_fields = |items: &mut Vec<syn::Item>| {
        for item in items.iter_mut() {
            match item {
                syn::Item::Struct(s) => {
                    for field in s.fields.iter_mut().filter(|f| is_named(f, "extra")) {
                        let ty = swap(quote::ToTokens::to_token_stream(&field.ty).to_string());
                        field.ty = syn::parse_str(&ty).expect("a type stays a type");
                    }
                }
                syn::Item::Impl(imp) => {
                    for impl_item in &mut imp.items {
                        if let syn::ImplItem::Fn(f) = impl_item
                            && f.sig.ident == "extra"
                        {
                            let tokens = swap(quote::ToTokens::to_token_stream(&*f).to_string());
                            *f = syn::parse_str(&tokens).expect("a method stays a method");
                        }
                    }
                }
                _ => {}
            }
        }
    };
    swap_fields(types);
    if let Some(builder) = module_mut(types, "builder") {
        swap_fields(builder);
    }
}

/// The `data` array of a paged body is read through
/// `tallyfy_api::item_limit::bounded`, which stops at the limit tallyfy-ext sets
/// from the request's `per_page`: a server ignoring `per_page` cannot make one
/// response decode into millions of items under the body cap. typify has no
/// setting for a field's `deserialize_with`, hence this step.
pub fn bound_paged_items(file: &mut syn::File, bodies: &[String]) {
    let Some(types) = module_mut(&mut file.items, "types") else {
        return;
    };
    for item in types.iter_mut() {
        let syn::Item::Struct(s) = item else { continue };
        if !bodies.iter().any(|b| s.ident == b) {
            continue;
        }
        for field in s.fields.iter_mut().filter(|f| is_named(f, "data")) {
            field.attrs.push(syn::parse_quote!(
                #[serde(deserialize_with = "crate::item_limit::bounded")]
            ));
        }
    }
}

fn module_mut<'a>(items: &'a mut [syn::Item], name: &str) -> Option<&'a mut Vec<syn::Item>> {
    items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == name => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

fn is_named(field: &syn::Field, name: &str) -> bool {
    field.ident.as_ref().is_some_and(|i| i == name)
}

fn has_public_field(s: &syn::ItemStruct) -> bool {
    s.fields
        .iter()
        .any(|f| matches!(f.vis, syn::Visibility::Public(_)))
}

fn is_non_exhaustive(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("non_exhaustive"))
}

#[cfg(test)]
mod tests;
