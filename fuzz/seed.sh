#!/usr/bin/env bash
# Seed the fuzz corpora from the shared corpus and the test fixtures.
set -euo pipefail
cd "$(dirname "$0")"
shared=../../shared/corpus
mkdir -p corpus/devcontainer corpus/compose corpus/dockerfile corpus/yaml_parse corpus/claude_settings \
  corpus/codex_config corpus/opencode corpus/hermes
tail -n +2 "$shared/MANIFEST.tsv" | while IFS=$'\t' read -r file _ _ _ kind _; do
  case "$kind" in
    devcontainer-json) cp "$shared/$file" "corpus/devcontainer/$(echo "$file" | tr '/@' '__')" ;;
    compose)
      cp "$shared/$file" "corpus/compose/$(echo "$file" | tr '/@' '__')"
      cp "$shared/$file" "corpus/yaml_parse/$(echo "$file" | tr '/@' '__')" ;;
    dockerfile) cp "$shared/$file" "corpus/dockerfile/$(echo "$file" | tr '/@' '__')" ;;
    claude-settings) cp "$shared/$file" "corpus/claude_settings/$(echo "$file" | tr '/@' '__')" ;;
    codex-toml) cp "$shared/$file" "corpus/codex_config/$(echo "$file" | tr '/@' '__')" ;;
  esac
done
cp ../tests/fixtures/devcontainer/* corpus/devcontainer/ 2>/dev/null || true
cp ../tests/fixtures/compose/* corpus/compose/ 2>/dev/null || true
cp ../tests/fixtures/compose/* corpus/yaml_parse/ 2>/dev/null || true
cp ../tests/fixtures/dockerfile/* corpus/dockerfile/ 2>/dev/null || true
cp ../tests/fixtures/claude/* corpus/claude_settings/ 2>/dev/null || true
cp ../tests/fixtures/codex/* corpus/codex_config/ 2>/dev/null || true
cp ../tests/fixtures/opencode/* corpus/opencode/ 2>/dev/null || true
cp ../tests/fixtures/hermes/* corpus/hermes/ 2>/dev/null || true
