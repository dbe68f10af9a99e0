#!/usr/bin/env bash
# `make lock`: re-resolve the lock files from pyproject.toml's dependency groups, with the
# pinned uv of the workstation's .venv. Every exact version in the repository comes from here.
#
#   requirements.lock                     everything .venv holds: the runtime group and dev
#   functions/requirements.txt            the trigger function's group, at requirements.lock's
#                                         versions
#   rehearsal/runtime/dataproc-3.0.lock   what Dataproc Serverless runtime 3.0 provides the job
#                                         (rehearsal/runtime/dataproc-3.0.in), resolved as of
#                                         the runtime's GA, 2025-12-04
#
# `lock.sh function` and `lock.sh runtime` rewrite only that one.
set -euo pipefail
cd "$(dirname "$0")/.."
uv=.venv/bin/uv
python=3.12
compile=("$uv" pip compile --quiet --python-version "$python" --no-header --no-annotate)

group() {  # the names of one optional-dependency group of pyproject.toml
  .venv/bin/python -c 'import sys, tomllib
print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"][sys.argv[1]]))' "$1"
}

what=${1:-all}
if [ "$what" = all ]; then
  {
    echo "# Full pinned dependency tree (runtime + dev), installed by 'make' into .venv."
    echo "# Written by 'make lock' (tools/lock.sh) from pyproject.toml; do not edit."
    "${compile[@]}" --extra dev pyproject.toml
  } > requirements.lock.new
  mv requirements.lock.new requirements.lock
fi

if [ "$what" = all ] || [ "$what" = function ]; then
{
  echo "# The trigger function's dependencies, installed by Cloud Functions from this file alone."
  echo "# Written by 'make lock' (tools/lock.sh) from pyproject.toml's 'function' group, at the"
  echo "# versions of requirements.lock; do not edit. 'make rehearse' installs exactly this file"
  echo "# into an empty environment and serves the packaged function from it."
  group function | "${compile[@]}" --constraint requirements.lock -
} > functions/requirements.txt.new
mv functions/requirements.txt.new functions/requirements.txt
fi

if [ "$what" = all ] || [ "$what" = runtime ]; then
  runtime=rehearsal/runtime/dataproc-3.0
  {
    echo "# Dataproc Serverless runtime 3.0's packages for the job, as 'make rehearse' installs them."
    echo "# Written by 'make lock' (tools/lock.sh) from $runtime.in, which gives the facts and"
    echo "# their source; do not edit."
    "${compile[@]}" --exclude-newer 2025-12-04 "$runtime.in"
  } > "$runtime.lock.new"
  mv "$runtime.lock.new" "$runtime.lock"
fi
