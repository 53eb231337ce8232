#!/usr/bin/env bash
# The Cairn demo (`make demo`): a plant's daemon on a throwaway data dir gets a realistic month
# of production and emissions data and answers a few aggregate questions; a customer asks it
# over mutual TLS under the plant's policy; finally three plants answer one federated benchmark
# question (docs/federation.md). It ends by itself and leaves nothing running or on disk.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
export PATH="$ROOT/bazel-bin/daemon:$ROOT/bazel-bin/tools/cairnctl:$ROOT/bazel-bin/tools/datagen:$PATH"
for tool in cairnd cairnctl cairn-datagen; do
  command -v "$tool" >/dev/null || { echo "demo: $tool is not built; run 'make demo'" >&2; exit 1; }
done
command -v jq >/dev/null || { echo "demo: jq is not installed; run 'make demo'" >&2; exit 1; }

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

step "Mean water use per 5-minute reading on line L2, by week, as JSON"
run cairnctl --data-dir "$PLANT" query --metric water --agg mean --where line=L2 \
  --group-by week --from 2026-01-05 --to 2026-02-02 --format json

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
CUSTOMER_FP=$(cairnctl --data-dir "$CUSTOMER" identity --format json | jq -r .fingerprint)
PLANT_FP=$(cairnctl --data-dir "$PLANT" identity --format json | jq -r .fingerprint)
PLANT_ENDPOINT=$(cairnctl --data-dir "$PLANT" status --format json | jq -r .listen)

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

# --- A consortium benchmark: three plants, one answer, nobody's figures ------------------
step "Two more steel plants run cairnd, each with a quarter of hourly data (1 line, 2 products)"
LINZ="$WORK/linz" OSTRAVA="$WORK/ostrava"
run cairnctl init --data-dir "$LINZ" --name "Linz Rolling Mill" --listen 127.0.0.1:0
start_daemon "$LINZ"
run cairnctl init --data-dir "$OSTRAVA" --name "Ostrava Steel" --listen 127.0.0.1:0
start_daemon "$OSTRAVA"
run cairn-datagen --plant linz --sites 1 --lines 1 --products 2 --from 2026-01-01 --days 90 \
  --interval 1h --seed 11 --quiet --output "$WORK/linz.csv"
run cairnctl --data-dir "$LINZ" import --no-progress "$WORK/linz.csv"
run cairn-datagen --plant ostrava --sites 1 --lines 1 --products 2 --from 2026-01-01 --days 90 \
  --interval 1h --seed 12 --quiet --output "$WORK/ostrava.csv"
run cairnctl --data-dir "$OSTRAVA" import --no-progress "$WORK/ostrava.csv"

step "The stewards agree on a roster: each member's name, fingerprint, endpoint and certificate"
{
  printf 'version = 1\nconsortium = "steel-bench"\n'
  for member in gent:"$PLANT" linz:"$LINZ" ostrava:"$OSTRAVA"; do
    name=${member%%:*} dir=${member#*:}
    printf '\n[[member]]\nname = "%s"\n' "$name"
    printf 'fingerprint = "%s"\n' "$(cairnctl --data-dir "$dir" identity --format json | jq -r .fingerprint)"
    printf 'endpoint = "%s"\n' "$(cairnctl --data-dir "$dir" status --format json | jq -r .listen)"
    printf 'certificate = """\n%s\n"""\n' "$(cairnctl --data-dir "$dir" identity --cert)"
  done
} >"$WORK/steel-bench.toml"
sed -n '1,10p' "$WORK/steel-bench.toml"
echo "...   (and linz, ostrava the same way)"

step "Each steward imports the roster; members not yet partners are registered from it"
run cairnctl --data-dir "$PLANT" consortium add "$WORK/steel-bench.toml"
run cairnctl --data-dir "$LINZ" consortium add "$WORK/steel-bench.toml"
run cairnctl --data-dir "$OSTRAVA" consortium add "$WORK/steel-bench.toml"

step "Each steward grants the benchmark: federated rounds only, at least 3 plants per group"
cat >"$WORK/federation-grant.toml" <<'GRANT'

[[grant]]
name = "steel-benchmark"
group = "steel-bench"
purpose = "specific emissions benchmark of the steel-bench consortium"
release = "exact"
metrics = ["co2e_scope1", "units_produced"]
aggregates = ["sum"]
ratios = ["co2e_scope1/units_produced"]
group_tags = ["product"]
finest = "month"
federation = { consortium = "steel-bench", min_cohort = 3 }
GRANT
cat "$WORK/federation-grant.toml"
for name in linz ostrava; do
  { printf 'version = 1\n\n[groups]\nsteel-bench = ["gent", "linz", "ostrava"]\n'
    cat "$WORK/federation-grant.toml"; } >"$WORK/$name-policy.toml"
done
# policy apply replaces the whole policy: Gent's new version keeps its earlier grants and rules.
sed '/^benchmark = /a steel-bench = ["gent", "linz", "ostrava"]' "$WORK/policy.toml" \
  >"$WORK/policy-v2.toml"
cat "$WORK/federation-grant.toml" >>"$WORK/policy-v2.toml"
# (A daemon's own roster name in a group draws a "not registered" warning: it is not its own
# partner. The grant still applies to the rounds it runs itself.)
run cairnctl --data-dir "$PLANT" policy apply "$WORK/policy-v2.toml" 2>/dev/null
run cairnctl --data-dir "$LINZ" policy apply "$WORK/linz-policy.toml" 2>/dev/null
run cairnctl --data-dir "$OSTRAVA" policy apply "$WORK/ostrava-policy.toml" 2>/dev/null

step "Gent asks the consortium for kg CO2e per unit, by month and product; 'members' counts the plants in each group"
run cairnctl --data-dir "$PLANT" federate --consortium steel-bench --metric co2e_scope1 \
  --ratio-to units_produced --group-by month,product --group-values product=P-100,P-101 \
  --from 2026-01 --to 2026-04 --out "$WORK/steel-bench-q1.result"
echo "(Gent has data for January only: February and March have 2 plants, below 3, so they are withheld.)"
step "Gent compares its own January figures with the consortium's"
run cairnctl --data-dir "$PLANT" query --metric co2e_scope1 --ratio-to units_produced \
  --group-by month,product --where product=P-100,P-101 --from 2026-01 --to 2026-02

step "Linz checks the kept result against its own copy of the roster; its audit log holds the release"
run cairnctl --data-dir "$LINZ" verify "$WORK/steel-bench-q1.result"
run cairnctl --data-dir "$LINZ" audit tail -n 2

step "A cohort smaller than a member's minimum is refused by every member, with the reason"
run cairnctl --data-dir "$PLANT" federate --consortium steel-bench --metric co2e_scope1 \
  --ratio-to units_produced --group-by month --from 2026-01 --to 2026-04 --members gent,linz || true
run cairnctl --data-dir "$LINZ" audit tail -n 1

step "Done: stopping the four daemons (SIGTERM) and removing $WORK"
