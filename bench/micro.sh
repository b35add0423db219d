#!/usr/bin/env bash
# JMH micro-benchmarks of the routing lookup (RoutingTable.route, 10,000 upstreams) and the
# balancer (Balancer.next). Builds them with the jmh Maven profile (src/jmh/java), then runs
# them briefly: by default -wi 2 -i 3 -f 1 with 1 s iterations; JMH_ARGS replaces those.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -Pjmh test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/jmh.classpath
cp="target/test-classes:target/classes:$(cat target/jmh.classpath)"
# shellcheck disable=SC2086
timeout 600 java -cp "$cp" org.openjdk.jmh.Main ${JMH_ARGS:--wi 2 -w 1s -i 3 -r 1s -f 1} \
  'dev.ferry.bench.*'
echo "machine: $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
