#!/usr/bin/env bash
# Prints the interpreter to build .venv with: Python 3.12 where present (it matches
# Dataproc Serverless runtime 3.0 and the Cloud Functions runtime), else 3.11+.
set -u
for candidate in python3.12 "$HOME"/.pyenv/versions/3.12*/bin/python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
    echo "$candidate"
    exit 0
  fi
done
echo "setup: Python 3.11 or newer is required and none was found on PATH" >&2
exit 1
