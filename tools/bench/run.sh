#!/usr/bin/env bash
# Issue 2's benchmark, end to end (`make bench`). Figures and how to read them:
# docs/BENCHMARKS.md.
#
#   tools/bench/run.sh [--records N] [--query-runs N] [--sqlite-runs N] [--scratch DIR]
#
# Builds with `bazel build -c opt`, generates about N records (default 10,000,000: 5-minute
# readings of ~100 series for the year 2025) into a scratch directory, and measures, in
# this order:
#   1. the bare RocksDB peer: bare_writebatch writes the same keys and values in WriteBatches
#      of the same size, with cairnd's RocksDB options and fsync per batch, once with the keys
#      in file order and once with each batch sorted by key first (untimed);
#   2. the import end to end: `cairnctl import FILE` into a fresh, running cairnd (the file is
#      checked in full, then streamed in durable batches), wall and CPU time of both processes;
#   3. the year-long sum by month and product through cairnd's admin RPC (query_bench), p50 and
#      p99 over --query-runs queries, plus a variant with ragged edges;
#   cairnd's VmRSS is sampled every 0.2 s through 2 and 3, and its VmHWM read after each;
#   4. the bare peer again, both ways (cairnd stopped); each ratio uses the faster of 2 runs;
#   5. the raw-scan rate: the year query from raw records only, on cairnd's store (raw_scan);
#   6. SQLite: the CSV loaded with the sqlite3 shell, a covering index, the same query
#      (sqlite_bench), its answer checked against cairnd's.
# Prints a summary table with the targets. Next to wall-clock figures it gives CPU time and,
# from the scheduler (/proc/.../schedstat), how long the critical thread waited for a CPU that
# other users of the machine held; "estimate without waits" rows subtract that wait.
# Leaves nothing running and removes the scratch directory, also when interrupted or when a
# step fails. Needs about 250 bytes of disk per record at the peak (CSV, cairnd's store, the
# bare peer's store, SQLite with its index): 2.5 GB for the default.
set -euo pipefail
SCRIPT=$(readlink -f "$0")
cd "$(dirname "$SCRIPT")/../.."
source tools/bench/common.sh  # run, run_to, calc, now, machine_line, plant_csv
ROOT=$(pwd)

COMMAND="tools/bench/run.sh $*"
RECORDS=10000000
QUERY_RUNS=1000
SQLITE_RUNS=10
SCRATCH_PARENT=${TMPDIR:-/tmp}
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$SCRIPT"; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --records) RECORDS=$2; shift 2 ;;
    --query-runs) QUERY_RUNS=$2; shift 2 ;;
    --sqlite-runs) SQLITE_RUNS=$2; shift 2 ;;
    --scratch) SCRATCH_PARENT=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
for n in "$RECORDS" "$QUERY_RUNS" "$SQLITE_RUNS"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: '$n' is not a positive integer" >&2; exit 2; }
done

BAZEL=${BAZEL:-bazel}
TARGETS=(//daemon:cairnd //tools/cairnctl:cairnctl //tools/datagen:cairn-datagen
  //tools/bench:bare_writebatch //tools/bench:query_bench //tools/bench:raw_scan
  //tools/bench:sqlite_bench)
echo "== build: $BAZEL build -c opt ${TARGETS[*]}"
"$BAZEL" build -c opt "${TARGETS[@]}"
BIN=$("$BAZEL" info -c opt bazel-bin 2>/dev/null)
CAIRND=$BIN/daemon/cairnd
CAIRNCTL=$BIN/tools/cairnctl/cairnctl
DATAGEN=$BIN/tools/datagen/cairn-datagen
for tool in sqlite3 awk jq; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is not installed" >&2; exit 1; }
done

WORK=$(mktemp -d "$SCRATCH_PARENT/cairn-bench.XXXXXX")
CAIRND_PID=""
SAMPLER_PID=""
stop_cairnd() {
  if [[ -n $CAIRND_PID ]]; then
    kill -TERM "$CAIRND_PID" 2>/dev/null || true
    wait "$CAIRND_PID" 2>/dev/null || true
    CAIRND_PID=""
  fi
  if [[ -n $SAMPLER_PID ]]; then  # it stops within 0.2 s of its flag file going
    rm -f "$WORK/sampling"
    wait "$SAMPLER_PID" 2>/dev/null || true
    SAMPLER_PID=""
  fi
}
cleanup() {
  if [[ -n $CHILD ]]; then
    kill -TERM "$CHILD" 2>/dev/null || true
    wait "$CHILD" 2>/dev/null || true
  fi
  stop_cairnd
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# result NAME FILE: the value of NAME=... on the RESULT line a helper printed into FILE.
result() { grep '^RESULT ' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
# calc EXPR: floating-point arithmetic.
# cpu_of PID: user + system CPU seconds of a process (all threads), from /proc.
cpu_of() {
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); print ($12 + $13) / hz }' "/proc/$1/stat"
}
# threads PID: "tid comm run_ns wait_ns" for every thread of PID (schedstat: on a CPU, and
# runnable but waiting for one).
threads() {
  local t
  for t in /proc/"$1"/task/*; do
    echo "$(basename "$t") $(cat "$t/comm") $(cut -d' ' -f1,2 "$t/schedstat")"
  done 2>/dev/null
}
kib_of() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

machine_line

# ---- Data: issue 2's plant (tools/bench/common.sh). ----
CSV=$WORK/plant.csv
plant_csv "$RECORDS" "$CSV"
CSV_MB=$(printf "%.0f" "$(calc "$(stat -c %s "$CSV") / 1e6")")

DATA=$WORK/cairnd
"$CAIRNCTL" init --data-dir "$DATA" --name "bench" >/dev/null

# ---- 1. The bare RocksDB peer, keys in file order and each batch sorted. ----
# bare_run NAME [--sort]: one run of bare_writebatch; its rates go to BARE_*[NAME].
declare -A BARE_RATE BARE_CPU_RATE BARE_PARSE_RATE BARE_WAIT BARE_UNCONTENDED
bare_run() {
  local name=$1 out=$WORK/bare_$1.txt
  shift
  echo "== bare_writebatch $*"
  run_to "$out" "$BIN/tools/bench/bare_writebatch" --csv "$CSV" --db "$WORK/bare" \
    --config "$DATA/cairnd.toml" "$@"
  rm -rf "$WORK/bare"
  BARE_RATE[$name]=$(calc "$(result records "$out") / $(result write_s "$out")")
  BARE_CPU_RATE[$name]=$(calc "$(result records "$out") / $(result write_cpu_s "$out")")
  BARE_PARSE_RATE[$name]=$(calc "$(result records "$out") / $(result total_s "$out")")
  BARE_WAIT[$name]=$(result write_wait_s "$out")
  BARE_UNCONTENDED[$name]=$(calc "$(result records "$out") / ($(result write_s "$out") - ${BARE_WAIT[$name]})")
}
bare_run input1
bare_run sorted1 --sort

# ---- 2. Import end to end into a running cairnd. ----
echo "== cairnd --data-dir $DATA"
"$CAIRND" --data-dir "$DATA" --log-level warning >"$WORK/cairnd.log" 2>&1 &
CAIRND_PID=$!
for _ in $(seq 1 100); do
  "$CAIRNCTL" --data-dir "$DATA" status >/dev/null 2>&1 && break
  kill -0 "$CAIRND_PID" 2>/dev/null || { cat "$WORK/cairnd.log" >&2; exit 1; }
  sleep 0.1
done
"$CAIRNCTL" --data-dir "$DATA" status >/dev/null
touch "$WORK/sampling"
(
  while [[ -e $WORK/sampling && -r /proc/$CAIRND_PID/status ]]; do
    echo "$(date +%s.%N) $(kib_of "$CAIRND_PID" VmRSS)"
    sleep 0.2
  done
) >"$WORK/rss.txt" 2>/dev/null &
SAMPLER_PID=$!

echo "== cairnctl import $CSV"
threads "$CAIRND_PID" >"$WORK/threads_before.txt"
D0=$(cpu_of "$CAIRND_PID")
T0=$(now)
/usr/bin/time -f '%U %S' -o "$WORK/cairnctl_time.txt" \
  "$CAIRNCTL" --data-dir "$DATA" import --no-progress "$CSV" >"$WORK/import.txt" &
CHILD=$!
wait "$CHILD"
CHILD=""
T1=$(now)
D1=$(cpu_of "$CAIRND_PID")
threads "$CAIRND_PID" >"$WORK/threads_after.txt"
cat "$WORK/import.txt"
IMPORT_S=$(calc "$T1 - $T0")
IMPORT_RATE=$(calc "$N / $IMPORT_S")
CAIRND_IMPORT_CPU=$(calc "$D1 - $D0")
CAIRNCTL_CPU=$(awk '{ print $1 + $2 }' "$WORK/cairnctl_time.txt")
STORED=$("$CAIRNCTL" --data-dir "$DATA" status --format json | jq -r .records)
[[ $STORED == "$N" ]] || { echo "run.sh: cairnd holds $STORED records, the CSV $N" >&2; exit 1; }
IMPORT_HWM=$(kib_of "$CAIRND_PID" VmHWM)
# Where cairnd's threads spent the import: the writer (the busiest unnamed thread) on a CPU,
# waiting for one, or blocked (fsync, or no batch to apply); RocksDB's flush and compaction.
THREADS=$(awk -v wall="$IMPORT_S" '
  NR == FNR { run[$1] = $3; wait[$1] = $4; next }
  {
    r = ($3 - run[$1]) / 1e9; w = ($4 - wait[$1]) / 1e9
    if ($2 == "cairnd" && r > wr) { other += wr; wr = r; ww = w } else if ($2 == "rocksdb:high") flush += r
    else if ($2 == "rocksdb:low") compaction += r
    else other += r
  }
  END { print wr, ww, wall - wr - ww, flush, compaction, other }' \
  "$WORK/threads_before.txt" "$WORK/threads_after.txt")
read -r WRITER_RUN WRITER_WAIT WRITER_BLOCKED FLUSH_CPU COMPACTION_CPU OTHER_CPU <<<"$THREADS"
THREADS=$(printf 'writer ran %.1f s, waited %.1f s for a CPU, blocked %.1f s; flush %.1f s, compaction %.1f s, other %.1f s' \
  "$WRITER_RUN" "$WRITER_WAIT" "$WRITER_BLOCKED" "$FLUSH_CPU" "$COMPACTION_CPU" "$OTHER_CPU")
echo "   $N records in $IMPORT_S s; CPU: cairnd $CAIRND_IMPORT_CPU s, cairnctl $CAIRNCTL_CPU s;" \
  "cairnd VmHWM $((IMPORT_HWM / 1024)) MiB"
echo "   cairnd threads: $THREADS"

# Let RocksDB finish the import's flushes and compactions (up to 60 s), so that the query
# phase's CPU figures are the queries' own.
I0=$(now)
for _ in $(seq 1 120); do
  C0=$(cpu_of "$CAIRND_PID")
  sleep 0.5
  [[ $(calc "$(cpu_of "$CAIRND_PID") - $C0 < 0.03") == 1 ]] && break
done
echo "   cairnd idle $(printf '%.1f' "$(calc "$(now) - $I0")") s after the import"

# ---- 3. The year query through cairnd's admin RPC. ----
echo 5 >"/proc/$CAIRND_PID/clear_refs" 2>/dev/null || true  # restart VmHWM for the query phase
echo "== query_bench --runs $QUERY_RUNS"
run_to "$WORK/query.txt" "$BIN/tools/bench/query_bench" --data-dir "$DATA" --runs "$QUERY_RUNS" \
  --answer-out "$WORK/cairnd_answer.csv"
QUERY_HWM=$(kib_of "$CAIRND_PID" VmHWM)
stop_cairnd
PEAK_KIB=$((IMPORT_HWM > QUERY_HWM ? IMPORT_HWM : QUERY_HWM))
SAMPLED_KIB=$(awk 'NF == 2 && $2 > m { m = $2 } END { print m + 0 }' "$WORK/rss.txt")
SAMPLES=$(wc -l <"$WORK/rss.txt")
DISK_MB=$(calc "$(du -sb "$DATA/db" | cut -f1) / 1e6")

# ---- 4. The bare peer again; the comparison takes its fastest run. ----
bare_run input2
bare_run sorted2 --sort
best_rate() {  # best_rate ARRAY NAME...: the highest rate of the named runs in ARRAY
  local -n rates=$1
  local best=0 name
  shift
  for name in "$@"; do best=$(calc "${rates[$name]} > $best ? ${rates[$name]} : $best"); done
  echo "$best"
}
BARE_INPUT_BEST=$(best_rate BARE_RATE input1 input2)
BARE_SORTED_BEST=$(best_rate BARE_RATE sorted1 sorted2)
BARE_SORTED_UNCONTENDED=$(best_rate BARE_UNCONTENDED sorted1 sorted2)

# ---- 5. Raw scan on cairnd's store. ----
echo "== raw_scan"
run_to "$WORK/raw.txt" "$BIN/tools/bench/raw_scan" --data-dir "$DATA"

# ---- 6. SQLite with a covering index. ----
echo "== SQLite: load (sqlite3 < tools/bench/load_sqlite.sql), then sqlite_bench --runs $SQLITE_RUNS"
S0=$(now)
(cd "$WORK" && exec sqlite3 plant.sqlite <"$ROOT/tools/bench/load_sqlite.sql" >/dev/null) &
CHILD=$!
wait "$CHILD"
CHILD=""
SQLITE_LOAD_S=$(calc "$(now) - $S0")
SQLITE_MB=$(printf "%.0f" "$(calc "$(stat -c %s "$WORK/plant.sqlite") / 1e6")")
printf "   loaded and indexed in %.1f s; %s MB\n" "$SQLITE_LOAD_S" "$SQLITE_MB"
run_to "$WORK/sqlite.txt" "$BIN/tools/bench/sqlite_bench" --db "$WORK/plant.sqlite" \
  --runs "$SQLITE_RUNS" --expect "$WORK/cairnd_answer.csv"

# ---- Summary. ----
Q=$WORK/query.txt
P50=$(result p50_ms "$Q")
SQLITE_P50=$(result p50_ms "$WORK/sqlite.txt")
RATIO_INPUT=$(calc "$IMPORT_RATE / $BARE_INPUT_BEST")
RATIO_SORTED=$(calc "$IMPORT_RATE / $BARE_SORTED_BEST")
# Without the time the critical thread waited for a CPU that other users of the machine held:
# an estimate of the rate on an unshared machine (the import's other threads still waited).
IMPORT_UNCONTENDED=$(calc "$N / ($IMPORT_S - $WRITER_WAIT)")
RATIO_UNCONTENDED=$(calc "$IMPORT_UNCONTENDED / $BARE_SORTED_UNCONTENDED")
RATIO_SQLITE=$(calc "$SQLITE_P50 / $P50")
verdict() { if [[ $(calc "$1") == 1 ]]; then echo "met"; else echo "MISSED"; fi; }
row() { printf '%-44s %-48s %-12s %s\n' "$@"; }
echo
echo "== Summary of $COMMAND ($(date -u +%Y-%m-%dT%H:%MZ), commit $(git describe --always --dirty 2>/dev/null || echo '?'))"
echo "   $N records ($CSV_MB MB of CSV), $(nproc) shared CPUs, load average now" \
  "$(cut -d' ' -f1-3 /proc/loadavg)"
row "measure" "figure" "target" "verdict"
row "import, cairnctl import -> cairnd" "$(printf '%.0f records/s (%.1f s)' "$IMPORT_RATE" "$IMPORT_S")" \
  ">= 500000/s" "$(verdict "$IMPORT_RATE >= 500000")"
row "  CPU during import" "$(printf 'cairnd %.1f s, cairnctl %.1f s' "$CAIRND_IMPORT_CPU" "$CAIRNCTL_CPU")" "" ""
row "  cairnd's threads" "$THREADS" "" ""
row "  per CPU-second of cairnd's writer thread" "$(printf '%.0f records/s' "$(calc "$N / $WRITER_RUN")")" "" ""
bare_rates() {  # bare_rates ARRAY: "input1 / input2, sorted1 / sorted2" of one BARE_* array
  local -n rates=$1
  printf '%.0f / %.0f, sorted %.0f / %.0f' "${rates[input1]}" "${rates[input2]}" \
    "${rates[sorted1]}" "${rates[sorted2]}"
}
row "bare WriteBatch loop, before / after (rec/s)" "$(bare_rates BARE_RATE)" "" ""
row "  per CPU-second of the loop thread" "$(bare_rates BARE_CPU_RATE)" "" ""
row "  including its CSV parsing" "$(bare_rates BARE_PARSE_RATE)" "" ""
row "  seconds its thread waited for a CPU" "$(printf '%.1f / %.1f, sorted %.1f / %.1f' \
  "${BARE_WAIT[input1]}" "${BARE_WAIT[input2]}" "${BARE_WAIT[sorted1]}" "${BARE_WAIT[sorted2]}")" "" ""
row "import / faster bare run, file order" "$(printf '%.2f' "$RATIO_INPUT")" ">= 0.5" \
  "$(verdict "$RATIO_INPUT >= 0.5")"
row "import / faster bare run, sorted batches" "$(printf '%.2f' "$RATIO_SORTED")" ">= 0.5" \
  "$(verdict "$RATIO_SORTED >= 0.5")"
row "estimate without waits for a CPU: import" "$(printf '%.0f records/s' "$IMPORT_UNCONTENDED")" \
  ">= 500000/s" "$(verdict "$IMPORT_UNCONTENDED >= 500000")"
row "  bare loop, sorted, runs 1 / 2" "$(printf '%.0f / %.0f records/s' \
  "${BARE_UNCONTENDED[sorted1]}" "${BARE_UNCONTENDED[sorted2]}")" "" ""
row "  import / faster bare run, sorted" "$(printf '%.2f' "$RATIO_UNCONTENDED")" ">= 0.5" \
  "$(verdict "$RATIO_UNCONTENDED >= 0.5")"
row "query via cairnd RPC, p50 / p99" \
  "$(printf '%.3f / %.3f ms (%s runs)' "$P50" "$(result p99_ms "$Q")" "$QUERY_RUNS")" "p50 < 5 ms" \
  "$(verdict "$P50 < 5")"
row "  cairnd CPU per query" "$(printf '%.3f ms' "$(result daemon_cpu_ms "$Q")")" "" ""
row "  ragged edges, p50 / p99" "$(printf '%.3f / %.3f ms (%s raw records)' \
  "$(result ragged_p50_ms "$Q")" "$(result ragged_p99_ms "$Q")" "$(result ragged_raw_records "$Q")")" "" ""
row "  in-process, no RPC, p50" "$(printf '%.3f ms' "$(result inproc_p50_ms "$WORK/raw.txt")")" "" ""
row "SQLite covering index, p50 / p99" "$(printf '%.1f / %.1f ms (%s runs)' "$SQLITE_P50" \
  "$(result p99_ms "$WORK/sqlite.txt")" "$SQLITE_RUNS")" "" ""
row "SQLite p50 / cairnd p50" "$(printf '%.0fx' "$RATIO_SQLITE")" ">= 50x" \
  "$(verdict "$RATIO_SQLITE >= 50")"
row "  SQLite CPU / cairnd CPU, per query" "$(printf '%.0fx (%.1f ms / %.3f ms)' \
  "$(calc "$(result cpu_ms "$WORK/sqlite.txt") / $(result daemon_cpu_ms "$Q")")" \
  "$(result cpu_ms "$WORK/sqlite.txt")" "$(result daemon_cpu_ms "$Q")")" "" ""
row "raw scan (no rollups)" "$(printf '%.0f records/s (%.0f per CPU-s)' \
  "$(result raw_rate "$WORK/raw.txt")" "$(result raw_rate_cpu "$WORK/raw.txt")")" "report" ""
row "cairnd peak RSS (VmHWM), import / queries" \
  "$(printf '%.0f / %.0f MiB' "$(calc "$IMPORT_HWM / 1024")" "$(calc "$QUERY_HWM / 1024")")" \
  "< 300 MiB" "$(verdict "$PEAK_KIB < 300 * 1024")"
row "  highest sampled VmRSS" "$(printf '%.0f MiB (%d samples)' "$(calc "$SAMPLED_KIB / 1024")" \
  "$SAMPLES")" "" ""
row "disk: cairnd store / SQLite" "$(printf '%.0f / %.0f MB' "$DISK_MB" "$SQLITE_MB")" "" ""
