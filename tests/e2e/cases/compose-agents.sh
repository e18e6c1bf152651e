#!/usr/bin/env bash
# A multi-agent compose project: two agents and a stand-in database on one
# network, a shared credentials mount, a shared writable folder and the
# Docker socket in one agent. The original and harden's output at each tier
# that changes it, with the compose tool of the machine.
set -uo pipefail
source "$E2E_ROOT/lib.sh"

src="$E2E_WORK/src"
mkdir -p "$src/shared" "$E2E_WORK/home/.aws"
printf '[default]\naws_access_key_id = AKIAE2EFAKEKEY\n' >"$E2E_WORK/home/.aws/credentials"
cat >"$src/compose.yaml" <<YAML
services:
  claude-agent:
    image: $E2E_IMAGE_BASE
    command: ["sh", "-c", "mkdir -p /srv && exec busybox httpd -f -p 8080 -h /srv"]
    volumes:
      - \${HOME}/.aws:/root/.aws
      - ./shared:/shared
      - /var/run/docker.sock:/var/run/docker.sock
    networks: [agents]
  codex-agent:
    image: $E2E_IMAGE_BASE
    command: ["sh", "-c", "mkdir -p /srv && exec busybox httpd -f -p 8080 -h /srv"]
    volumes:
      - \${HOME}/.aws:/root/.aws
      - ./shared:/shared
    networks: [agents]
  db:
    image: $E2E_IMAGE_BASE
    command: ["sh", "-c", "mkdir -p /srv && exec busybox httpd -f -p 5432 -h /srv"]
    networks: [agents]
networks:
  agents: {}
YAML
profile="$(e2e_case_profile)" || exit 1
export E2E_APPLY_ARGS="--profile $profile"
export HOME="$E2E_WORK/home"

for v in $(e2e_variants "$src"); do
  dir="$E2E_WORK/$v"
  project="${E2E_PREFIX}-$v"
  # One variant at a time: the previous one is stopped first.
  [ -n "${prev:-}" ] && (cd "$prev_dir" && e2e_compose -p "$prev" -f compose.yaml down -v --rmi local --remove-orphans >/dev/null 2>&1)
  prev="$project" prev_dir="$dir"
  e2e_cleanup_add sh -c "cd '$dir' && HOME='$HOME' docker-compose -p '$project' down -v --rmi local --remove-orphans"
  if ! e2e_compose_networks "$dir" "$dir/e2e-networks.yaml" compose.yaml; then
    e2e_fail "$v starts" "$(tail -n 3 "$dir/e2e-networks.yaml.err")"
    continue
  fi
  v_label="$v"
  if ! out="$(cd "$dir" && e2e_compose -p "$project" -f compose.yaml -f e2e-networks.yaml up -d 2>&1)"; then
    e2e_fail "$v_label starts" "$(printf '%s\n' "$out" | tail -n 3)"
    continue
  fi
  e2e_ok "$v_label starts"
  a="$(cd "$dir" && e2e_compose -p "$project" ps -q claude-agent)"
  in="$(e2e_verify_inside "$a" --workspace /shared --probe-blocked codex-agent:8080 --probe-allowed db:5432 --timeout 2)"
  outside="$(e2e_verify_outside "$a")"
  printf '%s\n' "$in" >"$E2E_WORK/$v-inside.json"
  printf '%s\n' "$outside" >"$E2E_WORK/$v-outside.json"
  tier="${v#t}"
  [ "$v" = orig ] && tier=0
  e2e_expect "$v agent reaches the database" "$in" egress.allowed:db:5432 green
  if [ "$tier" = 0 ]; then
    e2e_expect "orig docker socket visible (red)" "$in" docker.socket red
    e2e_expect "orig outside docker socket mounted (red)" "$outside" mount:/var/run/docker.sock red
    e2e_expect "orig credentials readable (red)" "$in" cred:/root/.aws/credentials red
    e2e_expect "orig memory limit red" "$in" limits.memory red
    e2e_expect "orig one agent reaches the other (red)" "$in" egress.blocked:codex-agent:8080 red
    continue
  fi
  e2e_expect "$v no docker socket" "$in" docker.socket green
  gaps="$("$HARDEN" verify --container "$a" --expect "$dir" --tier "${v#t}" --profile "$profile" --format json)"
  printf "%s\n" "$gaps" >"$E2E_WORK/$v-expect.json"
  e2e_expect "$v promised = in force (--expect)" "$gaps" expect. green amber
  e2e_expect "$v outside no docker socket" "$outside" docker.socket green
  e2e_expect "$v inside caps green" "$in" caps.bounding green
  e2e_expect "$v inside nnp green" "$in" nnp green
  for l in memory pids cpu; do
    e2e_expect "$v inside $l limit green" "$in" "limits.$l" green
  done
  if [ "$tier" -ge 2 ]; then
    # CP009 removes the credential mount: read-only, it could still be read.
    if [ "$(e2e_status "$outside" mount:/root/.aws)" = none ]; then
      e2e_ok "$v credential directory not mounted"
    else
      e2e_fail "$v credential directory not mounted" "mount:/root/.aws is $(e2e_status "$outside" mount:/root/.aws)"
    fi
    if [ "$(e2e_status "$in" cred:/root/.aws/credentials)" = none ]; then
      e2e_ok "$v no credential file visible"
    else
      e2e_fail "$v no credential file visible" "cred:/root/.aws/credentials is $(e2e_status "$in" cred:/root/.aws/credentials)"
    fi
    # CP010's fix is display-only: harden leaves the shared folder writable
    # and keeps reporting it.
    # shellcheck disable=SC2086
    report="$("$HARDEN" check --tier "$tier" $E2E_APPLY_ARGS "$dir" 2>/dev/null)"
    if grep -q CP010 <<<"$report"; then
      e2e_ok "$v shared writable folder still reported (CP010)"
    else
      e2e_fail "$v shared writable folder still reported (CP010)" "harden check does not report CP010"
    fi
  fi
  if [ "$tier" -ge 3 ]; then
    e2e_expect "$v one agent cannot reach the other" "$in" egress.blocked:codex-agent:8080 green
    ev="$(python3 -c 'import json,sys; print([c["evidence"] for c in json.load(sys.stdin)["checks"] if c["id"]=="seccomp.mode"][0])' <<<"$outside")"
    case "$ev" in
      custom*) e2e_ok "$v generated seccomp profile in force" ;;
      *) e2e_fail "$v generated seccomp profile in force" "$ev" ;;
    esac
  fi
done
e2e_apply_report
exit 0
