#![no_main]
// GitHub issues, Jira JSON and Jira CSV with the default mapping.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let m = rhythm_ingest::tracker::TrackerMapping::default();
    rhythm_fuzz::check_any(|d| rhythm_ingest::tracker::github::parse(d, &m), data);
    rhythm_fuzz::check_any(|d| rhythm_ingest::tracker::jira::parse_json(d, &m), data);
    rhythm_fuzz::check_any(|d| rhythm_ingest::tracker::jira::parse_csv(d, &m), data);
});
