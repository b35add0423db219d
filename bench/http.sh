#!/usr/bin/env bash
# HTTP throughput and p99 latency on loopback: an nginx origin serving a 100-byte file, reached
# directly, through nginx as a reverse proxy, through HAProxy and through Ferry.
# wrk -t1 -c50: a warm-up of WARMUP s (default 20: the JVM compiles slowly while the machine is
# busy) per target, then ROUNDS (default 3) rounds of
# DURATION s (default 10) that take the targets in turn. Medians of the rounds are printed, with
# the CPU time each server used per request (the origin's own for the origin) and the part of
# it spent in the kernel.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
WARMUP=${WARMUP:-20} ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-10}

install_missing nginx:nginx haproxy:haproxy wrk:wrk python3:python3 curl:curl pgrep:procps
ensure_jar

origin=$(free_port); nginx_port=$(free_port); haproxy_port=$(free_port)
start_origin "$origin"
start_nginx_proxy "$nginx_port" "$origin"
start_haproxy http "$haproxy_port" "$origin"
start_ferry ferry
put_backend "$ferry_admin" '{"name":"bench","sticky":false}' \
  "{\"id\":\"1\",\"ip\":\"127.0.0.1\",\"port\":$origin,\"scheme\":\"http\"}"

targets=(origin nginx haproxy ferry)
declare -A pid=([origin]=$origin_pid [nginx]=$nginx_pid [haproxy]=$haproxy_pid [ferry]=$ferry_pid)
declare -A url=([origin]="http://127.0.0.1:$origin/" [nginx]="http://127.0.0.1:$nginx_port/"
  [haproxy]="http://127.0.0.1:$haproxy_port/" [ferry]="http://127.0.0.1:$ferry_http/")
host='Host: bench.ferry.local'

for t in "${targets[@]}"; do
  curl -sf -o /dev/null -H "$host" "${url[$t]}" || { echo "$t does not answer 200" >&2; exit 1; }
done
echo "ferry ready after ${ferry_ready_ms} ms; warm-up ${WARMUP} s each, then ${ROUNDS} rounds of ${DURATION} s" >&2
for t in "${targets[@]}"; do run_wrk "$WORK/warm-$t" "$WARMUP" "${url[$t]}" -H "$host"; done

ferry_rss_max=0
for r in $(seq 1 "$ROUNDS"); do
  for t in "${targets[@]}"; do
    out="$WORK/$t-$r"
    before=$(cpu_ticks "${pid[$t]}"); kernel_before=$(kernel_ticks "${pid[$t]}")
    run_wrk "$out" "$DURATION" "${url[$t]}" -H "$host"
    requests=$(awk '/requests in/ {print $1}' "$out")
    us_per_request "$(( $(cpu_ticks "${pid[$t]}") - before ))" "$requests" > "$out.cpu"
    us_per_request "$(( $(kernel_ticks "${pid[$t]}") - kernel_before ))" "$requests" \
      > "$out.kernel"
    if [ "$t" = ferry ]; then
      rss=$(rss_mb "$ferry_pid"); (( rss > ferry_rss_max )) && ferry_rss_max=$rss
    fi
    printf 'round %d %-8s %8s req/s  p99 %7s ms  CPU %5s us/req (kernel %5s)  errors %s\n' \
      "$r" "$t" "$(wrk_field "$out" rps)" "$(wrk_field "$out" p99)" "$(cat "$out.cpu")" \
      "$(cat "$out.kernel")" "$(wrk_field "$out" errors)" >&2
    if [ "$(wrk_field "$out" errors)" != 0 ]; then
      echo "--- wrk output for $t, round $r:" >&2; cat "$out" >&2
    fi
  done
done

declare -A rps p99 errs cpu kernel
for t in "${targets[@]}"; do
  rps[$t]=$(for r in $(seq 1 "$ROUNDS"); do wrk_field "$WORK/$t-$r" rps; done | median)
  cpu[$t]=$(for r in $(seq 1 "$ROUNDS"); do cat "$WORK/$t-$r.cpu"; done | median)
  kernel[$t]=$(for r in $(seq 1 "$ROUNDS"); do cat "$WORK/$t-$r.kernel"; done | median)
  p99[$t]=$(for r in $(seq 1 "$ROUNDS"); do wrk_field "$WORK/$t-$r" p99; done | median)
  errs[$t]=$(for r in $(seq 1 "$ROUNDS"); do wrk_field "$WORK/$t-$r" errors; done | awk '{s += $1} END {print s + 0}')
done

echo
echo "HTTP, wrk -t1 -c50 -d${DURATION}s --latency, 100-byte file, median of ${ROUNDS} rounds"
printf '%-22s %10s %10s %12s %12s %10s %12s\n' target 'req/s' 'p99 ms' 'CPU us/req' \
  'kernel us' errors 'ferry ratio'
for t in "${targets[@]}"; do
  case $t in
    origin) label="origin (nginx direct)"; fr="" ;;
    nginx) label="nginx reverse proxy"; fr="$(ratio "${rps[ferry]}" "${rps[nginx]}")x" ;;
    haproxy) label="HAProxy"; fr="$(ratio "${rps[ferry]}" "${rps[haproxy]}")x" ;;
    ferry) label="Ferry"; fr="" ;;
  esac
  printf '%-22s %10s %10s %12s %12s %10s %12s\n' "$label" "${rps[$t]}" "${p99[$t]}" \
    "${cpu[$t]}" "${kernel[$t]}" "${errs[$t]}" "$fr"
done
echo "Ferry p99 / nginx p99: $(ratio "${p99[ferry]}" "${p99[nginx]}"); / HAProxy p99: $(ratio "${p99[ferry]}" "${p99[haproxy]}")"
echo "Ferry RSS after rounds: max ${ferry_rss_max} MB; ready after ${ferry_ready_ms} ms"
machine_line
