#!/usr/bin/env bash
# TCP throughput on loopback: redis-benchmark -t get,set -q against redis-server directly,
# through HAProxy in TCP mode (2 threads) and through a Ferry upstream's TCP listener.
# ROUNDS (default 3) rounds take the targets in turn, REQUESTS (default 200,000) requests per
# test, 50 clients; a warm-up round of 50,000 requests first. Medians are printed, with the CPU
# time each server used per request and the part of it spent in the kernel.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ROUNDS=${ROUNDS:-3} REQUESTS=${REQUESTS:-200000}

install_missing haproxy:haproxy redis-server:redis-server redis-benchmark:redis-tools \
  python3:python3 curl:curl pgrep:procps
ensure_jar

redis=$(free_port); haproxy_port=$(free_port); listen=$(free_port)
redis-server --bind 127.0.0.1 --port "$redis" --save '' --appendonly no --daemonize no \
  --dir "$WORK" > "$WORK/redis.log" 2>&1 & PIDS+=($!); redis_pid=$!
wait_port "$redis"
start_haproxy tcp "$haproxy_port" "$redis"
start_ferry ferry
put_backend "$ferry_admin" "{\"name\":\"redis\",\"sticky\":false,\"listen\":\":$listen\"}" \
  "{\"id\":\"1\",\"ip\":\"127.0.0.1\",\"port\":$redis,\"scheme\":\"http\"}"
wait_port "$listen"

targets=(redis haproxy ferry)
declare -A port=([redis]=$redis [haproxy]=$haproxy_port [ferry]=$listen)
declare -A pid=([redis]=$redis_pid [haproxy]=$haproxy_pid [ferry]=$ferry_pid)
bench() { # bench PORT N OUT
  timeout 300 redis-benchmark -h 127.0.0.1 -p "$1" -t get,set -n "$2" -c 50 -q > "$3" 2>&1 || true
  tr '\r' '\n' < "$3" | grep -E '^(SET|GET): [0-9.]+ requests per second' > "$3.last" || true
}
field() { # field OUT SET|GET rps|p50
  awk -v op="$2:" -v f="$3" '$1 == op { if (f == "rps") print $2; else { sub(/p50=/, "", $6); print $6 } }' "$1.last"
}
for t in "${targets[@]}"; do bench "${port[$t]}" 50000 "$WORK/warm-$t"; done
for r in $(seq 1 "$ROUNDS"); do
  for t in "${targets[@]}"; do
    before=$(cpu_ticks "${pid[$t]}"); kernel_before=$(kernel_ticks "${pid[$t]}")
    bench "${port[$t]}" "$REQUESTS" "$WORK/$t-$r"
    us_per_request "$(( $(cpu_ticks "${pid[$t]}") - before ))" $(( 2 * REQUESTS )) > "$WORK/$t-$r.cpu"
    us_per_request "$(( $(kernel_ticks "${pid[$t]}") - kernel_before ))" $(( 2 * REQUESTS )) \
      > "$WORK/$t-$r.kernel"
    printf 'round %d %-8s SET %10s GET %10s req/s  CPU %5s us/req (kernel %5s)\n' "$r" "$t" \
      "$(field "$WORK/$t-$r" SET rps)" "$(field "$WORK/$t-$r" GET rps)" "$(cat "$WORK/$t-$r.cpu")" \
      "$(cat "$WORK/$t-$r.kernel")" >&2
    [ -s "$WORK/$t-$r.last" ] || { echo "--- redis-benchmark output:" >&2; cat "$WORK/$t-$r" >&2; }
  done
done

echo
echo "TCP, redis-benchmark -t get,set -n $REQUESTS -c 50 -q, median of $ROUNDS rounds"
printf '%-22s %12s %9s %12s %9s %12s %10s\n' target 'SET req/s' 'p50 ms' 'GET req/s' 'p50 ms' \
  'CPU us/req' 'kernel us'
declare -A set get
for t in "${targets[@]}"; do
  set[$t]=$(for r in $(seq 1 "$ROUNDS"); do field "$WORK/$t-$r" SET rps; done | median)
  get[$t]=$(for r in $(seq 1 "$ROUNDS"); do field "$WORK/$t-$r" GET rps; done | median)
  sp=$(for r in $(seq 1 "$ROUNDS"); do field "$WORK/$t-$r" SET p50; done | median)
  gp=$(for r in $(seq 1 "$ROUNDS"); do field "$WORK/$t-$r" GET p50; done | median)
  case $t in redis) label="redis direct" ;; haproxy) label="HAProxy (mode tcp)" ;; ferry) label="Ferry TCP listener" ;; esac
  cpu=$(for r in $(seq 1 "$ROUNDS"); do cat "$WORK/$t-$r.cpu"; done | median)
  kernel=$(for r in $(seq 1 "$ROUNDS"); do cat "$WORK/$t-$r.kernel"; done | median)
  printf '%-22s %12s %9s %12s %9s %12s %10s\n' "$label" "${set[$t]}" "$sp" "${get[$t]}" "$gp" \
    "$cpu" "$kernel"
done
echo "Ferry / HAProxy: SET $(ratio "${set[ferry]}" "${set[haproxy]}")x, GET $(ratio "${get[ferry]}" "${get[haproxy]}")x"
echo "Ferry / direct:  SET $(ratio "${set[ferry]}" "${set[redis]}")x, GET $(ratio "${get[ferry]}" "${get[redis]}")x"
echo "Ferry RSS: $(rss_mb "$ferry_pid") MB"
machine_line
