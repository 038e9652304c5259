#!/usr/bin/env bash
# Builds the project's own images reproducibly (the same digest on every run and machine), from the
# Go sources in images/ and nothing else: no registry, no Docker. Cached under a folder keyed by the
# sources, so a second run is instant. Prints one line per artifact:
#
#   probe-image  <oci-archive> <repository>@<digest>   the conformance probe (user 65532, `check`)
#   pause-image  <oci-archive> <repository>:<tag>      the pod sandbox image
#   probe-binary <path>                                the static probe, for `probe serve` on a node
#   janitor-image <oci-archive> <repository>@<digest>  the sandbox janitor: busybox + kubectl
#
# The janitor image is the one image not made from images/ alone: a static busybox from Debian's
# busybox-static package (a pinned version, checked against a pinned sha256) and kubectl, built from
# the Go module proxy with the pinned toolchain (build_kubernetes_commands in go-tools-env.sh).
# It needs apt-get and dpkg-deb (Debian, Ubuntu) the first time.
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
JANITOR_TAG=v1
# Debian bookworm's busybox-static; another version or another mirror's bytes fail the check below.
BUSYBOX_VERSION=1:1.35.0-4+deb12u1+b1
BUSYBOX_DEB_SHA256=3d3fdbe91d4660c873e14b092c213fe81c1da6362daa236eb25d0171eb108744
# What janitor.sh runs (constructs/k8s/janitor-script.ts) besides kubectl and sh's builtins.
JANITOR_APPLETS="sh date tr mktemp cat rm"
KUBECTL_VERSION=v1.35.4
LOG_PREFIX=images
root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=scripts/go-tools-env.sh
source "$(dirname "$0")/go-tools-env.sh"

probe_repo="$(sed -n "s/^export const PROBE_IMAGE_REPOSITORY = '\(.*\)';$/\1/p" \
  "$root/constructs/shared/probe-image.ts")"
[ -n "$probe_repo" ] || { echo "PROBE_IMAGE_REPOSITORY not found in constructs/shared/probe-image.ts" >&2; exit 1; }
janitor_repo="$(sed -n "s/^export const JANITOR_IMAGE_REPOSITORY = '\(.*\)';$/\1/p" \
  "$root/constructs/shared/janitor-image.ts")"
[ -n "$janitor_repo" ] || { echo "JANITOR_IMAGE_REPOSITORY not found in constructs/shared/janitor-image.ts" >&2; exit 1; }

# Pinned so that nothing from the caller's environment reaches the binaries; -buildvcs=false
# keeps the commit out of them, -buildid= and -trimpath the build machine.
pin_go() {
  export GOTOOLCHAIN="$GO_TOOLCHAIN" GOOS=linux GOARCH=amd64 GOAMD64=v1 GOFLAGS=-buildvcs=false
  unset GOEXPERIMENT
}

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
  pin_go
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

# --- the janitor image -------------------------------------------------------------------------
# kubectl for the image, in a cache of its own (a build takes minutes): build_kubernetes_commands
# with the pinned toolchain and settings, keyed by them and by the function's own file.
kubectl_key="$(
  cd "$root"
  { echo "$KUBECTL_VERSION $GO_TOOLCHAIN linux/amd64/v1 -mod=mod -buildvcs=false CGO_ENABLED=$CGO_ENABLED"
    sha256sum scripts/go-tools-env.sh; } | sha256sum | cut -c1-16
)"
image_kubectl() {
  local TOOLS="$TOOLS/images/kubectl-$kubectl_key" # where build_kubernetes_commands caches it
  pin_go
  export GOFLAGS="-mod=mod $GOFLAGS" # go get writes the throwaway module's go.sum
  build_kubernetes_commands "$KUBECTL_VERSION" kubectl
}
kubectl="$(image_kubectl)"

janitor_key="$(
  cd "$root"
  { find images/ocibuild images/go.mod -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
    sha256sum scripts/build-images.sh
    echo "$janitor_repo $BUSYBOX_VERSION $BUSYBOX_DEB_SHA256 kubectl $KUBECTL_VERSION $kubectl_key"
    sha256sum <"$kubectl"; } | sha256sum | cut -c1-16
)"
janitor_out="$TOOLS/images/janitor-$janitor_key"

if [ ! -f "$janitor_out/done" ]; then
  log "building the janitor image (busybox-static $BUSYBOX_VERSION, kubectl $KUBECTL_VERSION; cached in $janitor_out)"
  for tool in apt-get dpkg-deb; do
    command -v "$tool" >/dev/null ||
      { echo "$tool is required for the janitor image's busybox (a Debian or Ubuntu host)" >&2; exit 1; }
  done
  work="$(mktemp -d "$TOOLS/images.tmp.XXXXXX")"
  chmod 755 "$work" # apt-get downloads as _apt
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && apt-get download -q "busybox-static=$BUSYBOX_VERSION" >&2) || {
    echo "apt-get download busybox-static=$BUSYBOX_VERSION failed: run apt-get update; if the version is gone from the mirror, pin the new one (BUSYBOX_VERSION and BUSYBOX_DEB_SHA256 in scripts/build-images.sh), then update the digest in constructs/shared/janitor-image.ts" >&2
    exit 1
  }
  deb="$(find "$work" -maxdepth 1 -name 'busybox-static_*.deb')"
  got="$(sha256sum "$deb" | cut -d' ' -f1)"
  [ "$got" = "$BUSYBOX_DEB_SHA256" ] || {
    echo "$deb has sha256 $got, not the pinned $BUSYBOX_DEB_SHA256: refusing to build the janitor image from it" >&2
    exit 1
  }
  dpkg-deb -x "$deb" "$work/busybox"
  # The list is read whole first: `busybox --list | grep -q` under pipefail fails whenever grep
  # exits before busybox has written everything (SIGPIPE), which made the check flaky under load.
  applets="$("$work/busybox/bin/busybox" --list)"
  for applet in $JANITOR_APPLETS; do
    grep -qx "$applet" <<<"$applets" ||
      { echo "busybox $BUSYBOX_VERSION has no $applet applet" >&2; exit 1; }
  done
  links=()
  for applet in $JANITOR_APPLETS; do links+=(--symlink "/bin/$applet:busybox"); done
  (
    pin_go
    cd "$root/images" && go build -trimpath -ldflags "-s -w -buildid=" -o "$work/ocibuild" ./ocibuild
  )
  "$work/ocibuild" --out "$work/janitor.tar" --name "$janitor_repo:$JANITOR_TAG" \
    --entrypoint /bin/kubectl --user 65532:65532 --env PATH=/bin \
    --file "$work/busybox/bin/busybox:/bin/busybox:0555" --file "$kubectl:/bin/kubectl:0555" \
    "${links[@]}" >"$work/janitor.digest"
  rm -rf "$work/ocibuild" "$work/busybox" "$deb"
  touch "$work/done"
  rm -rf "$janitor_out"
  mv "$work" "$janitor_out"
  trap - EXIT
fi

echo "probe-image $out/probe.tar $probe_repo@$(cat "$out/probe.digest")"
echo "pause-image $out/pause.tar ${PAUSE_NAME%:*}@$(cat "$out/pause.digest")"
echo "probe-binary $out/probe"
echo "janitor-image $janitor_out/janitor.tar $janitor_repo@$(cat "$janitor_out/janitor.digest")"
