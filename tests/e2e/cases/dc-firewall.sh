#!/usr/bin/env bash
# A dev container with its own egress firewall, like Anthropic's reference
# sandbox: NET_ADMIN, a sudoers rule for the firewall script only, and
# `postStartCommand: sudo init-firewall.sh`. The original and harden's output
# at each tier that changes it.
set -uo pipefail
source "$E2E_ROOT/lib.sh"
e2e_need_devcontainer dc-firewall

net="$(e2e_net net internal)" || exit 1
dns_ip="$(e2e_ip_in "$(e2e_net_subnet net)" 10)"
e2e_http_host "$net" allowed allowed.e2e.test || exit 1
e2e_http_host "$net" blocked blocked.e2e.test || exit 1
e2e_dns_host "$net" dns "$dns_ip" || exit 1

src="$E2E_WORK/src"
mkdir -p "$src/.devcontainer"
cat >"$src/.devcontainer/Dockerfile" <<DOCKERFILE
FROM $E2E_IMAGE_BASE
RUN useradd -m -u 1000 -s /bin/bash node
COPY init-firewall.sh /usr/local/bin/init-firewall.sh
RUN chmod 0755 /usr/local/bin/init-firewall.sh \\
 && echo 'node ALL=(root) NOPASSWD: /usr/local/bin/init-firewall.sh' >/etc/sudoers.d/node-firewall \\
 && chmod 0440 /etc/sudoers.d/node-firewall
USER node
DOCKERFILE
# The reference script's shape: keep Docker's DNS, allow the named hosts,
# drop the rest, and check both.
cat >"$src/.devcontainer/init-firewall.sh" <<'SCRIPT'
#!/bin/bash
set -euo pipefail
iptables -F OUTPUT
iptables -A OUTPUT -o lo -j ACCEPT
iptables -A OUTPUT -d 127.0.0.11 -p udp --dport 53 -j ACCEPT
iptables -A OUTPUT -d 127.0.0.11 -p tcp --dport 53 -j ACCEPT
iptables -A OUTPUT -m state --state ESTABLISHED,RELATED -j ACCEPT
for host in allowed.e2e.test; do
  for ip in $(getent ahostsv4 "$host" | awk '{print $1}' | sort -u); do
    iptables -A OUTPUT -d "$ip" -p tcp -j ACCEPT
  done
done
iptables -P OUTPUT DROP
if timeout 3 bash -c 'exec 3<>/dev/tcp/blocked.e2e.test/80' 2>/dev/null; then
  echo "firewall check failed: blocked.e2e.test is reachable" >&2
  exit 1
fi
echo "firewall loaded"
SCRIPT
cat >"$src/.devcontainer/devcontainer.json" <<JSON
{
  "name": "own-firewall",
  "build": {"dockerfile": "Dockerfile", "context": "."},
  "runArgs": ["--cap-add=NET_ADMIN", "--cap-add=NET_RAW", "--network", "$net", "--name", "CONTAINER"],
  "remoteUser": "node",
  "overrideCommand": true,
  "postStartCommand": "sudo /usr/local/bin/init-firewall.sh",
  "waitFor": "postStartCommand"
}
JSON
profile="$(e2e_case_profile)" || exit 1
export E2E_APPLY_ARGS="--profile $profile"

for v in $(e2e_variants "$src"); do
  dir="$E2E_WORK/$v"
  name="${E2E_PREFIX}-$v"
  # One variant at a time: the previous one is stopped first.
  [ -n "${prev:-}" ] && docker rm -f "$prev" >/dev/null 2>&1
  prev="$name"
  sed -i "s/CONTAINER/$name/" "$dir/.devcontainer/devcontainer.json"
  if e2e_dc_up "$dir" "$name"; then
    e2e_ok "$v starts"
  elif [ "$v" != orig ] && grep -q 'postStartCommand from devcontainer.json failed' "$E2E_WORK/up-$name.log"; then
    # A known defect: the hardened config stops the project's own firewall.
    why="$(grep -m1 -E 'no new privileges' "$E2E_WORK/up-$name.log" || grep -m1 -E 'you must be root|not permitted' "$E2E_WORK/up-$name.log")"
    why="$(printf '%s' "$why" | sed 's/^\[[0-9][0-9T:.-]*Z\] //' | cut -c1-160)"
    e2e_fail "$v starts" "postStartCommand 'sudo /usr/local/bin/init-firewall.sh' fails ($why): DC007 sets no-new-privileges and DC004 drops NET_ADMIN, which the project's firewall needs"
    docker inspect -f '{{.State.Running}}' "$name" 2>/dev/null | grep -q true || continue
  else
    e2e_fail "$v starts" "$(e2e_dc_error "$name")"
    continue
  fi
  mapfile -t probes < <(e2e_probe_args "$dns_ip")
  in="$(e2e_verify_inside "$name" --workspace "/workspaces/$v" "${probes[@]}")"
  outside="$(e2e_verify_outside "$name")"
  printf '%s\n' "$in" >"$E2E_WORK/$v-inside.json"
  printf '%s\n' "$outside" >"$E2E_WORK/$v-outside.json"
  loaded=0
  grep -q "firewall loaded" "$E2E_WORK/up-$name.log" && loaded=1
  e2e_check_fails "$v agent cannot flush the firewall" docker exec "$name" sh -c 'iptables -F OUTPUT || sudo -n iptables -F OUTPUT'
  e2e_expect "$v no passwordless sudo" "$in" user.sudo green
  if [ "$v" = orig ]; then
    if [ "$loaded" = 1 ]; then e2e_ok "orig firewall loaded"; else e2e_fail "orig firewall loaded" "$(e2e_dc_error "$name")"; fi
    e2e_expect "orig NET_ADMIN in the bounding set (red)" "$in" caps.bounding red
    e2e_expect "orig outside NET_ADMIN granted (red)" "$outside" caps.bounding red
    e2e_expect "orig inside memory limit red" "$in" limits.memory red
    e2e_expect "orig allowed host reached by name" "$in" egress.allowed:allowed.e2e.test:80 green
    e2e_expect "orig blocked host refused" "$in" egress.blocked:blocked.e2e.test:80 green
    e2e_expect "orig foreign resolver unreachable" "$in" dns.resolver green
    continue
  fi
  # The project's postStartCommand calls sudo: DC007 is shown, not written.
  E2E_NNP=amber e2e_hardened_checks "$v" "$name" "$dir" "$in" "$outside"
  # The project's own firewall needs NET_ADMIN and sudo; losing it loses
  # the egress protection the original had.
  if [ "$loaded" = 1 ] && [ "$(e2e_status "$in" egress.blocked)" = green ]; then
    e2e_ok "$v the project's firewall still loads"
  else
    e2e_fail "$v the project's firewall still loads" "lost with the postStartCommand above; the blocked test host is $(e2e_status "$in" egress.blocked) (reachable) afterwards"
  fi
done
e2e_apply_report
exit 0
