#!/usr/bin/env bash
# Builds kube-apiserver and kube-controller-manager of the target Kubernetes minor and a compatible
# etcd from the Go module proxy (no GitHub, no container registry), cached under a folder keyed by
# version so a second run is instant. Prints the three binary paths: etcd, kube-apiserver,
# kube-controller-manager.
#
#   scripts/build-control-plane.sh            # builds or reuses ~/.cache/eval-sandbox/tools/…
#   EVAL_SANDBOX_TOOLS=/somewhere scripts/build-control-plane.sh
#
# `go install k8s.io/kubernetes/cmd/kube-apiserver@…` is refused because k8s.io/kubernetes replaces
# its staging modules with local paths; a throwaway module that requires k8s.io/kubernetes and
# replaces each staging module with its published v0.X.Y builds the same binary.
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-v1.35.4}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.16}"
LOG_PREFIX=control-plane
# shellcheck source=scripts/go-tools-env.sh
source "$(dirname "$0")/go-tools-env.sh"

build_kubernetes() {
  local dir="$TOOLS/kubernetes-$K8S_VERSION"
  if [ -x "$dir/kube-apiserver" ] && [ -x "$dir/kube-controller-manager" ]; then
    echo "$dir/kube-apiserver"
    echo "$dir/kube-controller-manager"
    return
  fi
  local staging="v0.${K8S_VERSION#v1.}"
  local work; work="$(mktemp -d)"
  log "building kube-apiserver and kube-controller-manager $K8S_VERSION (staging modules $staging) in $work; this takes several minutes once"
  (
    cd "$work"
    go mod init eval-sandbox.local/kube-apiserver >/dev/null 2>&1
    local mod; mod="$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')"
    go mod edit -require="k8s.io/kubernetes@$K8S_VERSION"
    # Every `k8s.io/x => ./staging/src/k8s.io/x` of k8s.io/kubernetes becomes `k8s.io/x => k8s.io/x v0.X.Y`.
    sed -n 's#^[[:space:]]*\(k8s.io/[^ ]*\) => ./staging/src/.*#\1#p' "$mod" | while read -r m; do
      go mod edit -replace="$m=$m@$staging"
    done
    # The same pins of other modules as k8s.io/kubernetes itself, via its go.mod requirements.
    go get "k8s.io/kubernetes/cmd/kube-apiserver@$K8S_VERSION" >&2
    local pkg=k8s.io/component-base/version
    local flags="-s -w -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=${K8S_VERSION#v1.}
      -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z
      -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION"
    mkdir -p "$dir"
    for cmd in kube-apiserver kube-controller-manager; do
      log "go build $cmd"
      go build -trimpath -o "$cmd" -ldflags "$flags" "k8s.io/kubernetes/cmd/$cmd" >&2
      mv "$cmd" "$dir/$cmd.tmp.$$" && mv "$dir/$cmd.tmp.$$" "$dir/$cmd"
    done
  )
  rm -rf "$work"
  echo "$dir/kube-apiserver"
  echo "$dir/kube-controller-manager"
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
