#!/usr/bin/env bash
# Seed the fuzz corpora from the shared corpus and the test fixtures.
set -euo pipefail
cd "$(dirname "$0")"
shared=../../shared/corpus
mkdir -p corpus/devcontainer corpus/compose corpus/dockerfile corpus/yaml_parse
tail -n +2 "$shared/MANIFEST.tsv" | while IFS=$'\t' read -r file _ _ _ kind _; do
  case "$kind" in
    devcontainer-json) cp "$shared/$file" "corpus/devcontainer/$(echo "$file" | tr '/@' '__')" ;;
    compose)
      cp "$shared/$file" "corpus/compose/$(echo "$file" | tr '/@' '__')"
      cp "$shared/$file" "corpus/yaml_parse/$(echo "$file" | tr '/@' '__')" ;;
    dockerfile) cp "$shared/$file" "corpus/dockerfile/$(echo "$file" | tr '/@' '__')" ;;
  esac
done
cp ../tests/fixtures/devcontainer/* corpus/devcontainer/ 2>/dev/null || true
cp ../tests/fixtures/compose/* corpus/compose/ 2>/dev/null || true
cp ../tests/fixtures/compose/* corpus/yaml_parse/ 2>/dev/null || true
cp ../tests/fixtures/dockerfile/* corpus/dockerfile/ 2>/dev/null || true
