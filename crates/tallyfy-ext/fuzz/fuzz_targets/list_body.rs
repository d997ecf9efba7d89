//! A list-members response body: decode, read pagination, read every include.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tallyfy_ext::fuzzing::list_body(data);
});
