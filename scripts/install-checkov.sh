#!/usr/bin/env bash
# Installs a pinned checkov from PyPI into a virtualenv cached by version, and prints the path of
# its executable. A second run is instant.
set -euo pipefail

CHECKOV_VERSION="${CHECKOV_VERSION:-3.3.30}"
TOOLS="${EVAL_SANDBOX_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/eval-sandbox/tools}"
VENV="$TOOLS/checkov-$CHECKOV_VERSION"

if [ -x "$VENV/bin/checkov" ]; then
  echo "$VENV/bin/checkov"
  exit 0
fi
command -v python3 >/dev/null || { echo "python3 (3.9+) is required: install it from your package manager" >&2; exit 1; }
echo "[checkov] installing checkov $CHECKOV_VERSION into $VENV (once, about a minute)" >&2
# A virtualenv records its own path, so it is built in place; a failed install leaves no executable
# behind and the next run starts over.
rm -rf "$VENV"
python3 -m venv "$VENV" >&2
if ! "$VENV/bin/pip" install --quiet --disable-pip-version-check "checkov==$CHECKOV_VERSION" >&2; then
  rm -rf "$VENV"
  echo "[checkov] pip install checkov==$CHECKOV_VERSION failed" >&2
  exit 1
fi
echo "$VENV/bin/checkov"
