#!/usr/bin/env bash
# The CLI's end-to-end time (docs/BENCHMARKS.md, "cairnctl query end to end"): a whole
# `cairnctl query` process — start, connect to cairnd, the year-long monthly sum over about 10
# million records, print JSON, exit — against `clickhouse-client` answering the same query on
# the same data from a local ClickHouse server (Debian's clickhouse-server, MergeTree ordered
# by (metric, product, timestamp)), both timed by hyperfine in the same run.
#
#   tools/bench/cli_bench.sh [--records N] [--runs N] [--scratch DIR]
#
# Builds with `bazel build -c opt` (or $BAZEL_FLAGS), generates the data with tools/bench/common.sh's plant_csv
# (issue 2's plant, 10,000,000 records by default), imports it into a fresh cairnd, loads the
# same CSV into a ClickHouse server started here with its own config and data dir on loopback
# ports, checks that both answer the same 48 groups (relative difference at most 1e-9), then
# runs hyperfine over both commands, and `cairnctl status` and `cairnctl --help` for the
# start-up cost alone. Prints the medians, the ratio and the targets (cairnctl median at most
# 10 ms; clickhouse-client at least 20 times slower). Needs hyperfine, jq, clickhouse-server
# and clickhouse-client (`make bench-cli` installs them). Leaves nothing running and removes
# the scratch directory, also when interrupted. About 1.5 GB of disk at the default size.
set -euo pipefail
SCRIPT=$(readlink -f "$0")
cd "$(dirname "$SCRIPT")/../.."
source tools/bench/common.sh  # run, calc, machine_line, plant_csv

RECORDS=10000000
RUNS=100
SCRATCH_PARENT=${TMPDIR:-/tmp}
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$SCRIPT"; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --records) RECORDS=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --scratch) SCRATCH_PARENT=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "cli_bench.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
for n in "$RECORDS" "$RUNS"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "cli_bench.sh: '$n' is not a positive integer" >&2; exit 2; }
done
for tool in hyperfine jq clickhouse-client /usr/sbin/clickhouse-server; do
  command -v "$tool" >/dev/null ||
    { echo "cli_bench.sh: $tool is not installed (make bench-cli installs it)" >&2; exit 1; }
done

BAZEL=${BAZEL:-bazel}
read -r -a FLAGS <<<"${BAZEL_FLAGS:--c opt}"  # e.g. BAZEL_FLAGS=--config=ci reuses a dev build
TARGETS=(//daemon:cairnd //tools/cairnctl:cairnctl //tools/datagen:cairn-datagen)
echo "== build: $BAZEL build ${FLAGS[*]} ${TARGETS[*]}"
"$BAZEL" build "${FLAGS[@]}" "${TARGETS[@]}"
BIN=$("$BAZEL" info "${FLAGS[@]}" bazel-bin 2>/dev/null)
CAIRND=$BIN/daemon/cairnd
CAIRNCTL=$BIN/tools/cairnctl/cairnctl
DATAGEN=$BIN/tools/datagen/cairn-datagen

WORK=$(mktemp -d "$SCRATCH_PARENT/cairn-cli-bench.XXXXXX")
CAIRND_PID="" CLICKHOUSE_PID=""
stop() {  # stop PID: SIGTERM, then wait for it
  [[ -n $1 ]] || return 0
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
cleanup() {
  if [[ -n $CHILD ]]; then stop "$CHILD"; fi
  stop "$CAIRND_PID"
  stop "$CLICKHOUSE_PID"
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

machine_line

# ---- Data: issue 2's plant, into cairnd. ----
CSV=$WORK/plant.csv
plant_csv "$RECORDS" "$CSV"
DATA=$WORK/cairnd
"$CAIRNCTL" init --data-dir "$DATA" --name "bench" --listen 127.0.0.1:0 >/dev/null
"$CAIRND" --data-dir "$DATA" --log-level warning >"$WORK/cairnd.log" 2>&1 &
CAIRND_PID=$!
for _ in $(seq 1 100); do
  "$CAIRNCTL" --data-dir "$DATA" status >/dev/null 2>&1 && break
  kill -0 "$CAIRND_PID" 2>/dev/null || { cat "$WORK/cairnd.log" >&2; exit 1; }
  sleep 0.1
done
echo "== cairnctl import ($N records)"
run "$CAIRNCTL" --data-dir "$DATA" import --no-progress "$CSV"

# ---- The same data in ClickHouse, its own server on loopback ports. ----
CH=$WORK/clickhouse
mkdir -p "$CH"
free_port() {  # a loopback port nothing listens on now
  local p
  while true; do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
CH_TCP=$(free_port)
CH_HTTP=$(free_port)
cat >"$CH/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$CH/server.log</log><errorlog>$CH/error.log</errorlog></logger>
  <listen_host>127.0.0.1</listen_host>
  <tcp_port>$CH_TCP</tcp_port>
  <http_port>$CH_HTTP</http_port>
  <path>$CH/data/</path>
  <tmp_path>$CH/tmp/</tmp_path>
  <user_files_path>$CH/user_files/</user_files_path>
  <format_schema_path>$CH/format_schemas/</format_schema_path>
  <users_config>$CH/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>5368709120</mark_cache_size>
  <uncompressed_cache_size>8589934592</uncompressed_cache_size>
</yandex>
XML
cat >"$CH/users.xml" <<'XML'
<?xml version="1.0"?>
<yandex>
  <profiles><default></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks>
    <profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
XML
echo "== clickhouse-server $(dpkg-query -W -f='${Version}' clickhouse-server) on 127.0.0.1:$CH_TCP"
/usr/sbin/clickhouse-server --config-file="$CH/config.xml" >"$CH/stdout.log" 2>&1 &
CLICKHOUSE_PID=$!
CH_CLIENT=(clickhouse-client --host 127.0.0.1 --port "$CH_TCP")
for _ in $(seq 1 100); do
  "${CH_CLIENT[@]}" --query "SELECT 1" >/dev/null 2>&1 && break
  kill -0 "$CLICKHOUSE_PID" 2>/dev/null || { cat "$CH/stdout.log" "$CH/error.log" >&2; exit 1; }
  sleep 0.2
done
"${CH_CLIENT[@]}" --query "CREATE TABLE plant (timestamp DateTime, site String, line String,
  product String, metric String, value Float64, unit String)
  ENGINE = MergeTree ORDER BY (metric, product, timestamp)"
echo "== load: the CSV with RFC 3339 times as ClickHouse DateTime, then OPTIMIZE TABLE ... FINAL"
L0=$(now)
sed -e '1d' -e 's/^\([0-9-]*\)T\([0-9:]*\)Z,/\1 \2,/' "$CSV" |
  "${CH_CLIENT[@]}" --query "INSERT INTO plant FORMAT CSV"
"${CH_CLIENT[@]}" --query "OPTIMIZE TABLE plant FINAL"
echo "   $("${CH_CLIENT[@]}" --query "SELECT count() FROM plant") rows in $(printf '%.1f' "$(calc "$(now) - $L0")") s"

# ---- The query, both ways; the answers must agree. ----
CAIRN_QUERY=("$CAIRNCTL" --data-dir "$DATA" query --metric energy --group-by month,product
  --from 2025-01-01 --to 2026-01-01 --format json)
SQL="SELECT toStartOfMonth(timestamp) AS month, product, sum(value) AS value FROM plant
  WHERE metric = 'energy' AND timestamp >= toDateTime('2025-01-01 00:00:00')
  AND timestamp < toDateTime('2026-01-01 00:00:00')
  GROUP BY month, product ORDER BY month, product FORMAT JSON"
SQL=$(echo $SQL)  # one line, for hyperfine's command
"${CAIRN_QUERY[@]}" | jq -r '.rows[] | "\(.month) \(.product) \(.value)"' >"$WORK/cairn.txt"
"${CH_CLIENT[@]}" --query "$SQL" |
  jq -r '.data[] | "\(.month[0:7]) \(.product) \(.value)"' >"$WORK/clickhouse.txt"
NGROUPS=$(wc -l <"$WORK/cairn.txt")
paste -d' ' "$WORK/cairn.txt" "$WORK/clickhouse.txt" | awk -v n="$NGROUPS" '
  $1 != $4 || $2 != $5 { bad = 1 }
  { d = $3 - $6; if (d < 0) d = -d; m = $3 < 0 ? -$3 : $3; if (d > 1e-9 * m) bad = 1 }
  END { if (bad || NR != n || n == 0) { print "cli_bench.sh: the answers differ" > "/dev/stderr"; exit 1 } }'
echo "== both answer the same $NGROUPS groups"

# cpu_of PID: user + system CPU seconds of a process (all threads), from /proc.
cpu_of() {
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); print ($12 + $13) / hz }' "/proc/$1/stat"
}
echo "== hyperfine: $RUNS runs each (median, mean, user and system CPU of the client process)"
D0=$(cpu_of "$CAIRND_PID")
hyperfine -N --warmup 5 --runs "$RUNS" --export-json "$WORK/queries.json" \
  -n "cairnctl query" "${CAIRN_QUERY[*]}" >"$WORK/hyperfine.txt"
D1=$(cpu_of "$CAIRND_PID")
C0=$(cpu_of "$CLICKHOUSE_PID")
hyperfine -N --warmup 5 --runs "$RUNS" --export-json "$WORK/clickhouse.json" \
  -n "clickhouse-client" "clickhouse-client --host 127.0.0.1 --port $CH_TCP --query \"$SQL\"" \
  >>"$WORK/hyperfine.txt"
C1=$(cpu_of "$CLICKHOUSE_PID")
hyperfine -N --warmup 5 --runs "$RUNS" --export-json "$WORK/startup.json" \
  -n "cairnctl status" "$CAIRNCTL --data-dir $DATA status" \
  -n "cairnctl --help" "$CAIRNCTL --help" >>"$WORK/hyperfine.txt"
jq -s '{results: (map(.results) | add)}' "$WORK/queries.json" "$WORK/clickhouse.json" \
  "$WORK/startup.json" >"$WORK/hyperfine.json"
# The servers' CPU per query (clock ticks of 10 ms: a mean over all runs and warm-ups).
CAIRND_CPU_MS=$(calc "($D1 - $D0) * 1000 / ($RUNS + 5)")
CH_SERVER_CPU_MS=$(calc "($C1 - $C0) * 1000 / ($RUNS + 5)")
jq -r '.results[] | [.command, .median * 1000, .mean * 1000, .stddev * 1000, .user * 1000,
  .system * 1000] | @tsv' "$WORK/hyperfine.json" |
  awk -F'\t' 'BEGIN { printf "%-20s %10s %10s %10s %10s %10s\n", "command", "median ms",
    "mean ms", "stddev", "user ms", "sys ms" }
    { printf "%-20s %10.2f %10.2f %10.2f %10.2f %10.2f\n", $1, $2, $3, $4, $5, $6 }'
median() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .median * 1000' "$WORK/hyperfine.json"; }
cpu_ms() { jq -r --arg n "$1" '.results[] | select(.command == $n) | (.user + .system) * 1000' "$WORK/hyperfine.json"; }
CAIRN_MS=$(median "cairnctl query")
CH_MS=$(median "clickhouse-client")
RATIO=$(calc "$CH_MS / $CAIRN_MS")
verdict() { if [[ $(calc "$1") == 1 ]]; then echo "met"; else echo "MISSED"; fi; }
echo
echo "== Summary ($(date -u +%Y-%m-%dT%H:%MZ), commit $(commit)): $N records, load average $(load)"
printf '%-44s %-22s %-14s %s\n' "measure" "figure" "target" "verdict"
printf '%-44s %-22s %-14s %s\n' "cairnctl query end to end, median" "$(printf '%.2f ms' "$CAIRN_MS")" \
  "<= 10 ms" "$(verdict "$CAIRN_MS <= 10")"
printf '%-44s %-22s %-14s %s\n' "  cairnctl CPU (user + sys) / cairnd CPU" \
  "$(printf '%.2f / %.2f ms' "$(cpu_ms "cairnctl query")" "$CAIRND_CPU_MS")" "" ""
printf '%-44s %-22s %-14s %s\n' "clickhouse-client, same query, median" "$(printf '%.2f ms' "$CH_MS")" "" ""
printf '%-44s %-22s %-14s %s\n' "  client CPU (user + sys) / server CPU" \
  "$(printf '%.2f / %.2f ms' "$(cpu_ms "clickhouse-client")" "$CH_SERVER_CPU_MS")" "" ""
printf '%-44s %-22s %-14s %s\n' "clickhouse-client / cairnctl" "$(printf '%.1fx' "$RATIO")" ">= 20x" \
  "$(verdict "$RATIO >= 20")"
echo "RESULT cairnctl_ms=$CAIRN_MS clickhouse_ms=$CH_MS ratio=$RATIO status_ms=$(median "cairnctl status")" \
  "help_ms=$(median "cairnctl --help") cairnd_cpu_ms=$CAIRND_CPU_MS clickhouse_server_cpu_ms=$CH_SERVER_CPU_MS" \
  "records=$N"
