//! The two endpoints as a client sees them: envelopes, pagination, errors, search,
//! sort and includes (the organization's data and its changes: `members.rs`).

mod support;

use reqwest::StatusCode;
use serde_json::json;
use support::{client, fake_with, get_json, ids, list, start, users_url};
use tallyfy_fake::{DEFAULT_ORG, FakeTallyfy};

// ===== pagination =====

#[tokio::test]
async fn a_single_page_has_empty_array_links() {
    let fake = fake_with(3).await;
    let (status, body) = list(&fake, "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&body), vec![1001, 1002, 1003]);
    let pagination = &body["meta"]["pagination"];
    assert_eq!(
        pagination,
        &json!({"total": 3, "count": 3, "per_page": 10, "current_page": 1,
                "total_pages": 1, "links": []})
    );
}

#[tokio::test]
async fn links_name_only_the_pages_that_exist() {
    let fake = fake_with(25).await;
    let url = users_url(&fake);

    let (_, first) = list(&fake, "per_page=10&with=groups").await;
    let links = &first["meta"]["pagination"]["links"];
    assert_eq!(
        links,
        &json!({"next": format!("{url}?per_page=10&with=groups&page=2")})
    );
    assert_eq!(first["meta"]["pagination"]["total_pages"], 3);

    let (_, middle) = list(&fake, "page=2&per_page=10").await;
    assert_eq!(ids(&middle), (1011..=1020).collect::<Vec<_>>());
    let links = &middle["meta"]["pagination"]["links"];
    assert_eq!(links["previous"], format!("{url}?page=1&per_page=10"));
    assert_eq!(links["next"], format!("{url}?page=3&per_page=10"));

    let (_, last) = list(&fake, "page=3").await;
    let pagination = &last["meta"]["pagination"];
    assert_eq!(
        (
            pagination["count"].as_u64(),
            pagination["current_page"].as_u64()
        ),
        (Some(5), Some(3))
    );
    assert_eq!(
        pagination["links"],
        json!({"previous": format!("{url}?page=2")})
    );
}

#[tokio::test]
async fn following_next_links_visits_every_member_once() {
    let fake = fake_with(23).await;
    let mut url = format!("{}?per_page=7", users_url(&fake));
    let mut seen = Vec::new();
    loop {
        let (_, body) = get_json(&fake, &url).await;
        seen.extend(ids(&body));
        match body["meta"]["pagination"]["links"]["next"].as_str() {
            Some(next) => url = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen, (1001..=1023).collect::<Vec<_>>());
    assert_eq!(fake.request_count(), 4);
}

#[tokio::test]
async fn per_page_is_capped_and_past_the_end_is_empty() {
    let fake = start(FakeTallyfy::builder().members(30).max_per_page(20)).await;
    let (_, body) = list(&fake, "per_page=500").await;
    assert_eq!(ids(&body).len(), 20);
    assert_eq!(body["meta"]["pagination"]["per_page"], 20);
    assert_eq!(body["meta"]["pagination"]["total_pages"], 2);

    let (status, body) = list(&fake, "page=9&per_page=20").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"], json!([]));
    let pagination = &body["meta"]["pagination"];
    assert_eq!(
        (pagination["total"].as_u64(), pagination["count"].as_u64()),
        (Some(30), Some(0))
    );
    assert!(
        pagination["links"]["previous"]
            .as_str()
            .unwrap()
            .ends_with("page=8&per_page=20")
    );
    assert!(pagination["links"].get("next").is_none());
}

#[tokio::test]
async fn an_empty_organization_still_has_one_page() {
    let fake = fake_with(0).await;
    let (_, body) = list(&fake, "").await;
    assert_eq!(body["data"], json!([]));
    assert_eq!(body["meta"]["pagination"]["total_pages"], 1);
    assert_eq!(body["meta"]["pagination"]["links"], json!([]));
}

#[tokio::test]
async fn routes_answer_at_the_root_too() {
    let fake = fake_with(2).await;
    let root = format!(
        "http://{}/organizations/{}/users/1002",
        fake.addr(),
        fake.org()
    );
    let (status, body) = get_json(&fake, &root).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["id"], 1002);
    assert_eq!(body["data"], fake.members()[1]);
}

// ===== errors =====

#[tokio::test]
async fn authentication_needs_the_token_and_a_client_header() {
    let fake = fake_with(2).await;
    let url = users_url(&fake);
    let unauthenticated = json!({"error": true, "message": "unauthenticated"});
    let cases = [
        client().get(&url).header("X-Tallyfy-Client", "APIClient"),
        client()
            .get(&url)
            .bearer_auth("wrong")
            .header("X-Tallyfy-Client", "APIClient"),
        client().get(&url).bearer_auth(fake.token()),
        client()
            .get(&url)
            .bearer_auth(fake.token())
            .header("X-Tallyfy-Client", " "),
    ];
    for request in cases {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            response.json::<serde_json::Value>().await.unwrap(),
            unauthenticated
        );
    }
    let ok = client()
        .get(&url)
        .bearer_auth(fake.token())
        .header("X-Tallyfy-Client", "n8n");
    assert_eq!(ok.send().await.unwrap().status(), StatusCode::OK);

    let recorded = fake.requests();
    assert_eq!(recorded.len(), 5);
    assert!(!recorded[0].has_authorization && recorded[1].has_authorization);
    assert_eq!(recorded[4].client.as_deref(), Some("n8n"));
    assert_eq!(recorded[0].status, Some(401));
    let debug = format!("{recorded:?}");
    assert!(
        !debug.contains(fake.token()) && !debug.contains("wrong"),
        "token leaked: {debug}"
    );
}

#[tokio::test]
async fn other_organizations_are_forbidden() {
    let fake = start(FakeTallyfy::builder().org("0123456789abcdef0123456789abcdef")).await;
    let url = format!("{}/organizations/{DEFAULT_ORG}/users", fake.base_url());
    let (status, body) = get_json(&fake, &url).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body, json!({"message": "This action is unauthorized."}));
}

#[tokio::test]
async fn unknown_members_and_endpoints_are_404() {
    let fake = fake_with(3).await;
    let not_found =
        json!({"error": true, "message": "Resource not found", "code": "RESOURCE_NOT_FOUND"});
    for id in ["1004", "999", "abc", "-1"] {
        let (status, body) = get_json(&fake, &format!("{}/{id}", users_url(&fake))).await;
        assert_eq!(
            (status, body),
            (StatusCode::NOT_FOUND, not_found.clone()),
            "id {id}"
        );
    }
    let (status, body) = get_json(&fake, &format!("{}/organizations", fake.base_url())).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], "ENDPOINT_NOT_FOUND");
}

#[tokio::test]
async fn bad_page_numbers_are_422_with_laravel_errors() {
    let fake = fake_with(3).await;
    let (status, body) = list(&fake, "per_page=0").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body,
        json!({"message": "The given data was invalid.",
               "errors": {"per_page": ["The per page must be at least 1."]}})
    );
    let (status, body) = list(&fake, "page=-1&per_page=ten").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["errors"]["page"],
        json!(["The page must be at least 1."])
    );
    assert_eq!(
        body["errors"]["per_page"],
        json!(["The per page must be an integer."])
    );
}

// ===== search, sort, includes =====

#[tokio::test]
async fn q_matches_names_and_emails_case_insensitively() {
    let fake = fake_with(60).await;
    let members = fake.members();
    let target = &members[17];
    let last_name = target["last_name"].as_str().unwrap().to_uppercase();
    let (_, body) = list(
        &fake,
        &format!("q={}&per_page=100", last_name.replace(' ', "+")),
    )
    .await;
    let expected: Vec<i64> = members
        .iter()
        .filter(|m| {
            ["first_name", "last_name", "email"].iter().any(|k| {
                m[*k]
                    .as_str()
                    .unwrap()
                    .to_lowercase()
                    .contains(&last_name.to_lowercase())
            })
        })
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert!(expected.contains(&1018));
    assert_eq!(ids(&body), expected);
    assert_eq!(body["meta"]["pagination"]["total"], expected.len());

    let (_, body) = list(&fake, "q=.1042%40").await;
    assert_eq!(ids(&body), vec![1042]);
}

#[tokio::test]
async fn sort_orders_by_field_and_direction() {
    let fake = fake_with(40).await;
    let mut expected: Vec<(String, i64)> = fake
        .members()
        .iter()
        .map(|m| {
            (
                m["created_at"].as_str().unwrap().to_owned(),
                m["id"].as_i64().unwrap(),
            )
        })
        .collect();
    expected.sort();
    let ascending: Vec<i64> = expected.iter().map(|(_, id)| *id).collect();
    let (_, body) = list(&fake, "sort=created_at&per_page=100").await;
    assert_eq!(ids(&body), ascending);
    assert_ne!(
        ascending,
        (1001..=1040).collect::<Vec<_>>(),
        "created_at is not id order"
    );

    let (_, body) = list(&fake, "sort=-created_at&per_page=100").await;
    assert_eq!(
        ids(&body),
        ascending.iter().rev().copied().collect::<Vec<_>>()
    );

    let (_, body) = list(&fake, "sort=-id&per_page=3").await;
    assert_eq!(ids(&body), vec![1040, 1039, 1038]);
    let (_, body) = list(&fake, "sort=shoe_size&per_page=3").await;
    assert_eq!(ids(&body), vec![1001, 1002, 1003]);

    let (_, body) = list(&fake, "sort=name&per_page=100").await;
    let names: Vec<String> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["full_name"].as_str().unwrap().to_lowercase())
        .collect();
    assert!(names.windows(2).all(|w| w[0] <= w[1]), "{names:?}");
}

#[tokio::test]
async fn includes_arrive_wrapped_in_data() {
    let fake = fake_with(25).await;
    let (_, body) = list(&fake, "with=groups,stats,country,assets&per_page=25").await;
    let data = body["data"].as_array().unwrap();
    for member in data {
        assert!(member["groups"]["data"].is_array());
        assert!(member["stats"]["data"]["tasks_completed"].is_i64());
        let country = &member["country"]["data"];
        assert!(
            country["iso2"].is_string() || country == &json!([]),
            "{country}"
        );
        assert!(member.get("assets").is_none());
    }
    let group = data
        .iter()
        .find_map(|m| m["groups"]["data"].as_array().and_then(|g| g.first()))
        .expect("someone is in a group");
    assert_eq!(group["id"].as_str().unwrap().len(), 32);
    assert_eq!(
        (group["logo"].is_null(), group["deleted_at"].is_null()),
        (true, true)
    );
    assert!(
        group["members"]
            .as_array()
            .unwrap()
            .iter()
            .all(|id| id.is_i64())
    );

    let (_, plain) = list(&fake, "").await;
    assert!(plain["data"][0].get("groups").is_none());

    let (status, one) = get_json(&fake, &format!("{}/1001?with=stats", users_url(&fake))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(one["data"]["stats"]["data"].is_object());
    assert!(one["data"].get("groups").is_none());
}

// ===== lifecycle =====

#[tokio::test]
async fn shutdown_is_prompt_even_with_a_pooled_connection() {
    let fake = fake_with(2).await;
    let url = users_url(&fake);
    let client = client();
    let ok = client
        .get(&url)
        .bearer_auth(fake.token())
        .header("X-Tallyfy-Client", "t");
    assert_eq!(ok.send().await.unwrap().status(), StatusCode::OK);

    // `shutdown` gives connections a second, then aborts; a hang guard only. What
    // matters is that nothing listens afterwards, even with the client's pooled
    // connection still open.
    let hang_guard = std::time::Duration::from_secs(10);
    tokio::time::timeout(hang_guard, fake.shutdown())
        .await
        .expect("shutdown returns");
    let error = client
        .get(&url)
        .send()
        .await
        .expect_err("nothing listens any more");
    assert!(error.status().is_none(), "{error:?}");
}
