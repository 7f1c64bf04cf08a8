#!/bin/bash
# Interleaved load comparison of docs/benchmarks.md, for a host whose speed drifts from minute to minute.
#
# One server JVM per mode runs for the whole comparison (a hello world on embedded Jetty 12, with or without
# the library, as in <module>/load/load.sh). Each is warmed until its JIT compilers are quiet, then every round
# loads each mode once, in a new random order, for a few seconds with wrk from a second process on 127.0.0.1.
# Modes of one round run seconds apart, so a slow spell of the host hits them alike, and load/ratios.py judges
# each mode by its per-round ratios to every mode before it (median and a distribution-free 95 % interval).
#
# usage: load/interleaved.sh <servlet|jaxrs> <agents> <rounds> <baseline-mode> <mode>...
#   servlet modes: none noop naive filter       jaxrs modes (Jersey 3.1): none naive bound fields feature
#   env: RUN_SECONDS (4), WARM_MIN_SECONDS (15), WARM_MAX_SECONDS (120), PORT (first port, 18090),
#        OUT (raw results, /tmp/interleaved-<module>-<agents>.txt)
# needs wrk (apt-get install wrk) and python3
set -euo pipefail
if [ $# -lt 5 ]; then sed -n '2,14p' "$0"; exit 2; fi
MODULE=$1 AGENTS=$2 ROUNDS=$3; shift 3
MODES=("$@")
RUN=${RUN_SECONDS:-4} WARM_MIN=${WARM_MIN_SECONDS:-15} WARM_MAX=${WARM_MAX_SECONDS:-120}
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE/.."
OUT=${OUT:-${TMPDIR:-/tmp}/interleaved-$MODULE-$AGENTS.txt}

python3 "$HERE/ratios.py" --self-test >&2

case $MODULE in
  servlet) MAIN=dev.agentlimiter.servlet.load.LoadServer; EXCLUDE=() ;;
  # one JAX-RS implementation on the class path, as in an application: RESTEasy is left out
  jaxrs) MAIN=dev.agentlimiter.jaxrs.load.LoadServer; EXCLUDE=(-DexcludeArtifactIds=resteasy-core,resteasy-core-spi) ;;
  *) echo "module: servlet or jaxrs" >&2; exit 2 ;;
esac
M=limiter-$MODULE
# one reactor build, so the class path names the modules' target/classes (nothing need be installed)
mvn -B -q -pl "$M" -am test-compile dependency:build-classpath -Dmdep.outputFile=target/load-cp.txt \
  -Dmdep.includeScope=test "${EXCLUDE[@]}" > /dev/null
CP=$M/target/test-classes:$M/target/classes:limiter-core/target/classes:limiter-api/target/classes:$(cat "$M/target/load-cp.txt")
if [ "$AGENTS" = "1" ]; then ARGS=(-H "Authorization: Bearer ak_load_0_0123456789abcdef"); else ARGS=(-s "$M/load/keys.lua"); fi
HZ=$(getconf CLK_TCK)

port=${PORT:-18090}
declare -A PID PORTS
cleanup() { for m in "${!PID[@]}"; do kill "${PID[$m]}" 2>/dev/null || true; done; }
trap cleanup EXIT
for m in "${MODES[@]}"; do
  java -Xms1g -Xmx1g -XX:+AlwaysPreTouch -cp "$CP" "$MAIN" "$m" "$port" "$AGENTS" \
    > "${TMPDIR:-/tmp}/interleaved-server-$m.log" 2>&1 &
  PID[$m]=$!; PORTS[$m]=$port; port=$((port + 1))
done

cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }                       # user + system ticks, all threads
jit() { cat /proc/"$1"/task/*/stat 2>/dev/null | awk '/\((C1|C2) CompilerThre/ {t += $14 + $15} END {print t + 0}'; }
load() { AGENTS=$AGENTS wrk -t2 -c32 -d"$2"s "${ARGS[@]}" "http://127.0.0.1:${PORTS[$1]}/hello"; }

for m in "${MODES[@]}"; do
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:${PORTS[$m]}/hello" && break; sleep 0.2; done
  # warm up until the compilers used under 2 % of a 5 s load, at least WARM_MIN and at most WARM_MAX seconds
  warmed=0
  while :; do
    before=$(jit "${PID[$m]}"); load "$m" 5 > /dev/null; after=$(jit "${PID[$m]}"); warmed=$((warmed + 5))
    if [ "$warmed" -ge "$WARM_MIN" ] && [ $((after - before)) -le $((HZ / 10)) ]; then break; fi
    if [ "$warmed" -ge "$WARM_MAX" ]; then echo "# $m: compilers still busy after ${warmed}s" >&2; break; fi
  done
  echo "# $m warmed for ${warmed}s" >&2
done

: > "$OUT"
for r in $(seq 1 "$ROUNDS"); do
  for m in $(printf '%s\n' "${MODES[@]}" | shuf); do
    before=$(cpu "${PID[$m]}"); result=$(load "$m" "$RUN"); after=$(cpu "${PID[$m]}")
    echo "$result" | awk -v r="$r" -v m="$m" -v t=$((after - before)) -v hz="$HZ" '
      /requests in/ {n = $1} /Non-2xx/ {bad = $4} /Requests\/sec/ {rps = $2}
      /Socket errors/ {gsub(",", ""); errors = $4 + $6 + $8 + $10}
      END {printf "round=%d mode=%s rps=%.0f cpu_us=%.2f non2xx=%d errors=%d\n", r, m, rps, n ? t / hz * 1e6 / n : 0, bad, errors}' \
      | tee -a "$OUT"
  done
done
python3 "$HERE/ratios.py" "$OUT" "${MODES[@]}"
