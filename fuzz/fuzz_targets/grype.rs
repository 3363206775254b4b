#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| rhythm_fuzz::check("grype", rhythm_ingest::grype::parse, data));
