#!/usr/bin/env bash
# What the container image (deploy/container/Containerfile) promises, checked without a container runtime: its
# binary is built the same way (glibc linked statically, the console embedded), and run in an otherwise empty root
# directory — no loader, no shared library, no shell — as user 65532, with that root mounted read-only and only the
# data directory writable, as `docker run --read-only -v ...:/var/lib/kubedeck` and the Kubernetes manifests run it.
# It starts on SQLite, its own `healthcheck` (the image's HEALTHCHECK) reports it ready, the console and a login
# answer, and with KUBEDECK_TESTBED_DIR set it imports the testbed (TLS to an API server from the static binary).
#   deploy/container/check-static.sh          (as root: chroot and mount; about as long as a release build)
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f web/dist/index.html ] || (cd web && npm run build >/dev/null)
RUSTFLAGS="-C target-feature=+crt-static" cargo build --release --locked -p kubedeck \
  --target x86_64-unknown-linux-gnu --target-dir target/static
bin=target/static/x86_64-unknown-linux-gnu/release/kubedeck
file -L "$bin"
file -L "$bin" | grep -q "static" || { echo "not a static binary" >&2; exit 1; }
echo "size: $(du -h "$bin" | cut -f1)"

root=$(mktemp -d /tmp/kd-image-root.XXXXXX)
data=$(mktemp -d /tmp/kd-image-data.XXXXXX)
srv=""
cleanup() {
  [ -n "$srv" ] && kill "$srv" 2>/dev/null
  wait 2>/dev/null
  umount -R "$root" 2>/dev/null || true
  for d in null zero random urandom; do umount "$root.dev/$d" 2>/dev/null || true; done
  rm -rf "$root" "$root.dev" "$data"
}
trap cleanup EXIT
# the image's files: the binary, a passwd and group entry, nsswitch; nothing else
mkdir -p "$root/etc" "$root/var/lib/kubedeck" "$root/dev" "$root/proc"
cp "$bin" "$root/kubedeck"
# as in an image's layers: the root and its files readable by everyone, the binary executable, nothing writable
chmod 0755 "$root" "$root/etc" "$root/var" "$root/var/lib" "$root/kubedeck"
echo 'kubedeck:x:65532:65532:Kubedeck:/var/lib/kubedeck:/sbin/nologin' >"$root/etc/passwd"
echo 'kubedeck:x:65532:' >"$root/etc/group"
printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n' >"$root/etc/hosts"
chmod 0644 "$root"/etc/*
chown 65532:65532 "$data"
# read-only root, writable data volume
mount --bind "$root" "$root"
mount -o remount,bind,ro "$root"
mount --bind "$data" "$root/var/lib/kubedeck"
# what every container runtime gives a container whatever its image: a minimal /dev and /proc (without /dev the
# binary stops at start: a dependency reads /dev/urandom)
mkdir -p "$root.dev"
for d in null zero random urandom; do touch "$root.dev/$d"; mount --bind "/dev/$d" "$root.dev/$d"; done
mount --rbind "$root.dev" "$root/dev" 2>/dev/null || { echo "the read-only root needs a /dev mount point" >&2; exit 1; }
mount -t proc proc "$root/proc"
echo "the root holds: $(cd "$root" && find . \( -path ./dev -o -path ./proc \) -prune -o -type f -print | sort | tr '\n' ' ') (and /dev and /proc, mounted)"
run() { chroot --userspec=65532:65532 "$root" "$@"; }

run /kubedeck version
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin KUBEDECK_ADMIN_PASSWORD=image-check-password KUBEDECK_DATA_DIR=/var/lib/kubedeck \
  KUBEDECK_LISTEN="127.0.0.1:$port" KUBEDECK_LOG_FORMAT=json \
  chroot --userspec=65532:65532 "$root" /kubedeck serve >"$data.log" 2>&1 &
srv=$!
# the HEALTHCHECK's command, resolving "localhost" through the root's /etc/hosts (static glibc)
for _ in $(seq 1 100); do run /kubedeck healthcheck --url "http://localhost:$port/readyz" >/dev/null 2>&1 && break; sleep 0.3; done
run /kubedeck healthcheck --url "http://localhost:$port/readyz"
if run /kubedeck healthcheck --url "http://localhost:1/readyz" 2>/dev/null; then echo "healthcheck passed for a dead port" >&2; exit 1; fi
echo "healthcheck of a dead port: exit 1 (as it should)"
curl -fsS "http://127.0.0.1:$port/" | grep -q '<div id="root">' && echo "console: served"
tok=$(curl -fsS "http://127.0.0.1:$port/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"username":"admin","password":"image-check-password"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["access_token"])')
echo "login: ok"
echo "the data volume holds: $(cd "$data" && find . -type f | sort | tr '\n' ' ')"
if touch "$root/written" 2>/dev/null; then echo "the root is writable" >&2; exit 1; fi
if [ -n "${KUBEDECK_TESTBED_DIR:-}" ]; then
  python3 -c 'import json,sys; print(json.dumps({"name":"image-check","credential":open(sys.argv[1]).read()}))' \
    "$KUBEDECK_TESTBED_DIR/admin.kubeconfig" >"$data.import.json"
  curl -fsS "http://127.0.0.1:$port/api/v1/k8s/cluster" -H "authorization: Bearer $tok" \
    -H 'content-type: application/json' -d @"$data.import.json" |
    python3 -c 'import sys,json; c=json.load(sys.stdin)["cluster"]; print("imported the testbed: status", c["status"], "version", c.get("version"))'
  rm -f "$data.import.json"
fi
rm -f "$data.log"
echo "the static binary runs as the image runs it"
