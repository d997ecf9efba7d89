//! The list endpoint's query: validation, search, sort, paging and Fractal's meta.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde_json::{Value, json};

/// Validated `page`, `per_page`, `q` and `sort` of a list request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListParams {
    pub(crate) page: u64,
    /// Already capped to the maximum.
    pub(crate) per_page: u64,
    pub(crate) q: Option<String>,
    pub(crate) sort: Option<String>,
}

/// Laravel validation errors: field name to messages.
pub(crate) type ValidationErrors = BTreeMap<&'static str, Vec<String>>;

impl ListParams {
    /// Reads the parameters as Laravel would: the last occurrence of a key wins, an empty
    /// value counts as absent, and `page`/`per_page` must be integers of at least 1.
    pub(crate) fn parse(
        pairs: &[(String, String)],
        default_per_page: u64,
        max_per_page: u64,
    ) -> Result<Self, ValidationErrors> {
        let last = |key: &str| {
            let value = pairs
                .iter()
                .rev()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.trim());
            value.filter(|v| !v.is_empty())
        };
        let mut errors = ValidationErrors::new();
        let mut positive = |key: &'static str, label: &str, default: u64| match last(key) {
            None => default,
            Some(raw) => match raw.parse::<i64>() {
                Ok(n) if n >= 1 => n as u64,
                Ok(_) => {
                    errors.insert(key, vec![format!("The {label} must be at least 1.")]);
                    default
                }
                Err(_) => {
                    errors.insert(key, vec![format!("The {label} must be an integer.")]);
                    default
                }
            },
        };
        let page = positive("page", "page", 1);
        let per_page = positive("per_page", "per page", default_per_page).min(max_per_page);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            page,
            per_page,
            q: last("q").map(str::to_owned),
            sort: last("sort").map(str::to_owned),
        })
    }
}

/// Whether a member object matches the search text (case-insensitive substring of
/// first name, last name or email).
pub(crate) fn matches(member: &Value, q: &str) -> bool {
    let needle = q.to_lowercase();
    ["first_name", "last_name", "email"].iter().any(|key| {
        member[*key]
            .as_str()
            .is_some_and(|v| v.to_lowercase().contains(&needle))
    })
}

/// Sorts members (given in id order) by a `sort` value such as `-created_at`. Unknown
/// fields keep the id order. The sort is stable, so ties stay in id order.
pub(crate) fn sort<T>(items: &mut [T], sort: Option<&str>, json: impl Fn(&T) -> &Value) {
    let Some(sort) = sort else { return };
    let (descending, field) = match sort.strip_prefix('-') {
        Some(field) => (true, field),
        None => (false, sort),
    };
    let key = match field {
        "name" | "full_name" => "full_name",
        "updated_at" | "last_updated" => "last_updated",
        "id" | "email" | "first_name" | "last_name" | "created_at" | "last_login_at" | "role"
        | "status" => field,
        _ => return,
    };
    items.sort_by(|a, b| {
        let order = compare(&json(a)[key], &json(b)[key]);
        if descending { order.reverse() } else { order }
    });
}

/// Orders JSON values as a database would: nulls first, numbers, then strings compared
/// case-insensitively (exact bytes break ties).
fn compare(a: &Value, b: &Value) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Null => 0,
            Value::Number(_) => 1,
            _ => 2,
        }
    }
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            x.total_cmp(&y)
        }
        (Value::String(x), Value::String(y)) => x
            .to_lowercase()
            .cmp(&y.to_lowercase())
            .then_with(|| x.cmp(y)),
        _ => rank(a).cmp(&rank(b)),
    }
}

/// One page of a filtered, sorted collection (its `meta.pagination`: [`pagination`]).
#[derive(Debug)]
pub(crate) struct PageWindow {
    /// Index range of the page's items in the collection.
    pub(crate) range: std::ops::Range<usize>,
}

impl PageWindow {
    pub(crate) fn new(total: usize, page: u64, per_page: u64) -> Self {
        let start = (page - 1).saturating_mul(per_page).min(total as u64) as usize;
        let end = (start as u64).saturating_add(per_page).min(total as u64) as usize;
        Self { range: start..end }
    }
}

/// The fake's `meta.pagination` for one window of a listing (see [`fractal_pagination`]).
pub(crate) fn pagination(
    total: usize,
    params: &ListParams,
    window: &PageWindow,
    page_url: impl Fn(u64) -> String,
) -> Value {
    fractal_pagination(
        total,
        window.range.len(),
        params.page,
        params.per_page,
        page_url,
    )
}

/// Fractal's `meta.pagination` for page `page` (from 1) of `total` items cut in pages
/// of `per_page`, the page holding `count`, as `ArraySerializer::paginator` renders
/// it: `total_pages` is Laravel's `max(ceil(total / per_page), 1)`; `links` is
/// `previous` when the page is past the first, `next` when before the last (their
/// URLs from `page_url(n)`), and PHP's empty array `[]` when neither applies. The
/// fake, `tallyfy-ext`'s socket-free double and the bench's page server all render
/// pages with it.
pub fn fractal_pagination(
    total: usize,
    count: usize,
    page: u64,
    per_page: u64,
    page_url: impl Fn(u64) -> String,
) -> Value {
    let total_pages = (total as u64).div_ceil(per_page).max(1);
    let mut links = serde_json::Map::new();
    if page > 1 {
        links.insert("previous".into(), page_url(page - 1).into());
    }
    if page < total_pages {
        links.insert("next".into(), page_url(page + 1).into());
    }
    let links = if links.is_empty() {
        json!([])
    } else {
        Value::Object(links)
    };
    json!({
        "total": total,
        "count": count,
        "per_page": per_page,
        "current_page": page,
        "total_pages": total_pages,
        "links": links,
    })
}

/// The request's URL with `page` set to `page`, other parameters kept in order, as
/// Laravel's `LengthAwarePaginator::url` builds it (with the query appended).
pub(crate) fn page_url(base: &str, pairs: &[(String, String)], page: u64) -> String {
    // PHP arrays keep one value per key: the last one, at the first one's position.
    let mut deduped: Vec<(&str, String)> = Vec::with_capacity(pairs.len() + 1);
    for (k, v) in pairs {
        match deduped.iter_mut().find(|(key, _)| key == k) {
            Some(slot) => slot.1.clone_from(v),
            None => deduped.push((k, v.clone())),
        }
    }
    match deduped.iter_mut().find(|(k, _)| *k == "page") {
        Some(slot) => slot.1 = page.to_string(),
        None => deduped.push(("page", page.to_string())),
    }
    let query: Vec<String> = deduped
        .iter()
        .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
        .collect();
    format!("{base}?{}", query.join("&"))
}

/// PHP's `urlencode`, which `http_build_query` uses: letters, digits and `-_.` are kept,
/// a space becomes `+`, every other byte becomes `%XX`.
fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for byte in s.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => out.push(byte as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parse_defaults_caps_and_rejects() {
        let p = ListParams::parse(&[], 10, 100).unwrap();
        assert_eq!((p.page, p.per_page, p.q, p.sort), (1, 10, None, None));
        let p = ListParams::parse(&pairs(&[("per_page", "500"), ("page", "")]), 10, 100);
        assert_eq!(p.unwrap().per_page, 100);
        let errors = ListParams::parse(&pairs(&[("page", "x"), ("per_page", "0")]), 10, 100);
        let errors = errors.unwrap_err();
        assert_eq!(errors["page"], vec!["The page must be an integer."]);
        assert_eq!(errors["per_page"], vec!["The per page must be at least 1."]);
        let errors = ListParams::parse(&pairs(&[("page", "-2")]), 10, 100).unwrap_err();
        assert_eq!(errors["page"], vec!["The page must be at least 1."]);
    }

    /// Laravel's ConvertEmptyStringsToNull: `?page=&per_page=&q=&sort=` is a request
    /// without them, as the spec's `allowEmptyValue` parameters say.
    #[test]
    fn empty_values_count_as_absent() {
        let absent = ListParams::parse(&[], 10, 100).unwrap();
        let empty = [("page", ""), ("per_page", ""), ("q", ""), ("sort", "")];
        assert_eq!(ListParams::parse(&pairs(&empty), 10, 100).unwrap(), absent);
        // The last occurrence wins even when it is empty.
        let p = ListParams::parse(&pairs(&[("page", "3"), ("page", "")]), 10, 100);
        assert_eq!(p.unwrap().page, 1);
    }

    #[test]
    fn windows_follow_laravel() {
        let total_pages = |total, page| {
            fractal_pagination(total, 0, page, 10, |_| String::new())["total_pages"].clone()
        };
        let w = PageWindow::new(0, 1, 10);
        assert_eq!((w.range, total_pages(0, 1)), (0..0, json!(1)));
        let w = PageWindow::new(25, 3, 10);
        assert_eq!((w.range, total_pages(25, 3)), (20..25, json!(3)));
        let w = PageWindow::new(25, u64::MAX, 10);
        assert_eq!((w.range, total_pages(25, u64::MAX)), (25..25, json!(3)));
    }

    #[test]
    fn page_urls_keep_other_parameters() {
        let q = pairs(&[("page", "1"), ("with", "groups,stats"), ("q", "a b+c")]);
        assert_eq!(
            page_url("http://h/api/x", &q, 2),
            "http://h/api/x?page=2&with=groups%2Cstats&q=a+b%2Bc"
        );
        let q = pairs(&[("per_page", "5"), ("per_page", "7")]);
        assert_eq!(page_url("/u", &q, 3), "/u?per_page=7&page=3");
    }

    #[test]
    fn sort_is_stable_with_nulls_first() {
        let mut items = vec![
            json!({"id": 1, "last_login_at": "2024-01-02T00:00:00Z"}),
            json!({"id": 2, "last_login_at": null}),
            json!({"id": 3, "last_login_at": "2024-01-01T00:00:00Z"}),
            json!({"id": 4, "last_login_at": null}),
        ];
        let ids = |items: &[Value]| {
            items
                .iter()
                .map(|v| v["id"].as_i64().unwrap())
                .collect::<Vec<_>>()
        };
        sort(&mut items, Some("last_login_at"), |v| v);
        assert_eq!(ids(&items), vec![2, 4, 3, 1]);
        items.sort_by_key(|v| v["id"].as_i64());
        sort(&mut items, Some("-last_login_at"), |v| v);
        assert_eq!(ids(&items), vec![1, 3, 2, 4]);
        sort(&mut items, Some("shoe_size"), |v| v);
        assert_eq!(ids(&items), vec![1, 3, 2, 4]);
    }
}
