//! The YAML front end alone: any bytes either parse or give a located
//! error; a panic inside the parser crate is caught and reported as a
//! parse error, so no panic may reach this target.
#![no_main]

use harden_core::Document;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
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
