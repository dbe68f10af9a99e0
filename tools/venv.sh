#!/usr/bin/env bash
# Creates a virtual environment and installs a lock file into it: the one way the
# Makefiles build .venv, .venv-emulators and .venv-infra.
#
# The lock is installed with uv (pinned below, itself installed from PyPI into the
# venv): it downloads in parallel and has none of pip's per-package overhead
# (docs/performance.md has the figures). Where uv cannot be installed, pip does it.
#
# Bytecode is compiled at install (--compile-bytecode, as pip does): the Makefile
# exports PYTHONDONTWRITEBYTECODE, and environments often set it too, so nothing
# would compile it later and every process would compile every module it imports.
set -euo pipefail
venv=${1:?usage: venv.sh VENV LOCKFILE}
lock=${2:?usage: venv.sh VENV LOCKFILE}
uv_pin="uv==0.13.8"
python=${VENV_PYTHON:-$(bash "$(dirname "$0")/python.sh")}  # VENV_PYTHON: a given interpreter
echo "setup: creating $venv with $python"
rm -rf "$venv"
"$python" -m venv "$venv"
pip=("$venv/bin/pip" --quiet --disable-pip-version-check)
if "${pip[@]}" install "$uv_pin"; then
  "$venv/bin/uv" pip install --quiet --compile-bytecode --python "$venv/bin/python" -r "$lock"
else
  echo "setup: could not install $uv_pin; installing $lock with pip"
  "${pip[@]}" install -r "$lock"
fi
