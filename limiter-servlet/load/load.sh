#!/bin/bash
# The servlet load comparison of docs/benchmarks.md: a hello-world servlet on embedded Jetty 12, with or
# without AgentLimiterFilter, loaded by wrk from a second process on 127.0.0.1 (15 s warm-up: with 5 s, C2 was still compiling in some runs; 10 s measured).
# Also prints the server process's CPU time per request.
# usage: limiter-servlet/load/load.sh <none|noop|naive|filter> <agents>     (needs wrk: apt-get install wrk)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE/../.."
# one reactor build, so the class path names the modules' target/classes (nothing need be installed)
mvn -B -q -pl limiter-servlet -am test-compile dependency:build-classpath -Dmdep.outputFile=target/load-cp.txt -Dmdep.includeScope=test > /dev/null
CP=limiter-servlet/target/test-classes:limiter-servlet/target/classes:limiter-core/target/classes:limiter-api/target/classes:$(cat limiter-servlet/target/load-cp.txt)
java -Xms1g -Xmx1g -XX:+AlwaysPreTouch -cp "$CP" dev.agentlimiter.servlet.load.LoadServer "$1" 18080 "$2" > "${TMPDIR:-/tmp}/server-$1-$2.log" 2>&1 &
PID=$!
for i in $(seq 1 100); do curl -s -o /dev/null http://127.0.0.1:18080/hello && break; sleep 0.2; done
if [ "$2" = "1" ]; then ARGS=(-H "Authorization: Bearer ak_load_0_0123456789abcdef"); else ARGS=(-s "$HERE/keys.lua"); fi
AGENTS=$2 wrk -t2 -c32 -d"${WARM:-15}"s "${ARGS[@]}" http://127.0.0.1:18080/hello > /dev/null
cpu() { awk '{print $14 + $15}' /proc/$PID/stat; }
BEFORE=$(cpu)
AGENTS=$2 wrk -t2 -c32 -d"${DUR:-10}"s --latency "${ARGS[@]}" http://127.0.0.1:18080/hello | tee "${TMPDIR:-/tmp}/wrk-$1-$2.txt"
AFTER=$(cpu)
# the server's own CPU time per request (user + system), steadier than throughput when wrk shares the cores
awk -v t=$((AFTER - BEFORE)) -v hz="$(getconf CLK_TCK)" '/requests in/ {printf "server CPU per request: %.1f us\n", t / hz * 1e6 / $1}' "${TMPDIR:-/tmp}/wrk-$1-$2.txt"
kill $PID; wait $PID 2>/dev/null
