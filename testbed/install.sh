#!/usr/bin/env bash
# Installs what the testbed needs and builds the v1.20.2 control plane once.
# The three binaries are cached outside the repository and reused on every later run.
set -euo pipefail
K8S_DEB_VERSION="1.20.5+really1.20.2-1.1+deb12u1"
CACHE="${KUBEDECK_TESTBED_CACHE:-$HOME/.cache/kubedeck/testbed/v1.20.2-reflect2}"
BINS="kube-apiserver kube-controller-manager kube-scheduler"

have_bins() { for b in $BINS; do [ -x "$CACHE/$b" ] || return 1; done; }

apt_ready=""
apt_update() { [ -n "$apt_ready" ] || { apt-get update -qq; apt_ready=1; }; }

need_pkgs=()
command -v etcd >/dev/null || need_pkgs+=(etcd-server)
command -v openssl >/dev/null || need_pkgs+=(openssl)
command -v kubectl >/dev/null || need_pkgs+=(kubernetes-client)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  apt_update
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi

if have_bins; then
  echo "testbed: control plane binaries cached in $CACHE"
  exit 0
fi

# Two test runs starting at once on a fresh machine build only once.
mkdir -p "$(dirname "$CACHE")"
exec 9>"$CACHE.lock"
flock 9
if have_bins; then
  echo "testbed: control plane binaries cached in $CACHE (built by a concurrent run)"
  exit 0
fi

echo "testbed: building kube-apiserver, kube-controller-manager, kube-scheduler v1.20.2 (first run only, ~5 min)"
if ! grep -qs 'bookworm-security' /etc/apt/sources.list.d/kubedeck-src.sources; then
  cat > /etc/apt/sources.list.d/kubedeck-src.sources <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  apt_ready=""
fi
apt_update
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go rsync dpkg-dev golang-github-modern-go-reflect2-dev >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/kubedeck-k8s-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
apt-get source --download-only "kubernetes=$K8S_DEB_VERSION" >/dev/null
orig=$(ls kubernetes_*.orig.tar.* | head -n1)
mkdir src
tar -xf "$orig" -C src --strip-components=1
cd src
# Kubernetes 1.20 vendors reflect2 v1.0.1, whose map iteration reads Go's runtime internals as they were before
# Go 1.18: built with Debian's Go 1.19, the API server dies (SIGSEGV, "fatal error: fault") on the first custom
# resource it encodes. reflect2 v1.0.2 (Debian's package) is the upstream fix, with the same API; vendored code is
# not checked against go.sum, so its files replace the old ones in place.
rsync -a --delete --exclude '*_test.go' /usr/share/gocode/src/github.com/modern-go/reflect2/ vendor/github.com/modern-go/reflect2/
make WHAT="cmd/kube-apiserver cmd/kube-controller-manager cmd/kube-scheduler" >build.log 2>&1 || { tail -40 build.log; exit 1; }
mkdir -p "$CACHE"
for b in $BINS; do cp "_output/bin/$b" "$CACHE/$b"; done
echo "testbed: built into $CACHE"
