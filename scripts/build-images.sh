#!/usr/bin/env bash
# Builds the project's own images reproducibly (the same digest on every run and machine), from the
# Go sources in images/ and nothing else: no registry, no Docker. Cached under a folder keyed by the
# sources, so a second run is instant. Prints one line per artifact:
#
#   probe-image  <oci-archive> <repository>@<digest>   the conformance probe (user 65532, `check`)
#   pause-image  <oci-archive> <repository>:<tag>      the pod sandbox image
#   probe-binary <path>                                the static probe, for `probe serve` on a node
#
# Load an archive on a node with `ctr -n k8s.io images import --digests <archive>`.
#
#   scripts/build-images.sh
#   EVAL_SANDBOX_TOOLS=/somewhere scripts/build-images.sh
set -euo pipefail

# The toolchain is part of the digest: the Go module proxy serves this exact one where it is missing.
GO_TOOLCHAIN=go1.26.8
PAUSE_NAME=localhost/eval-sandbox/pause:1
PROBE_TAG=v1
LOG_PREFIX=images
root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=scripts/go-tools-env.sh
source "$(dirname "$0")/go-tools-env.sh"

probe_repo="$(sed -n "s/^export const PROBE_IMAGE_REPOSITORY = '\(.*\)';$/\1/p" \
  "$root/constructs/shared/probe-image.ts")"
[ -n "$probe_repo" ] || { echo "PROBE_IMAGE_REPOSITORY not found in constructs/shared/probe-image.ts" >&2; exit 1; }

# Everything that can change an output: the sources, this script, the repository name.
key="$(
  cd "$root"
  { find images -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
    sha256sum scripts/build-images.sh; echo "$probe_repo"; } | sha256sum | cut -c1-16
)"
out="$TOOLS/images/$key"

if [ ! -f "$out/done" ]; then
  log "building probe and pause images (once; cached in $out)"
  work="$(mktemp -d "$TOOLS/images.tmp.XXXXXX")"
  chmod 755 "$work"
  trap 'rm -rf "$work"' EXIT
  # Pinned so that nothing from the caller's environment reaches the binaries; -buildvcs=false
  # keeps the commit out of them, -buildid= and -trimpath the build machine.
  export GOTOOLCHAIN="$GO_TOOLCHAIN" GOOS=linux GOARCH=amd64 GOAMD64=v1 GOFLAGS=-buildvcs=false
  unset GOEXPERIMENT
  for cmd in probe pause ocibuild; do
    (cd "$root/images" && go build -trimpath -ldflags "-s -w -buildid=" -o "$work/$cmd" "./$cmd")
  done
  "$work/ocibuild" --out "$work/probe.tar" --name "$probe_repo:$PROBE_TAG" --entrypoint /probe \
    --user 65532:65532 --cmd check --file "$work/probe:/probe:0555" >"$work/probe.digest"
  "$work/ocibuild" --out "$work/pause.tar" --name "$PAUSE_NAME" --entrypoint /pause \
    --user 65535:65535 --file "$work/pause:/pause:0555" >"$work/pause.digest"
  rm "$work/ocibuild"
  touch "$work/done"
  mkdir -p "$TOOLS/images"
  rm -rf "$out"
  mv "$work" "$out"
  trap - EXIT
fi

echo "probe-image $out/probe.tar $probe_repo@$(cat "$out/probe.digest")"
echo "pause-image $out/pause.tar ${PAUSE_NAME%:*}@$(cat "$out/pause.digest")"
echo "probe-binary $out/probe"
