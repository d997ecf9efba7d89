use crate::args::tests::{parse, token};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    /// Whatever numbers the parser lets through, turning them into a client (timeouts,
    /// retries, base URL) happens before any request and never panics.
    #[test]
    fn a_parsed_argument_vector_makes_a_client_or_an_error(
        args in prop::collection::vec(token(), 0..8)
    ) {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        if let Ok(cli) = parse(&refs) {
            let _ = super::client(&cli.global, None);
        }
    }
}
