#!/usr/bin/env bash
# Installs a pinned moto[server] (a local AWS API, for the AWS API tier: test/e2e/aws-moto.test.ts)
# from PyPI into a virtualenv cached by version, and prints the path of its moto_server. A second
# run is instant.
set -euo pipefail

MOTO_VERSION="${MOTO_VERSION:-5.2.5}"
TOOLS="${EVAL_SANDBOX_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/eval-sandbox/tools}"
VENV="$TOOLS/moto-$MOTO_VERSION"

if [ -x "$VENV/bin/moto_server" ]; then
  echo "$VENV/bin/moto_server"
  exit 0
fi
command -v python3 >/dev/null || { echo "python3 (3.9+) is required: install it from your package manager" >&2; exit 1; }
python3 -c 'import venv, ensurepip' 2>/dev/null || {
  echo "python3 has no venv/ensurepip module: on Debian and Ubuntu, apt-get install python3-venv" >&2
  exit 1
}
echo "[moto] installing moto[server] $MOTO_VERSION into $VENV (once, about a minute)" >&2
# A virtualenv records its own path, so it is built in place; a failed install leaves no executable
# behind and the next run starts over.
rm -rf "$VENV"
python3 -m venv "$VENV" >&2
if ! "$VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION" >&2; then
  rm -rf "$VENV"
  echo "[moto] pip install moto[server]==$MOTO_VERSION failed" >&2
  exit 1
fi
echo "$VENV/bin/moto_server"
