#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| rhythm_fuzz::check("trivy", rhythm_ingest::trivy::parse, data));
