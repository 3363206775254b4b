#![no_main]
// `auto`: whatever the detector names must then parse or be refused with a located error.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let m = rhythm_ingest::tracker::TrackerMapping::default();
    if let Ok(format) = rhythm_ingest::format::detect(data, "fuzz") {
        if let Err(e) = rhythm_ingest::format::parse(format, data, &m) {
            rhythm_fuzz::check_any(|_| Err::<(), _>(e.clone()), data);
        }
    }
});
