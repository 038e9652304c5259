#!/usr/bin/env bash
# Builds actionlint, the GitHub Actions workflow linter, from the Go module proxy (no GitHub), cached
# under a folder keyed by version so a second run is instant, and prints the path of the binary.
# test/e2e/workflows.test.ts runs it over .github/workflows/ with ShellCheck on PATH (actionlint
# then checks every `run:` script with it); see docs/workflows.md.
#
#   scripts/build-actionlint.sh
#   EVAL_SANDBOX_TOOLS=/somewhere ACTIONLINT_VERSION=v1.7.12 scripts/build-actionlint.sh
set -euo pipefail

ACTIONLINT_VERSION="${ACTIONLINT_VERSION:-v1.7.12}"
export LOG_PREFIX=actionlint
# shellcheck source=scripts/go-tools-env.sh disable=SC1091 # followed with `shellcheck -x`
source "$(dirname "$0")/go-tools-env.sh"

dir="$TOOLS/actionlint-$ACTIONLINT_VERSION"
if [ ! -x "$dir/actionlint" ]; then
  log "building github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION (once; cached in $dir)"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  # Built outside any module, so the versions are actionlint's own go.sum, checked against sum.golang.org.
  (cd "$work" && GOBIN="$work" go install -trimpath -ldflags "-s -w" \
    "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" >&2)
  mkdir -p "$dir"
  # Renamed into place, so an interrupted build never leaves a half-written binary to be reused.
  mv "$work/actionlint" "$dir/actionlint.tmp.$$" && mv "$dir/actionlint.tmp.$$" "$dir/actionlint"
fi
echo "$dir/actionlint"
