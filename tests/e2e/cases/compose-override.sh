#!/usr/bin/env bash
# Base + override compose files: the insecure settings are in the override,
# the service in the base. The original and harden's output at each tier
# that changes it, started with both files.
set -uo pipefail
source "$E2E_ROOT/lib.sh"

src="$E2E_WORK/src"
mkdir -p "$src"
cat >"$src/docker-compose.yml" <<YAML
services:
  agent:
    image: $E2E_IMAGE_BASE
    command: ["sleep", "infinity"]
    networks: [app]
  web:
    image: $E2E_IMAGE_BASE
    command: ["sh", "-c", "mkdir -p /srv && exec busybox httpd -f -p 8080 -h /srv"]
    networks: [app]
networks:
  app: {}
YAML
cat >"$src/docker-compose.override.yml" <<'YAML'
# Local development settings.
services:
  agent:
    cap_add: [SYS_ADMIN, NET_ADMIN]
    security_opt:
      - seccomp:unconfined
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock
YAML
profile="$(e2e_case_profile)" || exit 1
export E2E_APPLY_ARGS="--profile $profile"
files=(docker-compose.yml docker-compose.override.yml)

for v in $(e2e_variants "$src"); do
  dir="$E2E_WORK/$v"
  project="${E2E_PREFIX}-$v"
  # One variant at a time: the previous one is stopped first.
  [ -n "${prev:-}" ] && (cd "$prev_dir" && e2e_compose -p "$prev" -f docker-compose.yml -f docker-compose.override.yml down -v --rmi local --remove-orphans >/dev/null 2>&1)
  prev="$project" prev_dir="$dir"
  e2e_cleanup_add sh -c "cd '$dir' && docker-compose -p '$project' -f docker-compose.yml -f docker-compose.override.yml down -v --rmi local --remove-orphans"
  v_label="$v"
  if ! e2e_compose_networks "$dir" "$dir/e2e-networks.yaml" "${files[@]}"; then
    e2e_fail "$v starts" "$(tail -n 3 "$dir/e2e-networks.yaml.err")"
    continue
  fi
  if ! out="$(cd "$dir" && e2e_compose -p "$project" -f docker-compose.yml -f docker-compose.override.yml -f e2e-networks.yaml up -d 2>&1)"; then
    e2e_fail "$v_label starts" "$(printf '%s\n' "$out" | tail -n 3)"
    continue
  fi
  e2e_ok "$v_label starts"
  a="$(cd "$dir" && e2e_compose -p "$project" -f docker-compose.yml -f docker-compose.override.yml ps -q agent)"
  in="$(e2e_verify_inside "$a" --probe-allowed web:8080 --timeout 2)"
  outside="$(e2e_verify_outside "$a")"
  printf '%s\n' "$in" >"$E2E_WORK/$v-inside.json"
  printf '%s\n' "$outside" >"$E2E_WORK/$v-outside.json"
  if [ "$v" = orig ]; then
    e2e_expect "orig caps from the override (red)" "$in" caps.bounding red
    e2e_expect "orig seccomp off by the override (red)" "$in" seccomp.mode red
    e2e_expect "orig docker socket from the override (red)" "$outside" mount:/var/run/docker.sock red
    e2e_expect "orig memory limit red" "$outside" limits.memory red
    continue
  fi
  e2e_expect "$v reaches the web service" "$in" egress.allowed:web:8080 green
  gaps="$("$HARDEN" verify --container "$a" --expect "$dir" --tier "${v#t}" --profile "$profile" --format json)"
  printf "%s\n" "$gaps" >"$E2E_WORK/$v-expect.json"
  e2e_expect "$v promised = in force (--expect)" "$gaps" expect. green amber
  e2e_expect "$v inside caps green" "$in" caps.bounding green
  e2e_expect "$v outside caps green" "$outside" caps.bounding green
  e2e_expect "$v inside seccomp green" "$in" seccomp.mode green
  e2e_expect "$v no docker socket" "$in" docker.socket green
  e2e_expect "$v outside nnp green" "$outside" nnp green
  for l in memory pids cpu; do
    e2e_expect "$v outside $l limit green" "$outside" "limits.$l" green
  done
done
e2e_apply_report
exit 0
