//! Docker daemon.json rules (the file named with `--docker-daemon-config`).

mod userns_remap_missing;

use crate::RuleDef;

pub static RULES: &[&RuleDef] = &[&userns_remap_missing::RULE];
