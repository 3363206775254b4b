#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| rhythm_fuzz::check("cyclonedx", rhythm_ingest::cyclonedx::parse, data));
