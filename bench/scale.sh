#!/usr/bin/env bash
# Ferry with many upstreams against Ferry with one, and its memory, on loopback.
#
# Two nodes, each a cluster of its own: "one" holds one upstream, "many" UPSTREAMS (default
# 10,000), each with 3 backends (the nginx origin on 127.0.0.1, .2 and .3), loaded through the
# admin API by 8 parallel clients. wrk -t1 -c50 then takes the two in turn (a warm-up of WARMUP
# s, ROUNDS rounds of DURATION s); against "many" every request names the next upstream.
# Then: admin PUTs per second (PUTS, default 2,000, 8 clients) on each node; SESSIONS (default
# 100,000) sticky sessions on "many", made by requests from distinct 127.x.y.z addresses over
# 1,000 sticky upstreams; resident memory (VmRSS) all along; and the time a second node takes to
# join "many" and answer /healthz 200 with the whole table and its sessions.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
WARMUP=${WARMUP:-5} ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-10}
UPSTREAMS=${UPSTREAMS:-10000} PUTS=${PUTS:-2000} SESSIONS=${SESSIONS:-100000}
LOAD_DEADLINE=${LOAD_DEADLINE:-600} SESSION_DEADLINE=${SESSION_DEADLINE:-300}

install_missing nginx:nginx wrk:wrk python3:python3 curl:curl java:openjdk-17-jdk-headless
ensure_jar
client() { java -cp "$WORK/classes" BenchClient "$@"; }
mkdir -p "$WORK/classes"; javac -d "$WORK/classes" bench/BenchClient.java

origin=$(free_port)
start_origin "$origin" "127.0.0.1 127.0.0.2 127.0.0.3"
start_ferry one
rss_idle_one=$(rss_mb "$one_pid")
start_ferry many
rss_idle_many=$(rss_mb "$many_pid")
echo "nodes ready after ${one_ready_ms} ms and ${many_ready_ms} ms; idle RSS ${rss_idle_one} MB" >&2

read -r _ ok_one failed_one _ _ < <(client load "$one_admin" u 0 1 3 false "$origin" 1 60)
echo "loading $UPSTREAMS upstreams x 3 backends into 'many' (8 clients, at most ${LOAD_DEADLINE} s)" >&2
read -r load_n load_ok load_failed load_s load_rate < \
  <(client load "$many_admin" u 0 "$UPSTREAMS" 3 false "$origin" 8 "$LOAD_DEADLINE")
count=$(curl -s "http://127.0.0.1:$many_admin/proxy/upstreams?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
echo "loaded: $load_ok of $load_n PUTs answered 201 in ${load_s} s (${load_rate}/s); table holds $count upstreams" >&2
rss_loaded=$(rss_mb "$many_pid")

cat > "$WORK/hosts.lua" <<'LUA'
-- Each request names the next of HOSTS upstreams u0, u1, ...
local n = tonumber(os.getenv("HOSTS"))
local i = -1
request = function()
  i = (i + 1) % n
  return wrk.format("GET", "/", {Host = "u" .. i .. ".ferry.local"})
end
LUA
bench_one() { HOSTS=1 run_wrk "$1" "$2" "http://127.0.0.1:$one_http/" -s "$WORK/hosts.lua"; }
bench_many() { HOSTS=$count run_wrk "$1" "$2" "http://127.0.0.1:$many_http/" -s "$WORK/hosts.lua"; }

curl -sf -o /dev/null -H 'Host: u0.ferry.local' "http://127.0.0.1:$one_http/"
curl -sf -o /dev/null -H "Host: u$((count - 1)).ferry.local" "http://127.0.0.1:$many_http/"
bench_one "$WORK/warm-one" "$WARMUP"; bench_many "$WORK/warm-many" "$WARMUP"
rss_one_max=0; rss_many_max=0
for r in $(seq 1 "$ROUNDS"); do
  for t in one many; do
    out="$WORK/$t-$r"
    "bench_$t" "$out" "$DURATION"
    pid_var=${t}_pid; max_var=rss_${t}_max
    rss=$(rss_mb "${!pid_var}"); (( rss > ${!max_var} )) && printf -v "$max_var" %s "$rss"
    printf 'round %d %-5s %8s req/s  p99 %7s ms  errors %s\n' "$r" "$t" \
      "$(wrk_field "$out" rps)" "$(wrk_field "$out" p99)" "$(wrk_field "$out" errors)" >&2
    if [ "$(wrk_field "$out" errors)" != 0 ]; then echo "--- wrk output:" >&2; cat "$out" >&2; fi
  done
done
declare -A rps p99 errs
for t in one many; do
  rps[$t]=$(for r in $(seq 1 "$ROUNDS"); do wrk_field "$WORK/$t-$r" rps; done | median)
  p99[$t]=$(for r in $(seq 1 "$ROUNDS"); do wrk_field "$WORK/$t-$r" p99; done | median)
  errs[$t]=$(for r in $(seq 1 "$ROUNDS"); do wrk_field "$WORK/$t-$r" errors; done | awk '{s += $1} END {print s + 0}')
done

echo "admin PUTs: $PUTS on each node, 8 clients" >&2
read -r _ put_ok_one _ put_s_one put_rate_one < \
  <(client load "$one_admin" p 0 "$PUTS" 1 false "$origin" 8 120)
# On the full table: 1,000 new sticky upstreams with PUTS / 1,000 backends each.
per=$(( (PUTS + 999) / 1000 ))
read -r _ put_ok_many _ put_s_many put_rate_many < \
  <(client load "$many_admin" s 0 1000 "$per" true "$origin" 8 120)

echo "sessions: $SESSIONS requests from distinct source addresses (at most ${SESSION_DEADLINE} s)" >&2
read -r ses_n ses_ok ses_failed ses_s ses_rate < \
  <(client sessions "$many_http" s 1000 "$SESSIONS" 32 "$SESSION_DEADLINE")
sleep 1
stored=$(curl -s "http://127.0.0.1:$many_admin/proxy/sessions?counts=true" | python3 -c 'import json,sys; print(sum(json.load(sys.stdin).values()))')
total_upstreams=$(curl -s "http://127.0.0.1:$many_admin/proxy/upstreams?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
rss_sessions=$(rss_mb "$many_pid")
# How much of that is live: the heap in use after a full collection, and the RSS then.
heap_live=n/a; rss_after_gc=n/a
if command -v jcmd >/dev/null; then
  jcmd "$many_pid" GC.run >/dev/null 2>&1 || true
  # Each collector names its heap parts its own way; the parts are the lines with a total.
  heap_live=$(jcmd "$many_pid" GC.heap_info 2>/dev/null | awk '/ total / {
    for (i = 1; i < NF; i++) if ($i == "used") { v = $(i + 1); sub(/K.*/, "", v); s += v } }
    END { printf "%.0f", s / 1024 }')
  rss_after_gc=$(rss_mb "$many_pid")
fi

FERRY_CLUSTER=bench-many-$$ FERRY_JOIN=127.0.0.1:$many_cport start_ferry joined
joined_upstreams=$(curl -s "http://127.0.0.1:$joined_admin/proxy/upstreams?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
rss_joined=$(rss_mb "$joined_pid")

echo
echo "Upstreams, wrk -t1 -c50 -d${DURATION}s --latency, median of ${ROUNDS} rounds, 3 backends each"
printf '%-36s %10s %10s %8s\n' node 'req/s' 'p99 ms' errors
printf '%-36s %10s %10s %8s\n' "1 upstream" "${rps[one]}" "${p99[one]}" "${errs[one]}"
printf '%-36s %10s %10s %8s\n' "$count upstreams, host rotating" "${rps[many]}" "${p99[many]}" "${errs[many]}"
echo "ratio many/one: $(ratio "${rps[many]}" "${rps[one]}")x"
echo
echo "Admin API"
echo "loading ${UPSTREAMS} x 3 backends: $load_ok of $load_n PUTs 201 in ${load_s} s = ${load_rate} PUT/s (8 clients)"
echo "$PUTS PUTs on a 1-upstream table:   $put_ok_one 201 in ${put_s_one} s = ${put_rate_one} PUT/s"
echo "$((1000 * per)) PUTs on the ${count}-upstream table: $put_ok_many 201 in ${put_s_many} s = ${put_rate_many} PUT/s"
echo
echo "Memory (VmRSS) and readiness"
echo "idle, empty table:                        ${rss_idle_one} MB (ready after ${one_ready_ms} ms)"
echo "1 upstream under wrk:                     ${rss_one_max} MB"
echo "$count upstreams loaded:                 ${rss_loaded} MB"
echo "$count upstreams under wrk:              ${rss_many_max} MB"
echo "$total_upstreams upstreams, $stored sessions:      ${rss_sessions} MB ($ses_ok of $ses_n session requests 200 in ${ses_s} s, ${ses_rate}/s)"
echo "after a full GC:                          heap in use ${heap_live} MB, RSS ${rss_after_gc} MB"
echo "second node joining that cluster:         ready after ${joined_ready_ms} ms with $joined_upstreams upstreams, RSS ${rss_joined} MB"
machine_line
