#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| rhythm_fuzz::check("osv", rhythm_ingest::osv::parse, data));
