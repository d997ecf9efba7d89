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

/// serde's `flatten` buffers every key a struct does not name, and its value, before
/// the flattened field sees them, and it is the one thing that makes a well-typed
/// member slower to decode than one without `extra` (+6% instructions, +13% wall).
/// Structs with an `extra: crate::Extra` field get a `Deserialize` impl written
/// here instead of derived: named keys decode as serde would decode them, every
/// other key's value is copied into `extra` as the server's own JSON text.
/// `Serialize` stays derived (`flatten` costs nothing there).
///
/// Only the serde attributes typify emits on such structs are understood (`rename`,
/// `default`, `skip_serializing_if`, `flatten` on `extra`); any other makes
/// generation fail here, so a typify upgrade cannot silently change decoding.
pub fn deserialize_extra_without_buffering(file: &mut syn::File) -> anyhow::Result<()> {
    let Some(types) = module_mut(&mut file.items, "types") else {
        return Ok(());
    };
    let mut impls = Vec::new();
    for item in types.iter_mut() {
        let syn::Item::Struct(s) = item else { continue };
        let has_extra = s.fields.iter().any(|f| {
            is_named(f, "extra")
                && quote::ToTokens::to_token_stream(&f.ty).to_string() == "crate :: Extra"
        });
        if !has_extra {
            continue;
        }
        remove_derive(&mut s.attrs, "Deserialize");
        impls.push(deserialize_impl(s)?);
    }
    types.extend(impls);
    Ok(())
}

/// Drops `name` from the struct's `#[derive(..)]` list.
fn remove_derive(attrs: &mut [syn::Attribute], name: &str) {
    for attr in attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
        let paths = attr
            .parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            )
            .expect("a derive list");
        let kept = paths
            .into_iter()
            .filter(|p| p.segments.last().is_none_or(|seg| seg.ident != name));
        *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
    }
}

/// One named field: its Rust name, wire name, type and what its absence means.
struct Named {
    ident: syn::Ident,
    wire: String,
    ty: syn::Type,
    absent_is_default: bool,
}

fn deserialize_impl(s: &syn::ItemStruct) -> anyhow::Result<syn::Item> {
    let name = &s.ident;
    let mut named = Vec::new();
    for field in &s.fields {
        let ident = field.ident.clone().expect("named fields");
        let mut wire = ident.to_string();
        let mut default = false;
        for attr in field.attrs.iter().filter(|a| a.path().is_ident("serde")) {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    wire = meta.value()?.parse::<syn::LitStr>()?.value();
                } else if meta.path.is_ident("default") {
                    default = true;
                } else if meta.path.is_ident("skip_serializing_if") {
                    meta.value()?.parse::<syn::LitStr>()?;
                } else if meta.path.is_ident("flatten") && ident == "extra" {
                } else {
                    return Err(meta.error("not understood by xtask's Deserialize writer"));
                }
                Ok(())
            })
            .map_err(|e| {
                anyhow::anyhow!(
                    "{name}.{ident}: serde attribute {e}; teach xtask/src/postprocess.rs"
                )
            })?;
        }
        if ident == "extra" {
            continue;
        }
        let is_option = matches!(&field.ty, syn::Type::Path(p)
            if p.path.segments.last().is_some_and(|seg| seg.ident == "Option"));
        named.push(Named {
            ident,
            wire,
            ty: field.ty.clone(),
            absent_is_default: default || is_option,
        });
    }
    let slots: Vec<_> = named
        .iter()
        .map(|f| quote::format_ident!("__{}", f.ident))
        .collect();
    let variants: Vec<_> = (0..named.len())
        .map(|i| quote::format_ident!("F{i}"))
        .collect();
    let slot_decls = named.iter().zip(&slots).map(|(f, slot)| {
        let ty = &f.ty;
        quote::quote! { let mut #slot: ::std::option::Option<#ty> = ::std::option::Option::None; }
    });
    let wires = named.iter().map(|f| &f.wire);
    let arms = named
        .iter()
        .zip(&slots)
        .zip(&variants)
        .map(|((f, slot), variant)| {
            let wire = &f.wire;
            quote::quote! {
                Field::#variant => {
                    if #slot.is_some() {
                        return ::std::result::Result::Err(
                            <A::Error as ::serde::de::Error>::duplicate_field(#wire),
                        );
                    }
                    #slot = ::std::option::Option::Some(map.next_value()?);
                }
            }
        });
    let inits = named.iter().zip(&slots).map(|(f, slot)| {
        let (ident, wire) = (&f.ident, &f.wire);
        if f.absent_is_default {
            quote::quote! { #ident: #slot.unwrap_or_default() }
        } else {
            quote::quote! {
                #ident: #slot.ok_or_else(|| <A::Error as ::serde::de::Error>::missing_field(#wire))?
            }
        }
    });
    let expecting = format!("struct {name}");
    Ok(syn::parse_quote! {
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
            where
                D: ::serde::Deserializer<'de>,
            {
                enum Field { #(#variants,)* Extra }
                /// Names the key, or writes it into `extra` when no field has it.
                struct FieldSeed<'a>(&'a mut crate::extra::ExtraWriter);
                impl<'de> ::serde::de::DeserializeSeed<'de> for FieldSeed<'_> {
                    type Value = Field;
                    fn deserialize<D>(self, deserializer: D) -> ::std::result::Result<Field, D::Error>
                    where
                        D: ::serde::Deserializer<'de>,
                    {
                        deserializer.deserialize_identifier(self)
                    }
                }
                impl<'de> ::serde::de::Visitor<'de> for FieldSeed<'_> {
                    type Value = Field;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str("a field name")
                    }
                    fn visit_str<E>(self, key: &str) -> ::std::result::Result<Field, E>
                    where
                        E: ::serde::de::Error,
                    {
                        ::std::result::Result::Ok(match key {
                            #(#wires => Field::#variants,)*
                            _ => {
                                self.0.key(key);
                                Field::Extra
                            }
                        })
                    }
                }
                struct Visitor;
                impl<'de> ::serde::de::Visitor<'de> for Visitor {
                    type Value = #name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(#expecting)
                    }
                    fn visit_map<A>(self, mut map: A) -> ::std::result::Result<#name, A::Error>
                    where
                        A: ::serde::de::MapAccess<'de>,
                    {
                        #(#slot_decls)*
                        let mut extra = crate::extra::ExtraWriter::default();
                        while let ::std::option::Option::Some(field) =
                            map.next_key_seed(FieldSeed(&mut extra))?
                        {
                            match field {
                                #(#arms)*
                                Field::Extra => map.next_value_seed(extra.value())?,
                            }
                        }
                        ::std::result::Result::Ok(#name {
                            #(#inits,)*
                            extra: extra.finish()?,
                        })
                    }
                }
                deserializer.deserialize_map(Visitor)
            }
        }
    })
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

    #[test]
    fn extra_maps_become_raw_json_and_other_maps_stay() {
        let mut file: syn::File = syn::parse_str(
            r#"
            pub mod types {
                pub struct Member {
                    pub custom: ::serde_json::Map<::std::string::String, ::serde_json::Value>,
                    #[serde(flatten)]
                    pub extra: ::serde_json::Map<::std::string::String, ::serde_json::Value>,
                }
                pub mod builder {
                    pub struct Member {
                        extra: ::std::result::Result<
                            ::serde_json::Map<::std::string::String, ::serde_json::Value>,
                            ::std::string::String,
                        >,
                    }
                    impl Member {
                        pub fn extra<T>(mut self, value: T) -> Self
                        where
                            T: ::std::convert::TryInto<
                                ::serde_json::Map<::std::string::String, ::serde_json::Value>,
                            >,
                        {
                            self
                        }
                    }
                }
            }
        "#,
        )
        .unwrap();
        extra_as_raw_json(&mut file);
        let out = prettyplease::unparse(&file);
        assert_eq!(out.matches("crate::Extra").count(), 3, "{out}");
        assert!(out.contains("pub custom: ::serde_json::Map"), "{out}");
    }

    #[test]
    fn structs_with_extra_get_a_written_deserialize_and_odd_attributes_stop_generation() {
        let code = r#"
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone)]
                pub struct Member {
                    pub id: i64,
                    #[serde(rename = "UTC_offset", skip_serializing_if = "::std::option::Option::is_none")]
                    pub utc_offset: ::std::option::Option<::std::string::String>,
                    #[serde(flatten)]
                    pub extra: ::serde_json::Map<::std::string::String, ::serde_json::Value>,
                }
                #[derive(::serde::Deserialize)]
                pub struct Plain { pub id: i64 }
            }
        "#;
        let mut file: syn::File = syn::parse_str(code).unwrap();
        extra_as_raw_json(&mut file);
        deserialize_extra_without_buffering(&mut file).unwrap();
        let out = prettyplease::unparse(&file);
        assert!(
            out.contains("#[derive(::serde::Serialize, Clone)]\n    pub struct Member"),
            "{out}"
        );
        assert!(
            out.contains("#[derive(::serde::Deserialize)]\n    pub struct Plain"),
            "{out}"
        );
        assert_eq!(
            out.matches("impl<'de> ::serde::Deserialize<'de> for")
                .count(),
            1,
            "{out}"
        );
        assert!(out.contains(r#""UTC_offset" => Field::F1"#), "{out}");
        assert!(out.contains("id: __id\n"), "required: {out}");
        assert!(
            out.contains("utc_offset: __utc_offset.unwrap_or_default()"),
            "optional: {out}"
        );

        let odd = code.replace("rename = \"UTC_offset\", ", "deserialize_with = \"f\", ");
        let mut file: syn::File = syn::parse_str(&odd).unwrap();
        extra_as_raw_json(&mut file);
        let err = deserialize_extra_without_buffering(&mut file).unwrap_err();
        assert!(err.to_string().contains("Member.utc_offset"), "{err}");
    }
}
