//! The fake Tallyfy server and the spec cannot drift apart: every JSON body the
//! fake sends, on every route, status and include, validates against the response
//! schema that `openapi/tallyfy.yaml` declares for it.

use serde_json::Value;
use tallyfy_fake::{FakeTallyfy, Fault, Faults, RunningFake};
use tallyfy_tests::spec::Spec;

struct Probe {
    http: reqwest::Client,
    spec: Spec,
    checked: usize,
}

impl Probe {
    /// Sends `path_and_query` (under the fake's base URL) and validates the JSON body.
    async fn check(
        &mut self,
        fake: &RunningFake,
        operation: &str,
        path_and_query: &str,
        token: &str,
    ) -> (u16, Value) {
        let url = format!("{}{path_and_query}", fake.base_url());
        let response = self
            .http
            .get(&url)
            .bearer_auth(token)
            .header("X-Tallyfy-Client", "APIClient")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap_or("").to_owned());
        let json = content_type.as_deref().is_some_and(|v| v.contains("json"));
        let body = response.bytes().await.unwrap();
        if !json {
            // HTML or empty fault bodies: the response must declare that media type.
            let text = String::from_utf8_lossy(&body);
            let media_type = content_type.as_deref().filter(|_| !body.is_empty());
            if let Err(errors) = self
                .spec
                .validate_text_response(operation, status, media_type, &text)
            {
                panic!("{url} -> {status} {media_type:?} violates the spec: {errors:?}");
            }
            self.checked += 1;
            return (status, Value::Null);
        }
        let value: Value = serde_json::from_slice(&body)
            .unwrap_or_else(|e| panic!("{url}: {status} body is not JSON: {e}"));
        if let Err(errors) = self.spec.validate_response(operation, status, &value) {
            panic!(
                "{url} -> {status} violates the spec:\n  {}\nbody: {value:#}",
                errors.join("\n  ")
            );
        }
        self.checked += 1;
        (status, value)
    }
}

#[tokio::test]
async fn every_body_the_fake_sends_matches_the_spec() {
    let fake = FakeTallyfy::builder()
        .members(57)
        .seed(9)
        .start()
        .await
        .unwrap();
    let org = fake.org().to_owned();
    let token = fake.token().to_owned();
    let mut probe = Probe {
        http: reqwest::Client::new(),
        spec: Spec::load(),
        checked: 0,
    };
    let users = format!("/organizations/{org}/users");

    // Every page of the organization, with every include, at several page sizes.
    for per_page in [1, 10, 57, 100, 500] {
        let mut page = 1;
        loop {
            let query =
                format!("{users}?page={page}&per_page={per_page}&with=groups,stats,country,assets");
            let (status, body) = probe.check(&fake, "list_members", &query, &token).await;
            assert_eq!(status, 200);
            let total_pages = body["meta"]["pagination"]["total_pages"].as_u64().unwrap();
            if page >= total_pages {
                break;
            }
            page += 1;
        }
    }
    // Filters, sorts, an empty result and a page past the end.
    for query in [
        "?q=smith",
        "?q=zzzz-no-match",
        "?sort=-created_at&with=groups",
        "?page=99",
        "?sort=name&q=a",
    ] {
        let (status, _) = probe
            .check(&fake, "list_members", &format!("{users}{query}"), &token)
            .await;
        assert_eq!(status, 200, "{query}");
    }
    // Every member, with and without includes.
    for member in fake.members() {
        let id = member["id"].as_i64().unwrap();
        let (status, _) = probe
            .check(
                &fake,
                "get_member",
                &format!("{users}/{id}?with=groups,stats,country"),
                &token,
            )
            .await;
        assert_eq!(status, 200);
        probe
            .check(&fake, "get_member", &format!("{users}/{id}"), &token)
            .await;
    }
    // Every error the fake can send.
    let errors = [
        ("list_members", users.clone(), "wrong-token", 401),
        (
            "list_members",
            "/organizations/00000000000000000000000000000000/users".to_owned(),
            token.as_str(),
            403,
        ),
        ("get_member", format!("{users}/1"), token.as_str(), 404),
        ("get_member", format!("{users}/abc"), token.as_str(), 404),
        (
            "list_members",
            format!("{users}?per_page=0"),
            token.as_str(),
            422,
        ),
        (
            "list_members",
            format!("{users}?page=-1"),
            token.as_str(),
            422,
        ),
    ];
    for (operation, path, token, expected) in errors {
        let (status, body) = probe.check(&fake, operation, &path, token).await;
        assert_eq!(status, expected, "{path}: {body}");
    }
    fake.set_faults(Faults::script(vec![
        Fault::rate_limited(3),
        Fault::Status(500),
        Fault::Status(503),
        Fault::HtmlStatus(429),
        Fault::HtmlStatus(502),
        Fault::Empty(429),
        Fault::Empty(504),
        Fault::TruncatedBody,
    ]));
    for expected in [429, 500, 503, 429, 502, 429, 504] {
        let (status, _) = probe.check(&fake, "list_members", &users, &token).await;
        assert_eq!(status, expected);
    }
    assert!(probe.checked > 150, "only {} bodies checked", probe.checked);
}

#[tokio::test]
async fn a_body_outside_the_spec_is_caught() {
    // The guard above can fail: a page whose member lacks `id` is rejected.
    let spec = Spec::load();
    let body = serde_json::json!({"data": [{"email": "x@example.com"}], "meta": {"pagination": {"total": 1}}});
    assert!(spec.validate_response("list_members", 200, &body).is_err());
}

/// The spec's `allowEmptyValue` query parameters say an empty value counts as
/// absent; the fake answers `?name=` exactly as it answers without the parameter.
#[tokio::test]
async fn empty_query_values_count_as_absent_as_the_spec_says() {
    let fake = FakeTallyfy::builder()
        .members(23)
        .seed(4)
        .start()
        .await
        .unwrap();
    let spec = Spec::load();
    let doc = spec.document();
    let operation = &doc["paths"]["/organizations/{org_id}/users"]["get"];
    let mut empty_allowed = Vec::new();
    for param in operation["parameters"].as_array().expect("parameters") {
        let param = match param["$ref"].as_str() {
            Some(target) => doc.pointer(&target[1..]).expect("the $ref resolves"),
            None => param,
        };
        if param["in"] == "query" && param["allowEmptyValue"] == true {
            let name = param["name"].as_str().expect("a name");
            let description = param["description"].as_str().unwrap_or("");
            assert!(
                description.contains("counts as absent"),
                "{name}: the description says what an empty value means"
            );
            empty_allowed.push(name.to_owned());
        }
    }
    for name in ["page", "per_page"] {
        assert!(
            empty_allowed.iter().any(|n| n == name),
            "{name} allows an empty value"
        );
    }
    let http = reqwest::Client::new();
    let users = format!("{}/organizations/{}/users", fake.base_url(), fake.org());
    let get = |query: String| {
        let request = http
            .get(format!("{users}{query}"))
            .bearer_auth(fake.token())
            .header("X-Tallyfy-Client", "APIClient");
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let mut body: Value = response.json().await.unwrap();
            // Page links repeat the query as sent; the rest must be identical.
            body["meta"]["pagination"]["links"].take();
            (status, body)
        }
    };
    let absent = get(String::new()).await;
    assert_eq!(absent.0, 200);
    for name in &empty_allowed {
        assert_eq!(get(format!("?{name}=")).await, absent, "?{name}=");
    }
    let all: Vec<String> = empty_allowed.iter().map(|n| format!("{n}=")).collect();
    assert_eq!(get(format!("?{}", all.join("&"))).await, absent);
    // Not an accident of parsing: a non-empty value does change the answer.
    assert_ne!(get("?page=2".into()).await, absent);
}
