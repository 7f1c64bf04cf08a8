#!/bin/bash
# The JAX-RS load comparison of docs/benchmarks.md: a hello-world resource on Jersey 3.1 (servlet container
# on embedded Jetty 12), with or without AgentLimiterFeature, loaded by wrk from a second process on
# 127.0.0.1 (15 s warm-up: with 5 s, C2 was still compiling in some runs; 10 s measured). Also prints the server process's CPU time per request.
# usage: limiter-jaxrs/load/load.sh <none|naive|bound|fields|feature> <agents>     (needs wrk: apt-get install wrk)
# Port 18081 (PORT=...), so it can run beside the servlet module's load.sh (18080).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
PORT=${PORT:-18081}
cd "$HERE/../.."
# one reactor build, so nothing need be installed; one JAX-RS implementation on the class path, as in an
# application: RESTEasy is left out
mvn -B -q -pl limiter-jaxrs -am test-compile dependency:build-classpath -Dmdep.outputFile=target/load-cp.txt -Dmdep.includeScope=test \
  -DexcludeArtifactIds=resteasy-core,resteasy-core-spi > /dev/null
CP=limiter-jaxrs/target/test-classes:limiter-jaxrs/target/classes:limiter-core/target/classes:limiter-api/target/classes:$(cat limiter-jaxrs/target/load-cp.txt)
java -Xms1g -Xmx1g -XX:+AlwaysPreTouch -cp "$CP" dev.agentlimiter.jaxrs.load.LoadServer "$1" "$PORT" "$2" > "${TMPDIR:-/tmp}/jaxrs-server-$1-$2.log" 2>&1 &
PID=$!
for i in $(seq 1 100); do curl -s -o /dev/null http://127.0.0.1:$PORT/hello && break; sleep 0.2; done
if [ "$2" = "1" ]; then ARGS=(-H "Authorization: Bearer ak_load_0_0123456789abcdef"); else ARGS=(-s "$HERE/keys.lua"); fi
AGENTS=$2 wrk -t2 -c32 -d"${WARM:-15}"s "${ARGS[@]}" http://127.0.0.1:$PORT/hello > /dev/null
cpu() { awk '{print $14 + $15}' /proc/$PID/stat; }
BEFORE=$(cpu)
AGENTS=$2 wrk -t2 -c32 -d"${DUR:-10}"s --latency "${ARGS[@]}" http://127.0.0.1:$PORT/hello | tee "${TMPDIR:-/tmp}/jaxrs-wrk-$1-$2.txt"
AFTER=$(cpu)
# the server's own CPU time per request (user + system), steadier than throughput when wrk shares the cores
awk -v t=$((AFTER - BEFORE)) -v hz="$(getconf CLK_TCK)" '/requests in/ {printf "server CPU per request: %.1f us\n", t / hz * 1e6 / $1}' "${TMPDIR:-/tmp}/jaxrs-wrk-$1-$2.txt"
kill $PID; wait $PID 2>/dev/null
