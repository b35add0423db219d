#!/usr/bin/env bash
# How fast a change reaches the cluster: three nodes on loopback, N changes (default 200)
# through alternating nodes. Prints p50, p95 and max.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f target/ferry.jar ] || mvn -q -B package -DskipTests
exec java -Djdk.httpclient.allowRestrictedHeaders=host bench/Propagation.java "${1:-200}" target/ferry.jar
