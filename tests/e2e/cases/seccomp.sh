#!/usr/bin/env bash
# Tier-3 seccomp on the real engine. harden hardens a dev container config
# (tiers 1-3); the container then runs with the hardened runArgs: the
# generated profile, --cap-drop=ALL and the capability allowlist. Checked:
# common development work still runs (pip from a local wheel in a venv, node
# worker threads, git, make with a C compile, python -m unittest), and a probe
# (seccomp/probe.c) gets EPERM for ptrace attach, unshare(CLONE_NEWUSER),
# keyctl, socket(AF_VSOCK), io_uring_setup and bpf, while the original config
# (Docker's default profile) lets through the ones Docker's default allows.
# Lines starting with `#` are measurements (the probe's answers, timings under
# Docker's default for comparison).
set -uo pipefail
# shellcheck source=/dev/null
. "$E2E_ROOT/lib.sh"

src="$E2E_ROOT/seccomp"
repo="$(cd "$E2E_ROOT/../.." && pwd)"
img="$E2E_IMAGE_DEV"
work="$E2E_WORK"
proj="$work/project"
out="$work/bin"
mkdir -p "$proj/.devcontainer" "$out"

docker image inspect "$img" >/dev/null 2>&1 || {
  echo "seccomp: image $img is missing" >&2
  exit 2
}

# The config a user starts from, and harden's tier-3 version of it.
printf '{\n  "name": "seccomp-e2e",\n  "image": "%s"\n}\n' "$img" >"$proj/.devcontainer/devcontainer.json"
# Docker refuses --cpus above the machine's CPU count: the limit follows it.
cpus="$(nproc 2>/dev/null || echo 1)"
[ "$cpus" -gt 4 ] && cpus=4
printf '[resources]\ncpus = "%s"\n' "$cpus" >"$work/profile.toml"
if ! "$HARDEN" apply --tier 3 --yes --unsafe-fixes --profile "$work/profile.toml" "$proj" >"$work/apply.log" 2>&1 \
  || [ ! -s "$proj/.devcontainer/seccomp.json" ]; then
  e2e_fail seccomp-harden-apply "harden apply wrote no seccomp.json: $(tail -n 3 "$work/apply.log" | tr '\n' ' ')"
  exit 0
fi
e2e_ok seccomp-harden-apply
again="$("$HARDEN" diff --tier 3 --profile "$work/profile.toml" "$proj" 2>&1)"
if [ -z "$again" ]; then
  e2e_ok seccomp-second-run-proposes-nothing
else
  e2e_fail seccomp-second-run-proposes-nothing "$(printf '%s' "$again" | head -n 5 | tr '\n' ' ')"
fi

# The hardened runArgs, securityOpt and capAdd as docker run options, with
# ${localWorkspaceFolder} resolved (read by the image's python3: the host may
# have none).
args_file="$work/runargs"
docker run --rm --name "$E2E_PREFIX-args" --network none -v "$proj:/p:ro" "$img" python3 -c '
import json, sys
config = json.load(open("/p/.devcontainer/devcontainer.json"))
args = list(config.get("runArgs", []))
args += ["--security-opt=" + o for o in config.get("securityOpt", [])]
args += ["--cap-add=" + c for c in config.get("capAdd", [])]
sys.stdout.write("".join(a + "\0" for a in args))
' >"$args_file" || {
  echo "seccomp: could not read runArgs" >&2
  exit 2
}
hardened=()
while IFS= read -r -d '' a; do
  hardened+=("${a//\$\{localWorkspaceFolder\}/$proj}")
done <"$args_file"
echo "# hardened runArgs: ${hardened[*]}"
if printf '%s\n' "${hardened[@]}" | grep -q '^--security-opt=seccomp='; then
  e2e_ok seccomp-runargs-load-the-profile
else
  e2e_fail seccomp-runargs-load-the-profile "no --security-opt=seccomp= in runArgs"
  exit 0
fi
# The same container with seccomp off: what the kernel alone answers.
hardened_unconfined=()
for a in "${hardened[@]}"; do
  case "$a" in
    --security-opt=seccomp=*) hardened_unconfined+=(--security-opt=seccomp=unconfined) ;;
    *) hardened_unconfined+=("$a") ;;
  esac
done

run_n=0
# in_container NAME DOCKER-RUN-OPTIONS... -- COMMAND...
in_container() {
  local name="$E2E_PREFIX-$1-$run_n"
  shift
  run_n=$((run_n + 1))
  local opts=()
  while [ "$1" != "--" ]; do
    opts+=("$1")
    shift
  done
  shift
  e2e_cleanup_add docker rm -f "$name"
  timeout 300 docker run --rm --name "$name" --network none \
    -v "$src:/src:ro" -v "$out:/out" "${opts[@]}" "$img" "$@"
}

now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }

# Development work under the hardened config.
for w in probe-build pip unittest node git make; do
  t0="$(now)"
  if in_container "work-$w" "${hardened[@]}" -- bash /src/workload.sh "$w" >"$work/$w.log" 2>&1; then
    e2e_ok "seccomp-hardened-$w ($(secs "$t0" "$(now)")s with the container's start)"
  else
    e2e_fail "seccomp-hardened-$w" "$(tail -n 3 "$work/$w.log" | tr '\n' ' ')"
  fi
done
# The same work under the original config, for comparison: a failure here is
# the workload's, not the profile's.
for w in pip unittest node git make; do
  t0="$(now)"
  if in_container "orig-$w" -- bash /src/workload.sh "$w" >"$work/orig-$w.log" 2>&1; then
    echo "# workload $w under Docker's default: $(secs "$t0" "$(now)")s (container start included)"
  else
    e2e_fail "seccomp-original-$w" "$(tail -n 3 "$work/orig-$w.log" | tr '\n' ' ')"
  fi
done
if [ ! -x "$out/probe" ]; then
  echo "seccomp: the probe did not compile" >&2
  exit 2
fi

# probe NAME OPTIONS...: the probe's lines in $work/probe-NAME.
probe() {
  local name="$1"
  shift
  in_container "probe-$name" "$@" -- /out/probe >"$work/probe-$name" 2>&1
  echo "# probe $name: $(tr '\n' ' ' <"$work/probe-$name")"
}
result() { awk -v c="$2" '$1 == c { print $2 }' "$work/probe-$1"; }

calls="ptrace_attach unshare_user keyctl socket_vsock io_uring_setup bpf"
probe kernel-original --security-opt seccomp=unconfined
probe docker-default
probe recorded-default --security-opt "seccomp=$repo/profiles/seccomp/docker-default.json"
probe kernel-hardened "${hardened_unconfined[@]}"
probe hardened "${hardened[@]}"

# Without seccomp no call gets EPERM, so EPERM below is the filter's answer.
for config in original hardened; do
  eperm=""
  for c in $calls; do
    r="$(result "kernel-$config" "$c")"
    [ -n "$r" ] && [ "$r" != EPERM ] || eperm="$eperm $c=${r:-none}"
  done
  if [ -z "$eperm" ]; then
    e2e_ok "seccomp-probe-reaches-the-kernel-$config"
  else
    e2e_fail "seccomp-probe-reaches-the-kernel-$config" "without seccomp:$eperm"
  fi
done

for c in $calls; do
  r="$(result hardened "$c")"
  if [ "$r" = EPERM ]; then
    e2e_ok "seccomp-hardened-refuses-$c"
  else
    e2e_fail "seccomp-hardened-refuses-$c" "got ${r:-no result}"
  fi
done

# What Docker's default answers: the recorded profile (moby's current
# default) allows ptrace on kernels from 4.8 and refuses the rest. The
# engine's built-in default depends on its version: AF_VSOCK sockets are
# refused from Docker 24.0 (moby 57b229012a), io_uring from 25.0 (moby
# 891241e7e7).
engine="$(docker version --format '{{.Server.Version}}' 2>/dev/null)"
major="${engine%%.*}"
case "$major" in '' | *[!0-9]*) major=0 ;; esac
expect() { # CONFIG CALL -> allowed|refused
  case "$1:$2" in
    *:ptrace_attach) echo allowed ;;
    docker-default:socket_vsock) [ "$major" -ge 24 ] && echo refused || echo allowed ;;
    docker-default:io_uring_setup) [ "$major" -ge 25 ] && echo refused || echo allowed ;;
    *) echo refused ;;
  esac
}
for config in docker-default recorded-default; do
  for c in $calls; do
    r="$(result "$config" "$c")"
    base="$(result kernel-original "$c")"
    if [ "$r" = EPERM ]; then got=refused; elif [ -n "$r" ] && [ "$r" = "$base" ]; then got=allowed; else got="${r:-no result}"; fi
    want="$(expect "$config" "$c")"
    if [ "$got" = "$want" ]; then
      e2e_ok "seccomp-$config-$c-$want"
    else
      e2e_fail "seccomp-$config-$c-$want" "got $got (engine $engine)"
    fi
  done
done
exit 0
