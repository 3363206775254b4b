#![no_main]
// Every register CSV importer on the same bytes.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    for kind in rhythm_ingest::csv::CsvKind::ALL {
        rhythm_fuzz::check_any(|d| rhythm_ingest::csv::parse(kind, d), data);
    }
});
