#!/usr/bin/env bash
# Compares how Ferry, nginx and HAProxy treat ambiguous or malformed HTTP requests: each in front
# of one recording backend on loopback. Installs nginx and HAProxy from Debian when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v nginx >/dev/null || ! command -v haproxy >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx haproxy >/dev/null
fi
[ -f target/ferry.jar ] || mvn -q -B package -DskipTests

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
backend=$(free_port); ferry=$(free_port); admin=$(free_port); cport=$(free_port)
nginx_port=$(free_port); haproxy_port=$(free_port)

cat > "$work/nginx.conf" <<NGINX
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  upstream backend { server 127.0.0.1:$backend; keepalive 16; }
  server {
    listen 127.0.0.1:$nginx_port;
    location / { proxy_pass http://backend; proxy_http_version 1.1;
                 proxy_set_header Connection ""; proxy_set_header Host \$host; }
  }
}
NGINX
nginx -c "$work/nginx.conf" -g 'daemon off;' & pids+=($!)

cat > "$work/haproxy.cfg" <<HAPROXY
global
  nbthread 2
defaults
  mode http
  timeout connect 5s
  timeout client 10s
  timeout server 10s
frontend web
  bind 127.0.0.1:$haproxy_port
  default_backend app
backend app
  http-reuse always
  server s1 127.0.0.1:$backend
HAPROXY
haproxy -f "$work/haproxy.cfg" -db >/dev/null 2>&1 & pids+=($!)

FERRY_LISTEN_ADDR=127.0.0.1:$ferry FERRY_ADMIN_LISTEN_ADDR=127.0.0.1:$admin \
FERRY_ADVERTISE_IP=127.0.0.1 FERRY_CLUSTER_PORT=$cport FERRY_CLUSTER_MEMBERS=127.0.0.1:$cport \
FERRY_CLUSTER_NAME=framing-$$ FERRY_CLUSTER_CONFIG= \
  java -jar target/ferry.jar > "$work/ferry.log" 2>&1 & pids+=($!)
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$admin/healthz" >/dev/null && break; sleep 0.5; done
curl -sf -X PUT "http://127.0.0.1:$admin/proxy/upstreams" -H 'Content-Type: application/json' \
  -d "{\"upstream\":{\"name\":\"probe\"},\"backend\":{\"id\":\"1\",\"ip\":\"127.0.0.1\",\"port\":$backend,\"scheme\":\"http\"}}" >/dev/null

python3 bench/framing/probe.py "$ferry" "$nginx_port" "$haproxy_port" "$backend"
