#!/usr/bin/env bash
# Builds the suite's base images offline from Debian's packages: debootstrap with
# the machine's own apt source, then `docker import`. An image whose content key
# label matches is kept, so a rerun takes seconds.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
cache="${E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/harden-e2e}"
mkdir -p "$cache"

BASE_PACKAGES="bash,sudo,iptables,iproute2,ca-certificates,procps,dnsmasq-base,busybox"
DEV_PACKAGES="python3 python3-venv python3-pip nodejs git make gcc libc6-dev"
BASE_IMAGE="${E2E_IMAGE_BASE:-harden-e2e-base:latest}"
DEV_IMAGE="${E2E_IMAGE_DEV:-harden-e2e-dev:latest}"

# The first Debian source of this machine's apt configuration: "URI SUITE".
apt_source() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] || continue
    awk '
      /^[ \t]*$/ { if (uri != "" && suite != "" && types ~ /deb( |$)/) { print uri, suite; exit } uri=""; suite=""; types=""; next }
      /^Types:/ { types=$0 }
      /^URIs:/ { uri=$2 }
      /^Suites:/ { suite=$2 }
      END { if (uri != "" && suite != "" && types ~ /deb( |$)/) print uri, suite }
    ' "$f" | grep -v -- '-security' | head -n1
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -r "$f" ] || continue
    awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } print $i, $(i+1) }' "$f"
  done
}

source_line="$(apt_source | grep -v -- '-security' | grep -i debian | head -n1 || true)"
[ -n "$source_line" ] || source_line="$(apt_source | head -n1 || true)"
if [ -z "$source_line" ]; then
  echo "build.sh: no Debian apt source found in /etc/apt" >&2
  exit 2
fi
mirror="${source_line% *}"
suite="${source_line#* }"

key() {
  { cat "$here/build.sh"; echo "$suite"; echo "$*"; } | sha256sum | cut -c1-16
}
base_key="$(key "$BASE_PACKAGES")"
dev_key="$(key "$BASE_PACKAGES" "$DEV_PACKAGES")"

have() {
  [ "$(docker image inspect -f '{{index .Config.Labels "harden-e2e.key"}}' "$1" 2>/dev/null || true)" = "$2" ]
}

import() { # TARBALL IMAGE KEY
  docker import \
    --change "LABEL harden-e2e.key=$3" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/bash"]' \
    "$1" "$2" >/dev/null
}

pack() { # ROOTFS TARBALL
  rm -f "$1/etc/apt/sources.list"
  rm -rf "$1/var/lib/apt/lists/"* "$1/var/cache/apt/archives/"*.deb
  tar -C "$1" --numeric-owner -cf "$2.tmp" . && mv "$2.tmp" "$2"
}

work=""
cleanup() {
  if [ -n "$work" ]; then
    umount "$work/dev/rootfs/proc" 2>/dev/null || true
    rm -rf "$work"
  fi
}
trap cleanup EXIT

need_base=1 need_dev=1
have "$BASE_IMAGE" "$base_key" && need_base=0
have "$DEV_IMAGE" "$dev_key" && need_dev=0
[ "$need_base$need_dev" = "00" ] && exit 0

if [ "$need_base" = 1 ] && [ -s "$cache/base-$base_key.tar" ]; then
  import "$cache/base-$base_key.tar" "$BASE_IMAGE" "$base_key"; need_base=0
fi
if [ "$need_dev" = 1 ] && [ -s "$cache/dev-$dev_key.tar" ]; then
  import "$cache/dev-$dev_key.tar" "$DEV_IMAGE" "$dev_key"; need_dev=0
fi
[ "$need_base$need_dev" = "00" ] && exit 0

command -v debootstrap >/dev/null || {
  echo "build.sh: debootstrap is missing (apt-get install debootstrap)" >&2
  exit 2
}
work="$(mktemp -d "$cache/build.XXXXXX")"
echo "building base images from $suite (debootstrap; this takes a few minutes)" >&2
debootstrap --variant=minbase --include="$BASE_PACKAGES" "$suite" "$work/base" "$mirror" \
  >"$work/debootstrap.log" 2>&1 || {
  tail -n 30 "$work/debootstrap.log" >&2
  exit 2
}
# No service starts inside the image build; the image has no init.
printf 'LANG=C.UTF-8\n' >"$work/base/etc/default/locale"
mkdir -p "$work/dev"
cp -a "$work/base" "$work/dev/rootfs"
pack "$work/base" "$cache/base-$base_key.tar"
import "$cache/base-$base_key.tar" "$BASE_IMAGE" "$base_key"

rootfs="$work/dev/rootfs"
mount -t proc proc "$rootfs/proc"
printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
chmod +x "$rootfs/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
# shellcheck disable=SC2086
chroot "$rootfs" /usr/bin/env DEBIAN_FRONTEND=noninteractive sh -c \
  "apt-get update -q && apt-get install -y -q --no-install-recommends $DEV_PACKAGES" \
  >"$work/dev.log" 2>&1 || {
  tail -n 30 "$work/dev.log" >&2
  exit 2
}
umount "$rootfs/proc"
rm -f "$rootfs/usr/sbin/policy-rc.d"
: >"$rootfs/etc/resolv.conf"
pack "$rootfs" "$cache/dev-$dev_key.tar"
import "$cache/dev-$dev_key.tar" "$DEV_IMAGE" "$dev_key"
