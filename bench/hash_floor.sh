#!/usr/bin/env bash
# The whole `sweep scan --from FILE` against the evidence checksum's floor, `openssl dgst
# -sha256 FILE`, on the same file in the same run: the two commands alternate RUNS times
# (so a busy moment of a shared machine hits both alike), and the script prints each
# one's median and the median of the per-pair ratios.
# Usage: bench/hash_floor.sh [tcp|quic] [RUNS] [OTHER_SWEEP_BINARY]
#   tcp: bench/traffic.sh's 520 MB mixed capture; quic: bench/quic.sh's 15,000 connections.
#   OTHER_SWEEP_BINARY (optional): a second build timed alike in the same pairs (A/B).
set -euo pipefail
cd "$(dirname "$0")/.."
KIND=${1:-tcp}
RUNS=${2:-11}
OTHER=${3:-}
cargo build --release -q --example gen_capture --example gen_quic --bin sweep
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
F=$tmp/in.pcap
if [ "$KIND" = quic ]; then
  target/release/examples/gen_quic "$F" 15000 > /dev/null
else
  target/release/examples/gen_capture "$F" 520 > /dev/null
fi
cat "$F" > /dev/null
t() { local s; s=$(date +%s%N); "$@" > /dev/null 2>&1; echo $(( ($(date +%s%N) - s) / 1000 )); }
scan() { rm -f "$tmp/o.json"; "$1" scan --from "$F" --json "$tmp/o.json"; }
: > $tmp/times
for _ in $(seq 1 "$RUNS"); do
  a=$(t scan target/release/sweep)
  b=$(t openssl dgst -sha256 "$F")
  c=0
  [ -n "$OTHER" ] && c=$(t scan "$OTHER")
  echo "$a $b $c" >> $tmp/times
done
python3 - "$tmp/times" "$(stat -c %s "$F")" "$KIND" "$OTHER" <<'PY'
import statistics as st, sys
rows = [list(map(int, l.split())) for l in open(sys.argv[1])]
size, kind, other = int(sys.argv[2]), sys.argv[3], sys.argv[4]
med = lambda xs: st.median(xs) / 1000
print(f"{kind} capture, {size / 1e6:.0f} MB, {len(rows)} pairs")
print(f"sweep scan --from:   {med([r[0] for r in rows]):7.1f} ms  (range {min(r[0] for r in rows) / 1000:.1f}-{max(r[0] for r in rows) / 1000:.1f})")
print(f"openssl dgst -sha256: {med([r[1] for r in rows]):6.1f} ms  (range {min(r[1] for r in rows) / 1000:.1f}-{max(r[1] for r in rows) / 1000:.1f})")
print(f"sweep / openssl, median of the pairs: {st.median(r[0] / r[1] for r in rows):.2f}  (target <= 1.10)")
if other:
    print(f"{other}: {med([r[2] for r in rows]):.1f} ms, / openssl: {st.median(r[2] / r[1] for r in rows):.2f}")
PY
