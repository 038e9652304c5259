#!/usr/bin/env bash
# Builds what the local worker node runs besides containerd and gVisor (scripts/build-node-tools.sh),
# from the Go module proxy, cached under a folder keyed by version so a second run is instant.
# `eval-sandbox local up --node` and the node tests use them; see docs/local-node.md.
#
#   kubelet, kube-proxy, kube-scheduler   Kubernetes, the same version as the control plane
#   cni                                   a folder with the bridge, host-local, loopback and portmap plugins
#   kube-router                           only its NetworkPolicy controller runs (ADR 0005)
#   coredns                               cluster DNS, run as a pod from an image the node builds
#   containerd-shim-runc-v2               containerd's runc shim (runc itself is the distribution's)
#   ctr                                   containerd's client, to import the node's images
#   coredns-image                         an OCI archive of CoreDNS, and its reference by digest
#
# Prints one line per tool: `name path`. System packages the node also needs (iptables, ipset,
# conntrack, runc) come from the distribution: see .ci/run.
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-v1.35.4}"
CNI_PLUGINS_VERSION="${CNI_PLUGINS_VERSION:-v1.9.1}"
KUBE_ROUTER_VERSION="${KUBE_ROUTER_VERSION:-v2.1.0}"
COREDNS_VERSION="${COREDNS_VERSION:-v1.14.7}"
CONTAINERD_VERSION="${CONTAINERD_VERSION:-v2.4.2}"
LOG_PREFIX=local-node
# shellcheck source=scripts/go-tools-env.sh
source "$(dirname "$0")/go-tools-env.sh"

# build DIR PACKAGE@VERSION: go install into DIR unless its binary is already there; prints the path.
build() {
  local dir="$1" pkg="$2" out
  out="$(basename "${pkg%@*}")"
  if [ ! -x "$dir/$out" ]; then
    log "building $pkg (once; cached in $dir)"
    local work; work="$(mktemp -d)"
    GOBIN="$work" go install -trimpath -ldflags "-s -w" "$pkg" >&2
    mkdir -p "$dir"
    mv "$work/$out" "$dir/$out.tmp.$$" && mv "$dir/$out.tmp.$$" "$dir/$out"
    rm -rf "$work"
  fi
  echo "$dir/$out"
}

mapfile -t k8s < <(build_kubernetes_commands "$K8S_VERSION" kubelet kube-proxy kube-scheduler)
echo "kubelet ${k8s[0]}"
echo "kube-proxy ${k8s[1]}"
echo "kube-scheduler ${k8s[2]}"

cni="$TOOLS/cni-plugins-$CNI_PLUGINS_VERSION"
for plugin in main/bridge main/loopback ipam/host-local meta/portmap; do
  build "$cni" "github.com/containernetworking/plugins/plugins/$plugin@$CNI_PLUGINS_VERSION" >/dev/null
done
echo "cni $cni"
echo "kube-router $(build "$TOOLS/kube-router-$KUBE_ROUTER_VERSION" "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router@$KUBE_ROUTER_VERSION")"
coredns="$(build "$TOOLS/coredns-$COREDNS_VERSION" "github.com/coredns/coredns@$COREDNS_VERSION")"
echo "ctr $(build "$TOOLS/containerd-$CONTAINERD_VERSION" "github.com/containerd/containerd/v2/cmd/ctr@$CONTAINERD_VERSION")"
echo "containerd-shim-runc-v2 $(build "$TOOLS/containerd-$CONTAINERD_VERSION" "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2@$CONTAINERD_VERSION")"

# CoreDNS runs as a pod, so it needs an image: the binary above in a reproducible OCI archive, made
# by the project's own image builder (images/ocibuild).
image="$TOOLS/coredns-$COREDNS_VERSION/image"
if [ ! -f "$image/coredns.digest" ]; then
  log "packing CoreDNS into an OCI archive"
  work="$(mktemp -d)"
  (cd "$(dirname "$0")/../images" && go build -trimpath -o "$work/ocibuild" ./ocibuild)
  mkdir -p "$image"
  "$work/ocibuild" --out "$image/coredns.tar" --name "localhost/eval-sandbox/coredns:$COREDNS_VERSION" \
    --entrypoint /coredns --file "$coredns:/coredns:0555" >"$work/digest"
  mv "$work/digest" "$image/coredns.digest"
  rm -rf "$work"
fi
echo "coredns-image $image/coredns.tar localhost/eval-sandbox/coredns@$(cat "$image/coredns.digest")"
