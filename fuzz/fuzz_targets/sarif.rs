#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| rhythm_fuzz::check("sarif", rhythm_ingest::sarif::parse, data));
