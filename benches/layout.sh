# shellcheck shell=bash
# Sourced by the benchmarks. layout_corpus CORPUS DEST KIND...: copies the
# files of the given MANIFEST.tsv kinds into DEST as repository trees
# (DEST/owner__name@commit/path).
layout_corpus() {
  local corpus=$1 dest=$2 file repo path commit kind target
  shift 2
  local kinds=" $* "
  tail -n +2 "$corpus/MANIFEST.tsv" | while IFS=$'\t' read -r file repo path commit kind _; do
    [[ $kinds == *" $kind "* ]] || continue
    target="$dest/${repo//\//__}@${commit:0:7}/$path"
    mkdir -p "$(dirname "$target")"
    cp "$corpus/$file" "$target"
  done
}
