#!/usr/bin/env bash
# Builds the project's own images reproducibly (the same digest on every run and machine), from the
# Go sources in images/ and nothing else: no registry, no Docker. Cached under a folder keyed by the
# sources, so a second run is instant. Prints one line per artifact:
#
#   probe-image  <oci-archive> <repository>@<digest>   the conformance probe (user 65532, `check`)
#   pause-image  <oci-archive> <repository>:<tag>      the pod sandbox image
#   probe-binary <path>                                the static probe, for `probe serve` on a node
#   janitor-image <oci-archive> <repository>@<digest>  the sandbox janitor: busybox + kubectl
#   gateway-image <oci-archive> <repository>@<digest>  the egress gateway: Debian 12's squid
#
# The janitor image is the one image not made from images/ alone: a static busybox from Debian's
# busybox-static package (a pinned version, checked against a pinned sha256) and kubectl, built from
# the Go module proxy with the pinned toolchain (build_kubernetes_commands in go-tools-env.sh).
# The egress gateway's image is Debian 12's squid with exactly the shared libraries it loads, from
# .deb files pinned by version and sha256 (GATEWAY_DEBS below). Both need apt-get (with bookworm's
# package lists: apt-get update) and dpkg-deb the first time.
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
GATEWAY_TAG=v1
# The egress gateway (constructs/k8s/egress-gateway.ts): Debian bookworm's squid and every package a
# shared library of /usr/sbin/squid comes from (the closure the loader resolves; checked below, as
# is that each package is needed), plus squid-common (mime.conf, icons) and squid-langpack (error
# page templates). `package version sha256` of the .deb; another version or other bytes fail.
GATEWAY_DEBS="
squid 5.7-2+deb12u6 ec4f5fe7904c2339feae51f85a8c2132b14a03668fd28df39d91e53febbd2c08
squid-common 5.7-2+deb12u6 6d390ae350a3a90fda792a0fd8e026e14a05f9f3485535925e693a2cdcc60f38
squid-langpack 20220130-1 7ad0ab0521f569c00b60df3f18f7ab368f9c601fcf57758b69d20d25d3e1bdb5
libc6 2.36-9+deb12u14 ba4f88f73dbc3ae9055f3c20f4523bfdbaf1ad13ff95e258924f77d20b4fbedf
libcap2 1:2.66-4+deb12u3+b1 8d684c673e7483802a5c447834b0df6fce006eb3a7109e1be412f5ad425bb24f
libcom-err2 1.47.0-2+b2 a2bac7015e78fbc0c504df3e441f3a22292f1d2d77f9ccda760057f3690e22f2
libecap3 1.0.1-3.4 692dffa85170ec2bc91a035bf7af219fca6aae1010703b931600d2d25dd23402
libffi8 3.4.4-1 6d9f6c25c30efccce6d4bceaa48ea86c329a3432abb360a141f76ac223a4c34a
libgcc-s1 12.2.0-14+deb12u1 3016e62cb4b7cd8038822870601f5ed131befe942774d0f745622cc77d8a88f7
libgcrypt20 1.10.1-3+deb12u1 e7a56552139c693904a6f9712234c05fe918353273a7cbdb5e62f423ad71bb97
libgmp10 2:6.2.1+dfsg1-1.1 187aedef2ed763f425c1e523753b9719677633c7eede660401739e9c893482bd
libgnutls30 3.7.9-2+deb12u7 30abec8c824feb1d2d7e9000a34083cccd19d139625e1b21547e3ac53b922f8e
libgpg-error0 1.46-1 89944ee11d7370ce6ef46fc52f094c4a6512eff8943ec4c6ebefeae6360ceada
libgssapi-krb5-2 1.20.1-2+deb12u5 d8b87aea91b956b416c01a28c44ff6228315ae3b73de40acddac3dc5043607d2
libhogweed6 3.8.1-2 ed8185c28b2cb519744a5a462dcd720d3b332c9b88a1d0002eac06dc8550cb94
libidn2-0 2.3.3-1+b1 d50716d5824083d667427817d506b45d3f59dc77e1ca52de000f3f62d4918afa
libk5crypto3 1.20.1-2+deb12u5 7b6e47d15c5c9cdcd456137533d8308aeba608a54cec73b28bd59bfc4b54cf06
libkeyutils1 1.6.3-2 cfac89e6a7a54ff3c6a4f843310e25efeddaa771baeae470bd98bd588c373563
libkrb5-3 1.20.1-2+deb12u5 c90801be09701af221b54dd502a59cb378b7284ff31e480738baca317d2f7653
libkrb5support0 1.20.1-2+deb12u5 8b9c05f2d8d461a10d657b118f572af5bf8fd6c8f93dcef81e852c5ab0f428ab
libltdl7 2.4.7-7~deb12u1 8070b550321d4bd1c298f52f75374898d39112b709026d2ea5362ef1277b775a
liblz4-1 1.9.4-1 64cde86cef1deaf828bd60297839b59710b5cd8dc50efd4f12643caaee9389d3
liblzma5 5.4.1-1+deb12u2 3d8c29c8c21ec6007635e1b2591edf98b771c9572a085968f47452b33040f384
libmnl0 1.0.4-3 4581f42e3373cb72f9ea4e88163b17873afca614a6c6f54637e95aa75983ea7c
libnetfilter-conntrack3 1.0.9-3 65f1539238f60fcc85d115acd640474f45c77bfddcf402eb7d75965a783c2bc8
libnettle8 3.8.1-2 45922e6e289ffd92f0f92d2bb9159e84236ff202d552a461bf10e5335b3f0261
libnfnetlink0 1.0.2-2 ae5cbba417ea48f34c1f72c27e8146a81f20614c1296bca2cd7234c8215fddcc
libp11-kit0 0.24.1-2 251330faddbf013f060fcdb41f4b0c037c8a6e89ba7c09b04bfcc4e3f0807b22
libstdc++6 12.2.0-14+deb12u1 5cd3171216d4ab0fc911cfe9c35509bf2dd8f47761c43b7f6a4296701551a24d
libsystemd0 252.39-1~deb12u2 013c07514a9e4933b2d5c098018695a6aa42d085dbc483ce2c094a954c8a1b0a
libtasn1-6 4.19.0-2+deb12u1 2c27c613b69be248d09432839ea3d3382f6ee27fabaa65987aa2d884cd00afda
libunistring2 1.0-2 d466bbfe011d764d793c1d9d777cad9c7cf65b938e11598f27408171ad95a951
libzstd1 1.5.4+dfsg2-5+deb12u1 67dc1ee693e5c22b1a2be2bb70d8244b040836ce3f5dd79e006f7806bc3d9f1c
"
# The user EgressGateway runs the gateway as (its `user` default).
GATEWAY_UID=65532
LOG_PREFIX=images
root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=scripts/go-tools-env.sh
source "$(dirname "$0")/go-tools-env.sh"

probe_repo="$(sed -n "s/^export const PROBE_IMAGE_REPOSITORY = '\(.*\)';$/\1/p" \
  "$root/constructs/shared/probe-image.ts")"
[ -n "$probe_repo" ] || { echo "PROBE_IMAGE_REPOSITORY not found in constructs/shared/probe-image.ts" >&2; exit 1; }
gateway_repo="$(sed -n "s/^export const EGRESS_GATEWAY_IMAGE_REPOSITORY = '\(.*\)';$/\1/p" \
  "$root/constructs/shared/egress-gateway-image.ts")"
[ -n "$gateway_repo" ] || { echo "EGRESS_GATEWAY_IMAGE_REPOSITORY not found in constructs/shared/egress-gateway-image.ts" >&2; exit 1; }
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

# in_tree ROOT PATH: PATH with every symbolic link resolved inside ROOT (an absolute target is
# ROOT-relative, as in the image), so nothing of the host is taken for the image's own.
in_tree() {
  local root="$1" p="$2" target
  for _ in $(seq 40); do
    [ -L "$p" ] || { [ -f "$p" ] && echo "$p" && return; echo "$2 leads to $p, not a file in $root" >&2; return 1; }
    target="$(readlink "$p")"
    case "$target" in /*) p="$root$target" ;; *) p="$(dirname "$p")/$target" ;; esac
  done
  echo "$2: too many links" >&2
  return 1
}

# --- the egress gateway image ------------------------------------------------------------------
gateway_key="$(
  cd "$root"
  { find images/ocibuild images/go.mod -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
    sha256sum scripts/build-images.sh; echo "$gateway_repo $GATEWAY_UID $GATEWAY_DEBS"; } |
    sha256sum | cut -c1-16
)"
gateway_out="$TOOLS/images/gateway-$gateway_key"

if [ ! -f "$gateway_out/done" ]; then
  log "building the egress gateway image (Debian 12 squid; cached in $gateway_out)"
  for tool in apt-get dpkg-deb; do
    command -v "$tool" >/dev/null ||
      { echo "$tool is required for the egress gateway image (a Debian or Ubuntu host)" >&2; exit 1; }
  done
  work="$(mktemp -d "$TOOLS/images.tmp.XXXXXX")"
  chmod 755 "$work" # apt-get downloads as _apt
  trap 'rm -rf "$work"' EXIT
  mkdir "$work/debs" "$work/pkg" "$work/tree"
  chmod 777 "$work/debs"
  wanted=()
  while read -r pkg version _; do [ -n "$pkg" ] && wanted+=("$pkg=$version"); done <<<"$GATEWAY_DEBS"
  (cd "$work/debs" && apt-get download -q "${wanted[@]}" >&2) || {
    echo "apt-get download of the egress gateway's packages failed: run apt-get update (Debian 12 lists); if a version is gone from the mirror (security updates replace each other), pin the new one in GATEWAY_DEBS in scripts/build-images.sh (version and sha256), then update the digest in constructs/shared/egress-gateway-image.ts" >&2
    exit 1
  }
  while read -r pkg version sum; do
    [ -n "$pkg" ] || continue
    deb="$(find "$work/debs" -maxdepth 1 -name "${pkg}_*.deb")"
    { [ -n "$deb" ] && [ "$(wc -l <<<"$deb")" = 1 ]; } ||
      { echo "apt-get download $pkg=$version gave no single .deb: $deb" >&2; exit 1; }
    got="$(sha256sum "$deb" | cut -d' ' -f1)"
    [ "$got" = "$sum" ] || {
      echo "$deb ($pkg $version) has sha256 $got, not the pinned $sum: refusing to build the egress gateway image from it" >&2
      exit 1
    }
    dpkg-deb -x "$deb" "$work/pkg/$pkg"
    dpkg-deb -x "$deb" "$work/tree"
  done <<<"$GATEWAY_DEBS"

  # The closure, as the image's own loader resolves it with only the extracted libraries first in
  # its path: a library it finds anywhere else (the host) is missing from GATEWAY_DEBS.
  t="$work/tree"
  loader="$t/lib64/ld-linux-x86-64.so.2"
  libpath="$t/usr/lib/x86_64-linux-gnu:$t/lib/x86_64-linux-gnu"
  resolved="$(for bin in usr/sbin/squid usr/lib/squid/unlinkd; do
    "$loader" --library-path "$libpath" --list "$t/$bin"
  done)"
  files=() used=()
  declare -A seen=()
  while read -r soname arrow where _; do
    case "$soname" in linux-vdso.so.*|"$t"/*:) continue ;; esac
    [ -z "${seen[$soname]:-}" ] || continue
    seen[$soname]=1
    if [ "$arrow" != "=>" ] || [ "${where#"$t"/}" = "$where" ]; then
      echo "squid needs $soname, which the pinned packages do not provide (the loader found: $arrow $where); add its package to GATEWAY_DEBS" >&2
      exit 1
    fi
    real="$(in_tree "$t" "$where")"
    owner=""
    for p in "$work"/pkg/*; do [ -f "$p/${real#"$t"/}" ] && owner="${p##*/}" && break; done
    used+=("$owner")
    case "$soname" in
      /lib64/*) files+=(--file "$real:$soname:0555") ;;
      *) files+=(--file "$real:/usr/lib/x86_64-linux-gnu/$soname:0444") ;;
    esac
  done <<<"$resolved"
  while read -r pkg _; do
    case "$pkg" in ""|squid|squid-common|squid-langpack) continue ;; esac
    printf '%s\n' "${used[@]}" | grep -qx "$pkg" ||
      { echo "GATEWAY_DEBS pins $pkg, but no library squid loads comes from it: remove it" >&2; exit 1; }
  done <<<"$GATEWAY_DEBS"
  version="$("$loader" --library-path "$libpath" "$t/usr/sbin/squid" -v)"
  grep -q '^Squid Cache: Version 5\.7$' <<<"$version" ||
    { echo "the extracted squid does not report version 5.7: $version" >&2; exit 1; }

  # Squid 5.7 refuses to start without: unlinkd (checked at configuration time, never run without a
  # cache_dir), mime.conf and the icons it names, and the error page templates. Nothing else: no
  # shell, no helpers.
  files+=(--file "$t/usr/sbin/squid:/usr/sbin/squid:0555")
  files+=(--file "$t/usr/lib/squid/unlinkd:/usr/lib/squid/unlinkd:0555")
  files+=(--file "$t/usr/share/squid/mime.conf:/usr/share/squid/mime.conf:0444")
  while read -r f; do
    files+=(--file "$t/$f:/$f:0444")
  done < <(cd "$t" && find usr/share/squid/icons -type f | LC_ALL=C sort)
  while read -r f; do
    files+=(--file "$t/usr/share/squid-langpack/templates/$f:/usr/share/squid/errors/templates/$f:0444")
  done < <(cd "$t/usr/share/squid-langpack/templates" && find . -type f -printf '%P\n' | LC_ALL=C sort)
  printf 'root:x:0:0:root:/:/nonexistent\nsquid:x:%s:%s:egress gateway:/nonexistent:/nonexistent\n' \
    "$GATEWAY_UID" "$GATEWAY_UID" >"$work/passwd"
  printf 'root:x:0:\nsquid:x:%s:\n' "$GATEWAY_UID" >"$work/group"
  files+=(--file "$work/passwd:/etc/passwd:0444" --file "$work/group:/etc/group:0444")
  (
    pin_go
    cd "$root/images" && go build -trimpath -ldflags "-s -w -buildid=" -o "$work/ocibuild" ./ocibuild
  )
  "$work/ocibuild" --out "$work/gateway.tar" --name "$gateway_repo:$GATEWAY_TAG" \
    --entrypoint /usr/sbin/squid --user "$GATEWAY_UID:$GATEWAY_UID" --env PATH=/usr/sbin \
    --cmd -N --cmd -f --cmd /etc/eval-sandbox/squid.conf \
    "${files[@]}" >"$work/gateway.digest"
  rm -rf "$work/ocibuild" "$work/debs" "$work/pkg" "$work/tree" "$work/passwd" "$work/group"
  touch "$work/done"
  rm -rf "$gateway_out"
  mv "$work" "$gateway_out"
  trap - EXIT
fi

echo "probe-image $out/probe.tar $probe_repo@$(cat "$out/probe.digest")"
echo "pause-image $out/pause.tar ${PAUSE_NAME%:*}@$(cat "$out/pause.digest")"
echo "probe-binary $out/probe"
echo "janitor-image $janitor_out/janitor.tar $janitor_repo@$(cat "$janitor_out/janitor.digest")"
echo "gateway-image $gateway_out/gateway.tar $gateway_repo@$(cat "$gateway_out/gateway.digest")"
