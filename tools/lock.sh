#!/usr/bin/env bash
# `make lock`: resolve the lock files from pyproject.toml's dependency groups, with the pinned
# uv of the workstation's .venv. Every exact version in the repository comes from here.
#
#   requirements.lock                     everything .venv holds: the runtime group and dev
#   functions/requirements.txt            the trigger function's group, at requirements.lock's
#                                         versions
#   rehearsal/runtime/dataproc-3.0.lock   what Dataproc Serverless runtime 3.0 provides the job
#                                         (rehearsal/runtime/dataproc-3.0.in), resolved as of
#                                         the runtime's GA, 2025-12-04
#
# A lock keeps the versions it already pins and resolves only what changed (a new
# dependency); `make lock UPGRADE=1` moves everything to the newest versions allowed.
# `lock.sh function` and `lock.sh runtime` rewrite only that one.
set -euo pipefail
cd "$(dirname "$0")/.."
uv=.venv/bin/uv
compile=("$uv" pip compile --quiet --python-version 3.12 --no-header --no-annotate
         ${UPGRADE:+--upgrade})

group() {  # the names of one optional-dependency group of pyproject.toml
  .venv/bin/python -c 'import sys, tomllib
print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"][sys.argv[1]]))' "$1"
}

lock() {  # lock FILE HEADER COMPILE-ARGUMENTS...: resolve into FILE, then put HEADER on top
  local file=$1 header=$2
  shift 2
  "${compile[@]}" -o "$file" "$@"
  { printf '%s\n' "$header"; grep -v '^#' "$file"; } > "$file.new"
  mv "$file.new" "$file"
}

what=${1:-all}
if [ "$what" = all ]; then
  lock requirements.lock "# Full pinned dependency tree (runtime + dev), installed by 'make' into .venv.
# Written by 'make lock' (tools/lock.sh) from pyproject.toml; do not edit." \
    --extra dev pyproject.toml
fi

if [ "$what" = all ] || [ "$what" = function ]; then
  group function > "${TMPDIR:-/tmp}/function.in"
  lock functions/requirements.txt "# The trigger function's dependencies, installed by Cloud Functions from this file alone.
# Written by 'make lock' (tools/lock.sh) from pyproject.toml's 'function' group, at the
# versions of requirements.lock; do not edit. 'make rehearse' installs exactly this file
# into an empty environment and serves the packaged function from it." \
    --constraint requirements.lock "${TMPDIR:-/tmp}/function.in"
fi

if [ "$what" = all ] || [ "$what" = runtime ]; then
  runtime=rehearsal/runtime/dataproc-3.0
  lock "$runtime.lock" "# Dataproc Serverless runtime 3.0's packages for the job, as 'make rehearse' installs them.
# Written by 'make lock' (tools/lock.sh) from $runtime.in, which gives the facts and
# their source; do not edit." \
    --exclude-newer 2025-12-04 "$runtime.in"
fi
