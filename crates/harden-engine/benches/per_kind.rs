//! Per document type: parse, check (rules and verification of every proposed
//! fix) and diff (fixes applied to a fix point, each pass verified), in bytes
//! per second over files from the repository's examples and fixtures.
//!
//! `cargo bench -p harden-engine --bench per_kind`

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use harden_core::{FileKind, Tier};
use harden_engine::{parse_value, process_text, Decision, Settings};
use harden_profile::Profile;

const INPUTS: &[(&str, FileKind, &str)] = &[
    (
        "devcontainer",
        FileKind::Devcontainer,
        "examples/insecure-devcontainer/.devcontainer/devcontainer.json",
    ),
    (
        "compose",
        FileKind::Compose,
        "examples/multi-agent/.devcontainer/docker-compose.yml",
    ),
    (
        "dockerfile",
        FileKind::Dockerfile,
        "tests/fixtures/dockerfile/all_agent_devcontainer.Dockerfile",
    ),
    (
        "claude-settings",
        FileKind::ClaudeSettings,
        "tests/fixtures/claude/all_bypass_and_hooks.json",
    ),
    (
        "codex-toml",
        FileKind::CodexConfig,
        "tests/fixtures/codex/all_dotfiles.toml",
    ),
    (
        "hermes",
        FileKind::HermesConfig,
        "tests/fixtures/hermes/all_dotfiles_local.yaml",
    ),
];

fn per_kind(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let settings = Settings::new(Profile::builtin(), Tier::new(4).expect("tier 4"));
    for (name, kind, rel) in INPUTS {
        let text = std::fs::read_to_string(root.join(rel)).expect("the input exists");
        let display = Path::new(rel).file_name().unwrap().to_string_lossy();
        let mut group = c.benchmark_group(*name);
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function("parse", |b| {
            b.iter(|| parse_value(*kind, &text).expect("parses"))
        });
        group.bench_function("check", |b| {
            b.iter(|| {
                process_text(&display, *kind, &text, &settings, &mut |_, _, _| {
                    Decision::Skip
                })
                .expect("checks")
            })
        });
        group.bench_function("diff", |b| {
            b.iter(|| {
                process_text(&display, *kind, &text, &settings, &mut |_, _, _| {
                    Decision::Apply
                })
                .expect("fixes")
            })
        });
        group.finish();
    }
}

criterion_group!(benches, per_kind);
criterion_main!(benches);
