//! `Client::from_env` and `ClientBuilder::from_env`: the variable names, what is
//! required, and setters overriding them.
//!
//! Alone in its own test binary with one test: environment variables are
//! process-wide, so no other test may read or write them meanwhile.

use tallyfy_ext::testing::TestTallyfy;
use tallyfy_ext::{Client, ErrorKind};

const VARS: [&str; 3] = ["TALLYFY_ACCESS_TOKEN", "TALLYFY_ORG_ID", "TALLYFY_BASE_URL"];

fn set(name: &str, value: &str) {
    // SAFETY: this binary's only test is the only code touching the environment.
    unsafe { std::env::set_var(name, value) }
}

fn clear() {
    for name in VARS {
        // SAFETY: as in `set`.
        unsafe { std::env::remove_var(name) }
    }
}

#[tokio::test]
async fn from_env_reads_the_three_variables_and_requires_only_the_token() {
    let tallyfy = TestTallyfy::start().await.unwrap();
    let fake = tallyfy.fake();

    clear();
    set("TALLYFY_ACCESS_TOKEN", fake.token());
    set("TALLYFY_ORG_ID", fake.org());
    set("TALLYFY_BASE_URL", &fake.base_url());
    let client = Client::from_env().unwrap();
    assert_eq!(
        (client.org_id(), client.base_url()),
        (Some(fake.org()), fake.base_url().as_str())
    );
    assert_eq!(client.member(1001).send().await.unwrap().id, 1001);
    let sent = fake.requests();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].has_authorization && sent[0].path.contains(fake.org()));

    // A wrong token from the environment is what the server sees: it is really read.
    set("TALLYFY_ACCESS_TOKEN", "not-the-token");
    let err = Client::from_env()
        .unwrap()
        .member(1001)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized, "{err:?}");

    // Setters override the environment.
    set("TALLYFY_ORG_ID", "0123456789abcdef0123456789abcdef");
    let client = tallyfy_ext::ClientBuilder::from_env()
        .access_token(fake.token())
        .org_id(fake.org())
        .build()
        .unwrap();
    assert_eq!(client.org_id(), Some(fake.org()));
    assert_eq!(client.member(1001).send().await.unwrap().id, 1001);

    // Only the token is required; the base URL defaults to Tallyfy's.
    clear();
    set("TALLYFY_ACCESS_TOKEN", "tok-from-env");
    let client = Client::from_env().unwrap();
    assert_eq!(
        (client.org_id(), client.base_url()),
        (None, "https://go.tallyfy.com/api")
    );

    clear();
    let err = Client::from_env().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("TALLYFY_ACCESS_TOKEN"), "{err}");
}
