# Shared by the benchmark scripts (sourced, not run): packages, ports, processes, wrk output.
# Everything listens on loopback only; every process started here is stopped on exit.

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# install_missing CMD:PACKAGE ...: installs from Debian the packages whose command is missing.
install_missing() {
  local pkgs=() pair
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null || pkgs+=("${pair#*:}")
  done
  ((${#pkgs[@]})) || return 0
  echo "installing ${pkgs[*]} from Debian" >&2
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${pkgs[@]}" >/dev/null; then
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${pkgs[@]}" >/dev/null
  fi
}

ensure_jar() {
  [ -f target/ferry.jar ] || mvn -q -B package -DskipTests
}

WORK=$(mktemp -d /tmp/ferry-bench.XXXXXX); chmod 755 "$WORK"
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  if [ -n "${KEEP_WORK:-}" ]; then echo "logs kept in $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# start_origin PORT [ADDRESSES]: nginx serving a 100-byte file on PORT of each loopback address.
start_origin() {
  local port=$1 addrs=${2:-127.0.0.1} a listens=""
  mkdir -p "$WORK/www"
  head -c 99 /dev/zero | tr '\0' 'x' > "$WORK/www/index.html"; echo >> "$WORK/www/index.html"
  for a in $addrs; do listens+="listen $a:$port; "; done
  cat > "$WORK/origin.conf" <<NGINX
worker_processes 2;
pid $WORK/origin.pid;
error_log $WORK/origin-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server { $listens root $WORK/www; }
}
NGINX
  nginx -c "$WORK/origin.conf" -g 'daemon off;' & PIDS+=($!); origin_pid=$!
  wait_port "$port" "${addrs%% *}"
}

# start_nginx_proxy PORT ORIGIN_PORT: nginx as reverse proxy, 2 workers, upstream keepalive.
# Sets nginx_pid (start_origin sets origin_pid, start_haproxy haproxy_pid).
start_nginx_proxy() {
  cat > "$WORK/proxy.conf" <<NGINX
worker_processes 2;
pid $WORK/proxy.pid;
error_log $WORK/proxy-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  upstream origin { server 127.0.0.1:$2; keepalive 64; keepalive_requests 1000000; }
  server {
    listen 127.0.0.1:$1;
    location / { proxy_pass http://origin; proxy_http_version 1.1;
                 proxy_set_header Connection ""; proxy_set_header Host \$host; }
  }
}
NGINX
  nginx -c "$WORK/proxy.conf" -g 'daemon off;' & PIDS+=($!); nginx_pid=$!
  wait_port "$1"
}

# start_haproxy MODE PORT BACKEND_PORT: HAProxy with 2 threads, in http or tcp mode.
start_haproxy() {
  local reuse=""
  [ "$1" = http ] && reuse="http-reuse always"
  cat > "$WORK/haproxy-$1.cfg" <<HAPROXY
global
  nbthread 2
  maxconn 4096
defaults
  mode $1
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend front
  bind 127.0.0.1:$2
  default_backend back
backend back
  $reuse
  server s1 127.0.0.1:$3
HAPROXY
  haproxy -f "$WORK/haproxy-$1.cfg" -db > "$WORK/haproxy-$1.log" 2>&1 & PIDS+=($!)
  haproxy_pid=$!
  wait_port "$2"
}

# start_ferry NAME: a one-node cluster of its own on free loopback ports. Sets NAME_pid,
# NAME_http, NAME_admin, NAME_ready_ms (process start until /healthz answers 200).
# Started with the JVM options bin/ferry uses, conf/jvm.options, which FERRY_JAVA_OPTS replaces;
# extra FERRY_* settings may be passed in FERRY_EXTRA.
start_ferry() {
  local name=$1 http admin cport t0 pid
  http=$(free_port); admin=$(free_port); cport=$(free_port)
  t0=$(now_ms)
  # shellcheck disable=SC2086
  env FERRY_LISTEN_ADDR=127.0.0.1:$http FERRY_ADMIN_LISTEN_ADDR=127.0.0.1:$admin \
    FERRY_ADVERTISE_IP=127.0.0.1 FERRY_CLUSTER_PORT=$cport \
    FERRY_CLUSTER_MEMBERS=${FERRY_JOIN:-127.0.0.1:$cport} \
    FERRY_CLUSTER_NAME=${FERRY_CLUSTER:-bench-$name-$$} FERRY_CLUSTER_CONFIG= \
    ${FERRY_EXTRA:-} java ${FERRY_JAVA_OPTS:-$(cat conf/jvm.options)} -jar target/ferry.jar \
    > "$WORK/ferry-$name.log" 2>&1 &
  pid=$!; PIDS+=($pid)
  for _ in $(seq 1 1200); do
    curl -sf -o /dev/null "http://127.0.0.1:$admin/healthz" && break
    kill -0 "$pid" 2>/dev/null || { echo "Ferry $name exited:" >&2; tail -20 "$WORK/ferry-$name.log" >&2; exit 1; }
    sleep 0.02
  done
  curl -sf -o /dev/null "http://127.0.0.1:$admin/healthz" || { echo "Ferry $name not ready in 30 s" >&2; exit 1; }
  printf -v "${name}_ready_ms" %s $(( $(now_ms) - t0 ))
  printf -v "${name}_pid" %s "$pid"; printf -v "${name}_http" %s "$http"
  printf -v "${name}_admin" %s "$admin"; printf -v "${name}_cport" %s "$cport"
}

# put_backend ADMIN UPSTREAM_JSON BACKEND_JSON: one admin PUT that has to answer 201.
put_backend() {
  local code
  code=$(curl -s -o "$WORK/put.out" -w '%{http_code}' -X PUT "http://127.0.0.1:$1/proxy/upstreams" \
    -H 'Content-Type: application/json' -d "{\"upstream\":$2,\"backend\":$3}")
  [ "$code" = 201 ] || { echo "PUT answered $code: $(cat "$WORK/put.out")" >&2; exit 1; }
}

wait_port() {
  local host=${2:-127.0.0.1}
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/$host/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "nothing listens on $host:$1" >&2; exit 1
}

# cpu_ticks PID...: CPU time used so far by these processes and their children, in ticks.
cpu_ticks() { proc_ticks '$14 + $15' "$@"; }

# kernel_ticks PID...: the part of cpu_ticks spent in the kernel (system calls, the TCP stack).
kernel_ticks() { proc_ticks '$15' "$@"; }

proc_ticks() {
  local expr=$1 p t=0; shift
  for p in "$@" $(pgrep -P "$(echo "$@" | tr ' ' ',')" 2>/dev/null); do
    t=$(( t + $(awk "{print $expr}" "/proc/$p/stat" 2>/dev/null || echo 0) ))
  done
  echo "$t"
}

# us_per_request TICKS REQUESTS: CPU microseconds per request.
us_per_request() { awk -v t="$1" -v n="$2" -v hz="$(getconf CLK_TCK)" 'BEGIN {if (n + 0 == 0) print "n/a"; else printf "%.1f\n", t * 1e6 / hz / n}'; }

rss_mb() { awk '/^VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }

# run_wrk OUT SECONDS URL [wrk args...]: wrk -t1 -c50 --latency; the output goes to OUT.
run_wrk() {
  local out=$1 secs=$2 url=$3; shift 3
  wrk -t1 -c50 -d"${secs}s" --timeout 5s --latency "$@" "$url" > "$out" 2>&1 || true
}

# wrk_field OUT rps|p99|errors: requests/s, p99 in ms, and "non-2xx + socket errors".
wrk_field() {
  case $2 in
    rps) awk '/^Requests\/sec/ {printf "%.0f\n", $2}' "$1" ;;
    p99) awk '$1 == "99%" { v = $2; u = v; gsub(/[0-9.]/, "", u); sub(/[a-z]+$/, "", v);
           f = (u == "us") ? 0.001 : (u == "s") ? 1000 : (u == "m") ? 60000 : 1;
           printf "%.2f\n", v * f }' "$1" ;;
    errors) awk '/Non-2xx/ {n += $NF} /Socket errors/ {for (i = 4; i <= NF; i += 2) n += $i}
           END {print n + 0}' "$1" ;;
  esac
}

median() { sort -g | awk '{a[NR] = $1} END {if (NR == 0) print "n/a"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b + 0 == 0) print "n/a"; else printf "%.2f", a / b}'; }

machine_line() {
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo);" \
    "load average $(cut -d' ' -f1-3 /proc/loadavg); $(java -version 2>&1 | head -1)"
}
