//! The YAML front end alone: any bytes either parse or give a located
//! error; a panic inside the parser crate is caught and reported as a
//! parse error, so no panic may reach this target.
#![no_main]

use harden_core::Document;
use libfuzzer_sys::fuzz_target;

/// libFuzzer's hook aborts on every panic, caught or not; a panic the
/// front end contains is its designed path, any other still aborts.
fn abort_on_uncontained_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let fuzzer_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !harden_core::panic::panic_is_contained() {
                fuzzer_hook(info);
            }
        }));
    });
}

fuzz_target!(|data: &[u8]| {
    abort_on_uncontained_panics();
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match harden_yaml::YamlDoc::parse(text) {
        Ok(doc) => {
            let _ = doc.value();
        }
        Err(e) => assert!(e.pos.line >= 1 && !e.message.is_empty()),
    }
});
