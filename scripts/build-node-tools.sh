#!/usr/bin/env bash
# Builds the tools a gVisor node runs, from the Go module proxy (no GitHub, no container registry),
# cached under a folder keyed by version so a second run is instant. The node-bootstrap tests use
# them to check the user data with the real programs:
#
#   containerd      containerd 2 (`config dump` of the snippet merged into a containerd 2 config)
#   nodeadm         the AL2023 node agent (`config check` of the MIME user data)
#   runsc           gVisor (runs the install script and the runsc.toml flags in a real sandbox)
#   containerd-shim-runsc-v1
#
# Prints one line per tool: `name path`.
#
#   scripts/build-node-tools.sh
#   EVAL_SANDBOX_TOOLS=/somewhere scripts/build-node-tools.sh
#
# Versions: the proxy serves containerd releases, but only pseudo-versions of gVisor's `go` branch
# and a single 2024 pseudo-version of nodeadm; see docs/aws/gvisor-node-group.md.
set -euo pipefail

CONTAINERD_VERSION="${CONTAINERD_VERSION:-v2.4.2}"
NODEADM_VERSION="${NODEADM_VERSION:-v0.0.0-20240229193347-cfab22a10647}"
GVISOR_VERSION="${GVISOR_VERSION:-v0.0.0-20260905035102-160fafc42237}"
LOG_PREFIX=node-tools
# shellcheck source=scripts/go-tools-env.sh
source "$(dirname "$0")/go-tools-env.sh"

# build NAME DIR PACKAGE@VERSION [OUTPUT-NAME]: go install into DIR unless already there.
build() {
  local name="$1" dir="$2" pkg="$3" out="${4:-$1}"
  if [ ! -x "$dir/$out" ]; then
    log "building $pkg (once; cached in $dir)"
    local work; work="$(mktemp -d)"
    GOBIN="$work" go install -trimpath -ldflags "-s -w" "$pkg" >&2
    mkdir -p "$dir"
    mv "$work/$(basename "${pkg%@*}")" "$dir/$out.tmp.$$" && mv "$dir/$out.tmp.$$" "$dir/$out"
    rm -rf "$work"
  fi
  echo "$name $dir/$out"
}

build containerd "$TOOLS/containerd-$CONTAINERD_VERSION" \
  "github.com/containerd/containerd/v2/cmd/containerd@$CONTAINERD_VERSION"
build nodeadm "$TOOLS/nodeadm-$NODEADM_VERSION" \
  "github.com/awslabs/amazon-eks-ami/nodeadm/cmd/nodeadm@$NODEADM_VERSION"
build runsc "$TOOLS/gvisor-$GVISOR_VERSION" "gvisor.dev/gvisor/runsc@$GVISOR_VERSION"
build containerd-shim-runsc-v1 "$TOOLS/gvisor-$GVISOR_VERSION" \
  "gvisor.dev/gvisor/shim@$GVISOR_VERSION" containerd-shim-runsc-v1
# The NodeConfig schema nodeadm publishes (its CRD), from the same module version.
crd="$TOOLS/nodeadm-$NODEADM_VERSION/node.eks.aws_nodeconfigs.yaml"
if [ ! -f "$crd" ]; then
  src="$(go mod download -json "github.com/awslabs/amazon-eks-ami/nodeadm@$NODEADM_VERSION" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')"
  cp "$src/crds/node.eks.aws_nodeconfigs.yaml" "$crd.tmp.$$" && mv "$crd.tmp.$$" "$crd"
fi
echo "nodeconfig-crd $crd"
