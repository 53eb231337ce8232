#!/usr/bin/env bash
# The Cairn demo (`make demo`): a plant's daemon on a throwaway data dir gets a realistic month
# of production and emissions data and answers a few aggregate questions. It ends by itself and
# leaves nothing running or on disk.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
export PATH="$ROOT/bazel-bin/daemon:$ROOT/bazel-bin/tools/cairnctl:$ROOT/bazel-bin/tools/datagen:$PATH"
for tool in cairnd cairnctl cairn-datagen; do
  command -v "$tool" >/dev/null || { echo "demo: $tool is not built; run 'make demo'" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/cairn-demo.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

bold=$(tput bold 2>/dev/null || true); plain=$(tput sgr0 2>/dev/null || true)
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
run() { printf '%s$ %s%s\n' "$bold" "$*" "$plain"; "$@"; }

# Starts cairnd on a data dir in the background and waits until it answers.
start_daemon() {
  local dir=$1
  cairnd --data-dir "$dir" >"$dir/cairnd.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 100); do
    cairnctl --data-dir "$dir" status >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "demo: cairnd did not start; its log:" >&2
  cat "$dir/cairnd.log" >&2
  exit 1
}

PLANT="$WORK/gent-steel"
step "A plant operator sets up cairnd beside the plant's data"
run cairnctl init --data-dir "$PLANT" --name "Gent Steel Works" --listen 127.0.0.1:0
start_daemon "$PLANT"
run cairnctl --data-dir "$PLANT" status

step "One month of MES and meter exports: 1 site, 3 lines, 4 products, every 5 minutes"
run cairn-datagen --plant gent --sites 1 --lines 3 --products 4 --from 2026-01-01 --days 31 \
  --interval 5m --seed 7 --mixed-units --output "$WORK/january.csv"
head -4 "$WORK/january.csv"
echo "... $(($(wc -l <"$WORK/january.csv") - 1)) rows"

step "Import (checked in full first; every batch durable when acknowledged)"
run cairnctl --data-dir "$PLANT" import "$WORK/january.csv"
step "Importing the same file again changes nothing"
run cairnctl --data-dir "$PLANT" import --no-progress "$WORK/january.csv"

step "A bad row stops the import and names file, line and field; nothing is applied"
{ head -3 "$WORK/january.csv"; echo "2026-02-01T00:00:00Z,gent-1,line-1,P1,energy,12.5,kg"; } \
  >"$WORK/bad.csv"
run cairnctl --data-dir "$PLANT" import --no-progress "$WORK/bad.csv" || true

step "Energy per week and line (kWh; MWh and GJ inputs were converted on import)"
run cairnctl --data-dir "$PLANT" query --metric energy --group-by week,line \
  --from 2026-01-05 --to 2026-02-02

step "Specific emissions: kg CO2e (scope 1) per unit produced, by product"
run cairnctl --data-dir "$PLANT" query --metric co2e_scope1 --ratio-to units_produced \
  --group-by product --from 2026-01 --to 2026-02

step "Mean water use per 5-minute reading on line-2, as JSON"
run cairnctl --data-dir "$PLANT" query --metric water --agg mean --where line=line-2 \
  --group-by month --format json

step "Rollups equal a scan of the raw records"
run cairnctl --data-dir "$PLANT" fsck
run cairnctl --data-dir "$PLANT" status

# --- Partners: a customer asks the supplier over mutual TLS ------------------------------
CUSTOMER="$WORK/autowerk"
step "A customer (a carmaker) runs its own cairnd"
run cairnctl init --data-dir "$CUSTOMER" --name "Autowerk AG" --listen 127.0.0.1:0
start_daemon "$CUSTOMER"

step "They exchange identities out of band: certificate file plus fingerprint"
run cairnctl --data-dir "$PLANT" identity
cairnctl --data-dir "$PLANT" identity --cert >"$WORK/gent.crt"
cairnctl --data-dir "$CUSTOMER" identity --cert >"$WORK/autowerk.crt"
CUSTOMER_FP=$(cairnctl --data-dir "$CUSTOMER" identity | awk '/^fingerprint/ {print $2}')
PLANT_FP=$(cairnctl --data-dir "$PLANT" identity | awk '/^fingerprint/ {print $2}')
PLANT_ENDPOINT=$(cairnctl --data-dir "$PLANT" status | awk '/listening on/ {print $4}')

step "The supplier's steward registers the customer, pinning its fingerprint"
run cairnctl --data-dir "$PLANT" partner add autowerk --cert "$WORK/autowerk.crt" \
  --fingerprint "$CUSTOMER_FP" --allow-metric co2e_scope1 --allow-metric units_produced
step "The customer registers the supplier and where to reach it"
run cairnctl --data-dir "$CUSTOMER" partner add gent --cert "$WORK/gent.crt" \
  --fingerprint "$PLANT_FP" --endpoint "$PLANT_ENDPOINT"

step "The customer asks for the specific emissions of each product in January (CBAM)"
run cairnctl --data-dir "$CUSTOMER" query --peer gent --metric co2e_scope1 \
  --ratio-to units_produced --group-by product --from 2026-01 --to 2026-02 \
  --out "$WORK/gent-january.cbam"
step "The signed answer can be stored, forwarded and checked offline by anyone"
run cairnctl verify "$WORK/gent-january.cbam" --expect "$PLANT_FP"
step "A changed byte is caught"
# Change one character of the signature (the last base64 line before the END marker).
LAST=$(($(wc -l <"$WORK/gent-january.cbam") - 1))
sed "${LAST}s/^\(....\)./\1A/" "$WORK/gent-january.cbam" >"$WORK/tampered.cbam"
cmp -s "$WORK/gent-january.cbam" "$WORK/tampered.cbam" &&
  sed -i "${LAST}s/^\(....\)./\1B/" "$WORK/tampered.cbam"
run cairnctl verify "$WORK/tampered.cbam" || true
step "Anything the supplier did not allow is refused, with the reason"
run cairnctl --data-dir "$CUSTOMER" query --peer gent --metric energy --group-by line || true
run cairnctl --data-dir "$PLANT" partner list

# --- The owner decides: a policy, privacy protection, and the audit trail ----------------
step "The supplier's steward writes a policy: exact CBAM figures per quarter for the customer's own products; a protected energy benchmark"
cat >"$WORK/policy.toml" <<'POLICY'
version = 1

[groups]
benchmark = ["autowerk"]

[[grant]]
name = "cbam-autowerk"
partner = "autowerk"
purpose = "CBAM reporting of embedded emissions for the products Autowerk buys"
release = "exact"
metrics = ["co2e_scope1", "units_produced"]
aggregates = ["sum"]
ratios = ["co2e_scope1/units_produced"]
filter_tags = ["product"]
group_tags = ["product"]
scope = { product = ["P-100", "P-101"] }
finest = "quarter"

[[grant]]
name = "energy-benchmark"
group = "benchmark"
purpose = "energy benchmark of production lines"
release = "protected"
metrics = ["energy"]
aggregates = ["sum", "mean"]
group_tags = ["line"]
finest = "month"
min_records = 50

  [grant.privacy]
  epsilon = 0.5
  budget = 2.0
  period = "quarter"
  clamp.energy = { lo = 0.0, hi = 1000.0, resolution = 0.1 }

[[deny]]
name = "no-batch-figures"
reason = "batch-level figures are never shared"
tags = ["batch"]
POLICY
sed -n '7,20p' "$WORK/policy.toml"
run cairnctl --data-dir "$PLANT" policy apply "$WORK/policy.toml"

step "policy check: what would happen to a query and why, without running it or spending anything"
run cairnctl --data-dir "$PLANT" policy check --partner autowerk --metric co2e_scope1 \
  --ratio-to units_produced --group-by month,product --where product=P-100 || true

step "Allowed: the quarter's specific emissions of the customer's own products"
run cairnctl --data-dir "$CUSTOMER" query --peer gent --metric co2e_scope1 \
  --ratio-to units_produced --group-by quarter,product --where product=P-100,P-101 \
  --from 2026-01 --to 2026-04
step "Denied, with the reason: another customer's product"
run cairnctl --data-dir "$CUSTOMER" query --peer gent --metric co2e_scope1 \
  --ratio-to units_produced --group-by product --where product=P-102 || true

step "A protected statistic: noisy and budgeted; asking again returns the same answer at no cost"
run cairnctl --data-dir "$CUSTOMER" query --peer gent --metric energy --agg mean --group-by line
run cairnctl --data-dir "$CUSTOMER" query --peer gent --metric energy --agg mean --group-by line
run cairnctl --data-dir "$PLANT" budget

step "Every request is in the audit log, hash-chained and checkpointed; verify finds any change"
run cairnctl --data-dir "$PLANT" audit tail -n 8
run cairnctl --data-dir "$PLANT" audit verify

step "Done: stopping both daemons (SIGTERM) and removing $WORK"
