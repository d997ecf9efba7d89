//! The generated `Deserialize` of structs with unknown keys (`extra`): each named
//! field read in place, every other key's JSON text copied into `extra`, instead of
//! serde's `flatten`, which buffers every key and value first.

use super::{is_named, module_mut};

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
