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
