#!/usr/bin/env bash
# A Dockerfile-mode dev container whose image ends with a non-root USER that
# has passwordless sudo, started with `devcontainer up`: the original and
# harden's output at each tier that changes it.
set -uo pipefail
source "$E2E_ROOT/lib.sh"
e2e_need_devcontainer dc-dockerfile

net="$(e2e_net net internal)" || exit 1
dns_ip="$(e2e_ip_in "$(e2e_net_subnet net)" 10)"
e2e_http_host "$net" allowed allowed.e2e.test || exit 1
e2e_http_host "$net" blocked blocked.e2e.test || exit 1
e2e_dns_host "$net" dns "$dns_ip" || exit 1

src="$E2E_WORK/src"
mkdir -p "$src/.devcontainer"
cat >"$src/.devcontainer/Dockerfile" <<DOCKERFILE
FROM $E2E_IMAGE_BASE
RUN useradd -m -u 1000 -s /bin/bash agent \\
 && echo 'agent ALL=(ALL) NOPASSWD: ALL' >/etc/sudoers.d/agent \\
 && chmod 0440 /etc/sudoers.d/agent
USER agent
DOCKERFILE
cat >"$src/.devcontainer/devcontainer.json" <<JSON
{
  "name": "dockerfile-mode",
  "build": {"dockerfile": "Dockerfile"},
  "runArgs": ["--network", "$net", "--name", "CONTAINER"],
  "overrideCommand": true
}
JSON
profile="$(e2e_case_profile)" || exit 1
export E2E_APPLY_ARGS="--profile $profile"
# The agent runs as the image's user; from tier 4 the container itself runs
# as root (DC011's entrypoint) and `agent` is the remoteUser.
export E2E_EXEC_USER=agent

for v in $(e2e_variants "$src"); do
  dir="$E2E_WORK/$v"
  name="${E2E_PREFIX}-$v"
  # One variant at a time: the previous one is stopped first.
  [ -n "${prev:-}" ] && docker rm -f "$prev" >/dev/null 2>&1
  prev="$name"
  sed -i "s/CONTAINER/$name/" "$dir/.devcontainer/devcontainer.json"
  if ! e2e_dc_up "$dir" "$name"; then
    e2e_fail "$v starts" "$(e2e_dc_error "$name")"
    continue
  fi
  e2e_ok "$v starts"
  mapfile -t probes < <(e2e_probe_args "$dns_ip")
  in="$(e2e_verify_inside "$name" --workspace "/workspaces/$v" "${probes[@]}")"
  outside="$(e2e_verify_outside "$name")"
  printf '%s\n' "$in" >"$E2E_WORK/$v-inside.json"
  printf '%s\n' "$outside" >"$E2E_WORK/$v-outside.json"
  e2e_expect "$v runs as the image's user" "$in" user.root green
  if [ "$v" = orig ]; then
    e2e_expect "orig passwordless sudo (red)" "$in" user.sudo red
    e2e_expect "orig inside nnp amber" "$in" nnp amber
    e2e_expect "orig inside memory limit red" "$in" limits.memory red
    # Docker's default set holds NET_RAW, on the profile's dangerous list.
    e2e_expect "orig outside caps red" "$outside" caps.bounding red
    e2e_check "orig agent becomes root with sudo" docker exec -u agent "$name" sudo -n true
    continue
  fi
  e2e_hardened_checks "$v" "$name" "$dir" "$in" "$outside"
  e2e_expect "$v no passwordless sudo" "$in" user.sudo green
  e2e_check_fails "$v agent cannot become root with sudo" docker exec -u agent "$name" sudo -n true
  if [ "${v#t}" -ge 4 ]; then
    if grep -q "the firewall did not load" "$E2E_WORK/up-$name.log"; then
      e2e_fail "$v egress firewall loads" "$(grep -m1 -iE 'permission denied|you must be root|did not load' "$E2E_WORK/up-$name.log" | cut -c1-160)"
    fi
    e2e_expect "$v allowed host reached by name" "$in" egress.allowed:allowed.e2e.test:80 green
    e2e_expect "$v blocked host refused" "$in" egress.blocked:blocked.e2e.test:80 green
    e2e_expect "$v foreign resolver unreachable" "$in" dns.resolver green
    e2e_check_fails "$v agent cannot flush the firewall" docker exec -u agent "$name" sh -c 'iptables -F || sudo -n iptables -F'
    e2e_check "$v the firewall is still in force afterwards" docker exec -u 0 "$name" iptables -C OUTPUT -j HARDEN_EGRESS
  else
    e2e_expect "$v inside caps green" "$in" caps.bounding green
    e2e_expect "$v outside caps green" "$outside" caps.bounding green
  fi
done
e2e_apply_report
exit 0
