# Shared by the benchmark scripts of this folder; sourced, not run. The sourcing script sets
# DATAGEN (cairn-datagen) before calling plant_csv, and its cleanup stops $CHILD.

CHILD=""  # the step running now: long steps run in the background so that a signal is seen
# run CMD...: runs a step and waits for it (a trapped signal interrupts the wait at once).
run() {
  "$@" &
  CHILD=$!
  wait "$CHILD"
  CHILD=""
}
# run_to FILE CMD...: the same with standard output into FILE, then shown.
run_to() {
  local out=$1
  shift
  "$@" >"$out" &
  CHILD=$!
  wait "$CHILD"
  CHILD=""
  cat "$out"
}
calc() { awk "BEGIN { printf \"%.10g\", ($1) }"; }
now() { date +%s.%N; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
commit() { git describe --always --dirty 2>/dev/null || echo '?'; }
machine_line() {
  echo "== machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 |
    sed 's/^ //')), load average $(load); commit $(commit)"
}

# plant_csv RECORDS FILE: issue 2's plant into FILE: 9 series per line, 105,120 five-minute
# readings per series in 2025, as many lines as make about RECORDS records (below one
# line-year, one line over fewer days). Sets N to the records written.
plant_csv() {
  local records=$1 csv=$2
  local per_line_year=$((9 * 105120))
  local lines=$(((records + per_line_year / 2) / per_line_year)) days=365
  if ((lines < 1)); then
    lines=1
    days=$(((records + 9 * 288 - 1) / (9 * 288)))
  fi
  local sites=$(((lines + 99) / 100))
  local lines_per_site=$(((lines + sites - 1) / sites))
  echo "== data: cairn-datagen --sites $sites --lines $lines_per_site --products 4 --interval 5m" \
    "--from 2025-01-01 --days $days --seed 1"
  run "$DATAGEN" --sites "$sites" --lines "$lines_per_site" --products 4 --interval 5m \
    --from 2025-01-01 --days "$days" --seed 1 --output "$csv"
  N=$(($(wc -l <"$csv") - 1))  # also brings the file into the page cache, for every reader alike
}
