#!/usr/bin/env bash
# Benchmark: lay the shared corpus out as repository trees and time
# `harden check` and `harden diff` at tier 4 over all of it (release build).
# Uses hyperfine when installed (apt-get install hyperfine), else bash's time.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=../shared/corpus
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
# shellcheck source=benches/layout.sh
. benches/layout.sh
layout_corpus "$shared" "$tree" devcontainer-json compose dockerfile
cargo build --release -q -p harden
bin=$PWD/target/release/harden
echo "files: $(find "$tree" -type f | wc -l)"
cd "$tree"
if command -v hyperfine >/dev/null 2>&1; then
  hyperfine -N -w 1 -r 5 -i "$bin check --tier 4 ." "$bin diff --tier 4 ."
else
  for cmd in check diff; do
    echo "harden $cmd --tier 4:"
    time ("$bin" "$cmd" --tier 4 . >/dev/null 2>&1 || true)
  done
fi
