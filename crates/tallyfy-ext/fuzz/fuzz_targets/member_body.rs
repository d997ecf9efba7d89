//! A get-member response body: decode and read every include.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tallyfy_ext::fuzzing::member_body(data);
});
