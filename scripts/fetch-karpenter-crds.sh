#!/usr/bin/env bash
# Fetches Karpenter's CRDs (NodePool, NodeClaim, EC2NodeClass) of a pinned release from the Go
# module proxy (no GitHub, no Helm repository), cached under a folder keyed by version so a second
# run is instant. The e2e test applies them to a real kube-apiserver and creates what
# KarpenterGvisorPool synthesizes with strict field validation.
#
# Prints one line per CRD: `name path` (nodepools, nodeclaims, ec2nodeclasses).
#
#   scripts/fetch-karpenter-crds.sh
#   KARPENTER_VERSION=v1.15.1 scripts/fetch-karpenter-crds.sh   # another release (no pinned sum)
#
# Source: the module github.com/aws/karpenter-provider-aws, pkg/apis/crds/. It ships its own
# karpenter.k8s.aws EC2NodeClass and copies of the karpenter.sh CRDs of the sigs.k8s.io/karpenter
# version it requires (v1.15.1 for v1.15.2), as its karpenter-crd Helm chart installs them.
#
# `go mod download` verifies the module's zip against the checksum database (sum.golang.org) and
# this script against the sum pinned below. It does not unpack it: every current Karpenter release
# declares a newer `go` line than many machines have, and the go command refuses to extract such a
# module (`requires go >= …`); the CRDs are plain YAML, so they are read from the verified zip.
set -euo pipefail

DEFAULT_VERSION=v1.15.2
# `go mod download -json github.com/aws/karpenter-provider-aws@v1.15.2` → "Sum".
DEFAULT_SUM='h1:RGw64PB2ROUHZIUhBqjO78l3zJ9YctnWeullrr4cxYI='
KARPENTER_VERSION="${KARPENTER_VERSION:-$DEFAULT_VERSION}"
MODULE=github.com/aws/karpenter-provider-aws
LOG_PREFIX=karpenter-crds
# shellcheck source=scripts/go-tools-env.sh
source "$(dirname "$0")/go-tools-env.sh"

dir="$TOOLS/karpenter-$KARPENTER_VERSION"
crds=(karpenter.sh_nodepools karpenter.sh_nodeclaims karpenter.k8s.aws_ec2nodeclasses)
names=(nodepools nodeclaims ec2nodeclasses)

need=0
for crd in "${crds[@]}"; do [ -s "$dir/$crd.yaml" ] || need=1; done
if [ "$need" = 1 ]; then
  command -v unzip >/dev/null || { echo "unzip is required: install it from your package manager (apt-get install unzip)" >&2; exit 1; }
  log "downloading $MODULE@$KARPENTER_VERSION from the Go module proxy ($(go env GOPROXY)); cached in $dir"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  # GOTOOLCHAIN=local: never download a newer Go toolchain for a module's `go` line.
  # Its exit status is not the verdict: the refusal to extract a module of a newer `go` line is an
  # error too, after the verified zip is in the module cache.
  json="$(cd "$work" && { GOTOOLCHAIN=local go mod download -json "$MODULE@$KARPENTER_VERSION" 2>&1 || :; })"
  field() { sed -n "s/^[[:space:]]*\"$1\": \"\(.*\)\",\{0,1\}\$/\1/p" <<<"$json" | head -n1; }
  zip="$(field Zip)"
  sum="$(field Sum)"
  if [ -z "$zip" ] || [ ! -s "$zip" ]; then
    echo "[$LOG_PREFIX] cannot download $MODULE@$KARPENTER_VERSION from the Go module proxy ($(go env GOPROXY)):" >&2
    echo "$json" >&2
    echo "[$LOG_PREFIX] check that proxy.golang.org is reachable from this machine (or set GOPROXY to a proxy that is)," >&2
    echo "[$LOG_PREFIX] and that $KARPENTER_VERSION exists: curl https://proxy.golang.org/$MODULE/@v/list" >&2
    exit 1
  fi
  if [ "$KARPENTER_VERSION" = "$DEFAULT_VERSION" ] && [ "$sum" != "$DEFAULT_SUM" ]; then
    echo "[$LOG_PREFIX] $MODULE@$KARPENTER_VERSION has sum '$sum', pinned '$DEFAULT_SUM': refusing it" >&2
    exit 1
  fi
  mkdir -p "$dir"
  for crd in "${crds[@]}"; do
    unzip -p "$zip" "$MODULE@$KARPENTER_VERSION/pkg/apis/crds/$crd.yaml" >"$dir/$crd.yaml.tmp.$$" || {
      echo "[$LOG_PREFIX] $zip has no pkg/apis/crds/$crd.yaml (has the layout changed in $KARPENTER_VERSION?)" >&2
      rm -f "$dir/$crd.yaml.tmp.$$"
      exit 1
    }
    mv "$dir/$crd.yaml.tmp.$$" "$dir/$crd.yaml"
  done
fi
for i in "${!crds[@]}"; do echo "${names[$i]} $dir/${crds[$i]}.yaml"; done
