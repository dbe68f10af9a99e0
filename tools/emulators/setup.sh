#!/usr/bin/env bash
# Builds the emulators' own environment: bqemulator (BigQuery) and
# gcp-storage-emulator (Cloud Storage), pinned in tools/emulators/requirements.lock.
# They live apart from .venv because bqemulator pins protobuf 6 and an older
# sqlglot, which clash with the job's google-cloud-* clients and sqlglot.
#
# bqemulator loads DuckDB's `spatial` extension at start and would download it;
# the PyPI wheel duckdb-extension-spatial ships it, so it is installed from that
# file into a DuckDB home inside the venv ($VENV/home), which the tests pass to
# the emulator as HOME. Nothing outside the venv is touched and nothing is fetched
# from extensions.duckdb.org.
set -euo pipefail
venv=${1:?usage: setup.sh VENV}
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/../venv.sh" "$venv" "$here/requirements.lock"
mkdir -p "$venv/home"
HOME="$venv/home" "$venv/bin/python" - <<'PY'
import pathlib

import duckdb
import duckdb_extension_spatial

wheel = pathlib.Path(duckdb_extension_spatial.__file__).parent
extension = next(wheel.glob("extensions/*/spatial.duckdb_extension"))
con = duckdb.connect()
con.execute(f"INSTALL '{extension}'")
con.execute("LOAD spatial")
PY
