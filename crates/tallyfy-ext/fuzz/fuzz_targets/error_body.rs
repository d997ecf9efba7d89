//! An error response: the first two bytes pick the status, the rest is the body.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let [hi, lo, body @ ..] = data {
        let status = 400 + u16::from_be_bytes([*hi, *lo]) % 200;
        tallyfy_ext::fuzzing::error_body(status, body);
    }
});
