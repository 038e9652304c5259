#!/usr/bin/env bash
# Builds kube-apiserver and kube-controller-manager of the target Kubernetes minor and a compatible
# etcd from the Go module proxy (no GitHub, no container registry), cached under a folder keyed by
# version so a second run is instant. Prints the binary paths, one per line: etcd, kube-apiserver,
# kube-controller-manager, kubectl (of the same version, for the tests that run what users run).
#
#   scripts/build-control-plane.sh            # builds or reuses ~/.cache/eval-sandbox/tools/…
#   EVAL_SANDBOX_TOOLS=/somewhere scripts/build-control-plane.sh
#
# The Kubernetes commands are built by build_kubernetes_commands (go-tools-env.sh).
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-v1.35.4}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.16}"
LOG_PREFIX=control-plane
# shellcheck source=scripts/go-tools-env.sh
source "$(dirname "$0")/go-tools-env.sh"

build_kubernetes() {
  build_kubernetes_commands "$K8S_VERSION" kube-apiserver kube-controller-manager kubectl
}

build_etcd() {
  local dir="$TOOLS/etcd-$ETCD_VERSION" bin
  bin="$dir/etcd"
  if [ -x "$bin" ]; then echo "$bin"; return; fi
  local work; work="$(mktemp -d)"
  log "building etcd $ETCD_VERSION in $work"
  (
    cd "$work"
    go mod init eval-sandbox.local/etcd >/dev/null 2>&1
    cat > main.go <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
    go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >&2
    go mod tidy >&2
    go build -trimpath -o etcd -ldflags "-s -w" . >&2
    mkdir -p "$dir"
    mv etcd "$bin.tmp.$$" && mv "$bin.tmp.$$" "$bin"
  )
  rm -rf "$work"
  echo "$bin"
}

build_etcd
build_kubernetes
