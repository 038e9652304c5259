# Sourced by the scripts that build tools from the Go module proxy: where builds are cached, the Go
# settings they share, and a check that Go is there. Set LOG_PREFIX before sourcing.
# shellcheck shell=bash

# Outside the clone, so fresh clones on the same machine (CI) reuse the builds.
# shellcheck disable=SC2034 # used by the scripts that source this file
TOOLS="${EVAL_SANDBOX_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/eval-sandbox/tools}"
export GOFLAGS="-mod=mod"
export CGO_ENABLED=0

command -v go >/dev/null || { echo "go is required (Go 1.25+): install it from your package manager" >&2; exit 1; }

# One build at a time per cache: test files running in parallel, or a `local up` beside a test run,
# would otherwise build the same tool at once and trip over each other's files. A second run waits
# here, then finds the first one's binaries in the cache. (flock is util-linux, on every Linux.)
mkdir -p "$TOOLS"
if command -v flock >/dev/null; then
  exec 9>"$TOOLS/.build.lock"
  flock 9
fi

log() { echo "[${LOG_PREFIX:-tools}] $*" >&2; }

# build_kubernetes_commands VERSION CMD...: builds the k8s.io/kubernetes commands CMD... of VERSION
# into $TOOLS/kubernetes-VERSION (those not there yet) and prints their paths, one per line.
#
# `go install k8s.io/kubernetes/cmd/kube-apiserver@…` is refused because k8s.io/kubernetes replaces
# its staging modules with local paths; a throwaway module that requires k8s.io/kubernetes and
# replaces each staging module with its published v0.X.Y builds the same binary.
build_kubernetes_commands() {
  local version="$1"; shift
  local dir="$TOOLS/kubernetes-$version" missing=() cmd
  for cmd in "$@"; do [ -x "$dir/$cmd" ] || missing+=("$cmd"); done
  if [ "${#missing[@]}" -gt 0 ]; then
    local staging="v0.${version#v1.}"
    local work; work="$(mktemp -d)"
    log "building ${missing[*]} $version (staging modules $staging) in $work; this takes several minutes once"
    (
      cd "$work" || exit 1
      go mod init eval-sandbox.local/kubernetes >/dev/null 2>&1
      local mod; mod="$(go mod download -json "k8s.io/kubernetes@$version" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')"
      go mod edit -require="k8s.io/kubernetes@$version"
      # Every `k8s.io/x => ./staging/src/k8s.io/x` of k8s.io/kubernetes becomes `k8s.io/x => k8s.io/x v0.X.Y`.
      sed -n 's#^[[:space:]]*\(k8s.io/[^ ]*\) => ./staging/src/.*#\1#p' "$mod" | while read -r m; do
        go mod edit -replace="$m=$m@$staging"
      done
      # The same pins of other modules as k8s.io/kubernetes itself, via its go.mod requirements.
      for cmd in "${missing[@]}"; do go get "k8s.io/kubernetes/cmd/$cmd@$version" >&2; done
      local pkg=k8s.io/component-base/version
      local flags="-s -w -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=${version#v1.}
        -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z
        -X k8s.io/client-go/pkg/version.gitVersion=$version"
      mkdir -p "$dir"
      for cmd in "${missing[@]}"; do
        log "go build $cmd"
        go build -trimpath -o "$cmd" -ldflags "$flags" "k8s.io/kubernetes/cmd/$cmd" >&2
        mv "$cmd" "$dir/$cmd.tmp.$$" && mv "$dir/$cmd.tmp.$$" "$dir/$cmd"
      done
    )
    rm -rf "$work"
  fi
  for cmd in "$@"; do echo "$dir/$cmd"; done
}
