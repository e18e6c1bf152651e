#!/usr/bin/env bash
# Development work run inside the container under test: workload.sh NAME.
# /src is this directory (read-only), /out is writable and kept.
set -euo pipefail
w="$(mktemp -d)"
cd "$w"
case "$1" in
  pip)
    python3 /src/make_wheel.py "$w/dist" >/dev/null
    python3 -m venv "$w/venv"
    "$w/venv/bin/pip" install --no-index --no-cache-dir -q "$w/dist/hardendemo-0.1-py3-none-any.whl"
    "$w/venv/bin/python" -c 'import hardendemo; assert hardendemo.add(1, 2) == 3'
    ;;
  unittest)
    python3 /src/make_wheel.py "$w/dist" >/dev/null
    python3 -m venv "$w/venv"
    "$w/venv/bin/pip" install --no-index --no-cache-dir -q "$w/dist/hardendemo-0.1-py3-none-any.whl"
    cp /src/test_hardendemo.py .
    "$w/venv/bin/python" -m unittest -q test_hardendemo
    ;;
  node)
    node /src/workers.js
    ;;
  git)
    git init -q repo
    cd repo
    echo one >a.txt
    git add a.txt
    git -c user.name=e2e -c user.email=e2e@example.invalid commit -q -m one
    echo two >>a.txt
    git -c user.name=e2e -c user.email=e2e@example.invalid commit -q -am two
    test "$(git log --format=%s | tr '\n' ' ')" = "two one "
    git log --oneline >/dev/null
    ;;
  make)
    cp /src/Makefile /src/hello.c .
    make -s check
    ;;
  probe-build)
    gcc -O2 -Wall -Werror -o /out/probe /src/probe.c
    ;;
  *)
    echo "unknown workload $1" >&2
    exit 2
    ;;
esac
