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

fn has_public_field(s: &syn::ItemStruct) -> bool {
    s.fields
        .iter()
        .any(|f| matches!(f.vis, syn::Visibility::Public(_)))
}

fn is_non_exhaustive(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("non_exhaustive"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(code: &str) -> String {
        let mut file: syn::File = syn::parse_str(code).expect("valid Rust");
        mark_non_exhaustive(&mut file);
        prettyplease::unparse(&file)
    }

    #[test]
    fn builders_start_extra_maps_empty() {
        let mut file: syn::File = syn::parse_str(
            r#"
            pub mod types {
                pub mod builder {
                    impl Default for Member {
                        fn default() -> Self {
                            Self { id: Err("no value supplied for id".to_string()),
                                   extra: Err("no value supplied for extra".to_string()) }
                        }
                    }
                }
            }
        "#,
        )
        .unwrap();
        default_extra_maps(&mut file);
        let out = prettyplease::unparse(&file);
        assert!(out.contains("extra: Ok(Default::default())"), "{out}");
        assert!(
            out.contains("no value supplied for id"),
            "required fields stay required"
        );
    }

    #[test]
    fn marks_public_structs_in_types_only_once() {
        let out = run("
            pub mod types {
                pub struct Member { pub id: i64 }
                pub struct Opaque(String);
                #[non_exhaustive]
                pub struct Already { pub a: i64 }
                pub mod builder { pub struct Member { id: i64 } }
            }
            pub struct Client { inner: u8 }
        ");
        assert_eq!(out.matches("#[non_exhaustive]").count(), 2, "{out}");
        assert!(
            out.contains("#[non_exhaustive]\n    pub struct Member"),
            "{out}"
        );
        assert!(
            !out.contains("#[non_exhaustive]\n    pub struct Opaque"),
            "{out}"
        );
        assert!(
            !out.contains("#[non_exhaustive]\npub struct Client"),
            "{out}"
        );
    }
}
