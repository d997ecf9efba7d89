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
