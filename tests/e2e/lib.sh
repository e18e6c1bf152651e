# shellcheck shell=bash
# Helpers for e2e cases; sourced by each tests/e2e/cases/*.sh.
# A case prints one line per check: `ok NAME`, `not ok NAME: reason`,
# `skip NAME: reason` or `xfail NAME: reason` (a known defect, counted as
# skipped and listed in docs/e2e.md).

: "${E2E_PREFIX:?run cases through tests/e2e/run}"
: "${E2E_WORK:?run cases through tests/e2e/run}"
: "${E2E_SUBNET:?run cases through tests/e2e/run}"

# Cleanups and the subnet counter live in files, so helpers also work in
# command substitutions ($(e2e_net ...)), which run in a subshell.
_e2e_cleanup_file="$E2E_WORK/.e2e-cleanup"
_e2e_subnet_file="$E2E_WORK/.e2e-subnets"
: >>"$_e2e_cleanup_file"

e2e_ok() { printf 'ok %s\n' "$1"; }

e2e_fail() {
  local name="$1"
  shift
  printf 'not ok %s: %s\n' "$name" "$(printf '%s' "$*" | tr '\n' ' ' | cut -c1-400)"
}

# A check that cannot run for a reason the suite allows; under CI a missing
# tool is a failure, not a skip.
e2e_skip() {
  local name="$1"
  shift
  printf 'skip %s: %s\n' "$name" "$*"
}

# A known defect: counted as skipped, listed in docs/e2e.md.
e2e_xfail() {
  local name="$1"
  shift
  printf 'xfail %s: %s\n' "$name" "$*"
}

# e2e_check NAME CMD...: ok when CMD exits 0, else not ok with its last output.
e2e_check() {
  local name="$1" out rc
  shift
  out="$("$@" 2>&1)"
  rc=$?
  if [ "$rc" -eq 0 ]; then
    e2e_ok "$name"
  else
    e2e_fail "$name" "exit $rc: $(printf '%s\n' "$out" | tail -n 3)"
  fi
  return 0
}

# e2e_check_fails NAME CMD...: ok when CMD fails (a refused action).
e2e_check_fails() {
  local name="$1" out rc
  shift
  out="$("$@" 2>&1)"
  rc=$?
  if [ "$rc" -ne 0 ]; then
    e2e_ok "$name"
  else
    e2e_fail "$name" "succeeded but must fail: $(printf '%s\n' "$out" | tail -n 3)"
  fi
  return 0
}

# e2e_cleanup_add CMD...: runs at exit, last added first. (A case that sets
# its own EXIT trap must call _e2e_run_cleanups from it.)
e2e_cleanup_add() {
  printf '%q ' "$@" >>"$_e2e_cleanup_file"
  printf '\n' >>"$_e2e_cleanup_file"
}

_e2e_run_cleanups() {
  local line
  if [ -f "$_e2e_cleanup_file" ]; then
    tac "$_e2e_cleanup_file" | while IFS= read -r line; do
      [ -n "$line" ] && eval "$line" >/dev/null 2>&1
    done
    : >"$_e2e_cleanup_file"
  fi
  e2e_remove_prefixed
}
trap _e2e_run_cleanups EXIT
trap 'exit 130' INT TERM

# The next /28 of E2E_SUBNET (16 per case): prints "SUBNET".
e2e_subnet() {
  local base="${E2E_SUBNET%.*}" n
  n="$(cat "$_e2e_subnet_file" 2>/dev/null || echo 0)"
  if [ "$n" -ge 16 ]; then
    echo "e2e_subnet: E2E_SUBNET $E2E_SUBNET is used up" >&2
    return 1
  fi
  echo $((n + 1)) >"$_e2e_subnet_file"
  printf '%s.%d/28\n' "$base" $((n * 16))
}

# e2e_net NAME [internal]: creates the network ${E2E_PREFIX}-NAME with a
# subnet from E2E_SUBNET (removed at exit) and prints its name.
e2e_net() {
  local name="${E2E_PREFIX}-$1" subnet
  subnet="$(e2e_subnet)" || return 1
  local args=(network create --subnet "$subnet" --label harden-e2e=1)
  [ "${2:-}" = internal ] && args+=(--internal)
  docker "${args[@]}" "$name" >/dev/null || return 1
  e2e_cleanup_add docker network rm "$name"
  printf '%s\n' "$subnet" >"$E2E_WORK/.net-$1"
  printf '%s\n' "$name"
}

# e2e_net_subnet NAME: the subnet e2e_net gave the network NAME.
e2e_net_subnet() { cat "$E2E_WORK/.net-$1"; }

# e2e_remove_prefixed: removes every container, network and volume whose name
# starts with E2E_PREFIX (compose projects included).
e2e_remove_prefixed() {
  local ids
  ids="$(docker ps -aq --filter "name=^${E2E_PREFIX}" 2>/dev/null)"
  [ -n "$ids" ] && docker rm -f $ids >/dev/null 2>&1
  ids="$(docker network ls -q --filter "name=^${E2E_PREFIX}" 2>/dev/null)"
  [ -n "$ids" ] && docker network rm $ids >/dev/null 2>&1
  ids="$(docker volume ls -q --filter "name=^${E2E_PREFIX}" 2>/dev/null)"
  [ -n "$ids" ] && docker volume rm -f $ids >/dev/null 2>&1
  return 0
}

# e2e_verify_inside CONTAINER [VERIFY-ARGS...]: copies $HARDEN (or the
# runner's stripped copy, $HARDEN_INSIDE) into the
# container and prints `harden verify --format json` run there as the
# container's user.
e2e_verify_inside() {
  local c="$1"
  shift
  docker cp "${HARDEN_INSIDE:-$HARDEN}" "$c:/tmp/harden-verify-bin" >/dev/null || return 2
  docker exec -u 0 "$c" chmod 0755 /tmp/harden-verify-bin >/dev/null 2>&1
  # E2E_EXEC_USER: the user the agent runs as (a dev container's remoteUser).
  docker exec ${E2E_EXEC_USER:+-u "$E2E_EXEC_USER"} "$c" /tmp/harden-verify-bin verify --format json "$@"
  return 0
}

# e2e_verify_outside CONTAINER: `harden verify --container` as JSON.
e2e_verify_outside() {
  "$HARDEN" verify --container "$1" --format json
  return 0
}

# e2e_status JSON ID: the status of check ID (exact id, else the worst of
# the checks whose id starts with ID), or `none`.
e2e_status() {
  python3 -c '
import json, sys
checks = json.loads(sys.argv[1])["checks"]
exact = [c["status"] for c in checks if c["id"] == sys.argv[2]]
pre = [c["status"] for c in checks if c["id"].startswith(sys.argv[2])]
order = {"green": 0, "amber": 1, "red": 2}
found = exact or pre
print(max(found, key=order.get) if found else "none")
' "$1" "$2" 2>/dev/null || echo invalid
}

# e2e_threat_status JSON THREAT: the worst status of a threat, or `none`.
e2e_threat_status() {
  python3 -c '
import json, sys
checks = json.loads(sys.argv[1])["checks"]
order = {"green": 0, "amber": 1, "red": 2}
found = [c["status"] for c in checks if c["threat"] == sys.argv[2]]
print(max(found, key=order.get) if found else "none")
' "$1" "$2" 2>/dev/null || echo invalid
}

# e2e_expect NAME JSON ID COLOUR...: ok when check ID has one of the colours.
e2e_expect() {
  local name="$1" json="$2" id="$3" got want
  shift 3
  got="$(e2e_status "$json" "$id")"
  for want in "$@"; do
    if [ "$got" = "$want" ]; then
      e2e_ok "$name"
      return 0
    fi
  done
  # The checks that are not as wanted come first.
  e2e_fail "$name" "$id is $got, expected $*: $(python3 -c '
import json, sys
checks = [c for c in json.loads(sys.argv[1])["checks"] if c["id"].startswith(sys.argv[2])]
checks.sort(key=lambda c: c["status"] in sys.argv[3:])
for c in checks: print(c["id"], c["status"], c["evidence"])
' "$json" "$id" "$@" 2>/dev/null | head -n 3)"
}

# e2e_variants SRC: copies the project SRC to $E2E_WORK/orig and, for each
# tier 1-4, to $E2E_WORK/tN with `harden apply --tier N --yes --unsafe-fixes`
# applied (plus E2E_APPLY_ARGS). Prints the variants to run: orig, then each
# tier whose output differs from the one before. A failed apply prints a
# `not ok` line.
e2e_variants() {
  local src="$1" prev="$E2E_WORK/orig" t out rc
  rm -rf "$E2E_WORK/orig"
  cp -a "$src" "$E2E_WORK/orig"
  echo orig
  for t in 1 2 3 4; do
    rm -rf "$E2E_WORK/t$t"
    cp -a "$E2E_WORK/orig" "$E2E_WORK/t$t"
    # shellcheck disable=SC2086
    out="$("$HARDEN" apply --tier "$t" --yes --unsafe-fixes ${E2E_APPLY_ARGS:-} "$E2E_WORK/t$t" 2>&1)"
    rc=$?
    if [ "$rc" -gt 1 ]; then
      # Reported by e2e_apply_report; what was written is still run.
      printf '%s\n' "$out" >"$E2E_WORK/apply-t$t.err"
    fi
    if diff -rq "$prev" "$E2E_WORK/t$t" >/dev/null 2>&1; then
      continue
    fi
    echo "t$t"
    prev="$E2E_WORK/t$t"
  done
}

# e2e_apply_report [PATTERN REASON]...: one line per tier whose `harden apply`
# exited 2: xfail with REASON when its output matches PATTERN (a known
# defect), else not ok.
e2e_apply_report() {
  local f t out pat reason matched
  for f in "$E2E_WORK"/apply-t*.err; do
    [ -f "$f" ] || continue
    t="${f##*/apply-}"
    t="${t%.err}"
    out="$(grep -v '^note:' "$f" | head -n 3)"
    matched=""
    local args=("$@") i
    for ((i = 0; i + 1 < ${#args[@]}; i += 2)); do
      pat="${args[$i]}" reason="${args[$((i + 1))]}"
      if grep -qE -- "$pat" "$f"; then
        e2e_xfail "$t apply succeeds" "$reason: $(grep -m1 -E -- "$pat" "$f" | cut -c1-200)"
        matched=1
        break
      fi
    done
    [ -n "$matched" ] || e2e_fail "$t apply succeeds" "$out"
  done
  return 0
}

# e2e_http_host NET NAME ALIAS [IP]: a test host on NET serving HTTP on
# port 80 (busybox httpd), reachable by ALIAS. Removed at exit.
e2e_http_host() {
  local net="$1" name="${E2E_PREFIX}-$2" alias="$3" ip="${4:-}"
  local args=(run -d --name "$name" --network "$net" --network-alias "$alias"
    --cap-drop ALL --cap-add NET_BIND_SERVICE --memory 64m --pids-limit 64)
  [ -n "$ip" ] && args+=(--ip "$ip")
  docker "${args[@]}" "$E2E_IMAGE_BASE" \
    sh -c 'mkdir -p /srv && echo harden-e2e >/srv/index.html && exec busybox httpd -f -p 80 -h /srv' >/dev/null || return 1
  e2e_cleanup_add docker rm -f "$name"
}

# e2e_dns_host NET NAME IP: a resolver (dnsmasq) at IP on NET that answers
# every name; stands for a resolver outside the allowlist. Removed at exit.
e2e_dns_host() {
  local net="$1" name="${E2E_PREFIX}-$2" ip="$3"
  docker run -d --name "$name" --network "$net" --ip "$ip" --memory 64m --pids-limit 64 \
    --cap-drop ALL --cap-add NET_BIND_SERVICE --cap-add SETUID --cap-add SETGID \
    "$E2E_IMAGE_BASE" dnsmasq -k --no-resolv --no-hosts --address=/#/192.0.2.1 >/dev/null || return 1
  e2e_cleanup_add docker rm -f "$name"
}

# e2e_ip_in SUBNET N: the Nth address of a subnet such as 172.30.5.16/28.
e2e_ip_in() {
  local net="${1%/*}"
  printf '%s.%d\n' "${net%.*}" $((${net##*.} + $2))
}

# The profile cases apply with: the built-in one, except cpus (Docker refuses
# --cpus above the host's CPU count: a known defect of DC001/CP001, checked on
# its own by e2e_default_cpus_starts) and the egress allowlist (the allowed
# test host only; the compose sidecar built from the suite's base image, as
# no registry is reachable). Prints the path.
e2e_case_profile() {
  local p="$E2E_WORK/profile.toml"
  cat >"$p" <<TOML
[resources]
cpus = "1"
[egress]
allow = ["allowed.e2e.test"]
sidecar_image = "$E2E_IMAGE_BASE"
TOML
  printf '%s\n' "$p"
}

# e2e_defect NAME OUTPUT PATTERN REASON: xfail when OUTPUT shows the known
# defect PATTERN, else not ok with OUTPUT.
e2e_defect() {
  if printf '%s\n' "$2" | grep -qE -- "$3"; then
    e2e_xfail "$1" "$4"
  else
    e2e_fail "$1" "$(printf '%s\n' "$2" | tail -n 3)"
  fi
}

# e2e_dc_up DIR CONTAINER: `devcontainer up` for the project DIR whose
# runArgs name the container CONTAINER; 0 when it runs afterwards. The CLI's
# output is in $E2E_WORK/up-CONTAINER.log.
e2e_dc_up() {
  local log="$E2E_WORK/up-$2.log" rc=0 image
  e2e_cleanup_add docker rm -f "$2"
  "$DEVCONTAINER" up --workspace-folder "$1" --log-level info >"$log" 2>&1 || rc=1
  # The images the CLI built for this folder (vsc-NAME-HASH, -uid, -features)
  # go with the container.
  image="$(docker inspect -f '{{.Config.Image}}' "$2" 2>/dev/null)"
  case "$image" in
    vsc-*)
      image="${image%:*}"
      image="${image%-uid}"
      image="${image%-features}"
      e2e_cleanup_add sh -c "docker rm -f '$2'; docker images --format '{{.Repository}}' | grep '^$image' | xargs -r docker rmi -f"
      ;;
  esac
  [ "$rc" = 0 ] || return 1
  docker inspect -f '{{.State.Running}}' "$2" 2>/dev/null | grep -q true
}

# e2e_dc_error CONTAINER: the lines of the up log that say why it failed.
e2e_dc_error() {
  grep -iE 'error|denied|failed|not permitted|refus' "$E2E_WORK/up-$1.log" | grep -v '^\s*at ' | tail -n 4 | cut -c1-300
}

# e2e_need_devcontainer CASE: exits the case when the CLI is missing (a
# failure under CI).
e2e_need_devcontainer() {
  [ -n "${DEVCONTAINER:-}" ] && return 0
  if [ -n "${CI:-}" ]; then
    e2e_fail "$1" "the Dev Containers CLI is not installed"
  else
    e2e_skip "$1" "the Dev Containers CLI is not installed"
  fi
  exit 0
}

# e2e_probe_args: the verify probes of a case that made the test hosts
# (allowed.e2e.test, blocked.e2e.test) and a resolver at $1.
e2e_probe_args() {
  printf '%s\n' --probe-allowed allowed.e2e.test:80 --probe-blocked blocked.e2e.test:80 \
    --dns-resolver "$1" --timeout 2
}

# e2e_hardened_checks V CONTAINER DIR INSIDE-JSON OUTSIDE-JSON: the colours
# every hardened variant (tier N = V without its `t`) must show.
e2e_hardened_checks() {
  local v="$1" name="$2" dir="$3" in="$4" outside="$5" tier="${1#t}" gaps ev
  e2e_expect "$v inside seccomp green" "$in" seccomp.mode green
  # E2E_NNP: `amber` where DC007 is shown only (a lifecycle command calls
  # sudo, which no-new-privileges would break): then it must not be set.
  e2e_expect "$v inside nnp ${E2E_NNP:-green}" "$in" nnp "${E2E_NNP:-green}"
  e2e_expect "$v outside nnp ${E2E_NNP:-green}" "$outside" nnp "${E2E_NNP:-green}"
  for l in memory pids cpu; do
    e2e_expect "$v inside $l limit green" "$in" "limits.$l" green
    e2e_expect "$v outside $l limit green" "$outside" "limits.$l" green
  done
  e2e_expect "$v no docker socket" "$in" docker.socket green
  e2e_expect "$v no credential file" "$in" credentials green
  if [ "$tier" -ge 3 ]; then
    ev="$(python3 -c 'import json,sys; print([c["evidence"] for c in json.load(sys.stdin)["checks"] if c["id"]=="seccomp.mode"][0])' <<<"$outside" 2>&1)"
    case "$ev" in
      custom*) e2e_ok "$v generated seccomp profile in force" ;;
      *) e2e_fail "$v generated seccomp profile in force" "$ev" ;;
    esac
  fi
  gaps="$("$HARDEN" verify --container "$name" --expect "$dir" --tier "$tier" --profile "$E2E_WORK/profile.toml" --format json)"
  printf '%s\n' "$gaps" >"$E2E_WORK/$v-expect.json"
  # The NET_ADMIN of an egress firewall (the project's own, or DC011's
  # feature) is kept on purpose and is no broken capability promise.
  e2e_expect "$v promised = in force (--expect)" "$gaps" expect. green amber
}

# The compose tool: `docker compose` when the plugin is there, else docker-compose.
e2e_compose() {
  if docker compose version >/dev/null 2>&1; then
    docker compose "$@"
  else
    docker-compose "$@"
  fi
}

# e2e_compose_networks DIR OUT FILE...: writes OUT, a compose override that
# gives every network of the project (and `default`) a subnet from
# E2E_SUBNET and makes it internal, so nothing of the project leaves the
# machine. Fails when the files do not parse for the compose tool.
e2e_compose_networks() {
  local dir="$1" out="$2" names n args=()
  shift 2
  for f in "$@"; do args+=(-f "$f"); done
  names="$(cd "$dir" && e2e_compose "${args[@]}" config 2>"$out.err" | python3 -c '
import sys, yaml
doc = yaml.safe_load(sys.stdin) or {}
nets = set((doc.get("networks") or {}).keys())
for svc in (doc.get("services") or {}).values():
    n = svc.get("networks")
    if not n:
        nets.add("default")
    else:
        nets.update(n.keys() if isinstance(n, dict) else n)
print("\n".join(sorted(nets)))
')" || return 1
  [ -n "$names" ] || return 1
  {
    echo "networks:"
    for n in $names; do
      printf '  %s:\n    internal: true\n    ipam:\n      config:\n        - subnet: %s\n' "$n" "$(e2e_subnet)"
    done
  } >"$out"
}
