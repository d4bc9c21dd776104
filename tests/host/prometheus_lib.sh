# Sourced by the host tests that run Debian's real Prometheus against an
# epscope metrics endpoint (metrics_prometheus.sh, exporter_prometheus.sh).
#
# start_prometheus DIR TARGET: a Prometheus scraping TARGET (host:port) every
# second, its data in DIR; sets prom_port and appends its pid to pids. A port
# is only known free until someone binds it (another test, a VM's forwarding):
# a Prometheus that cannot bind its port exits, and the next port is tried.
start_prometheus() {
    cat >"$1/prometheus.yml" <<YML
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: epscope
    static_configs: [{targets: ["$2"]}]
YML
    for try in $(seq 0 9); do
        prom_port=$((20000 + ($$ * 7 + try * 997) % 20000))
        prometheus --config.file="$1/prometheus.yml" --storage.tsdb.path="$1/tsdb" \
            --web.listen-address="127.0.0.1:$prom_port" >"$1/prometheus.log" 2>&1 &
        local prom=$!
        for _ in $(seq 100); do
            curl -sf "http://127.0.0.1:$prom_port/-/ready" >/dev/null && { pids+=("$prom"); return 0; }
            kill -0 "$prom" 2>/dev/null || break  # exited: the port was taken
            sleep 0.1
        done
        kill "$prom" 2>/dev/null
        wait "$prom" 2>/dev/null
    done
    echo "FAIL: Prometheus did not start on any of 10 ports:" >&2
    cat "$1/prometheus.log" >&2
    return 1
}

# query PROMQL: the first value of an instant query ("" when none).
query() {
    curl -sf --get "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode "query=$1" |
        jq -r '.data.result[0].value[1] // empty'
}
