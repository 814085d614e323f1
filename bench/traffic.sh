#!/usr/bin/env bash
# Traffic benchmark: sweep vs tshark on one generated capture (>= 500 MB), one run each.
# Usage: bench/traffic.sh [MEGABYTES]   (needs tshark; run from the repository root)
set -euo pipefail
MB=${1:-520}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
cargo build --release --quiet --example gen_capture --bin sweep
F="$DIR/mixed.pcap"
target/release/examples/gen_capture "$F" "$MB"
SIZE=$(stat -c %s "$F")
cat "$F" > /dev/null   # same page-cache state for both tools

now() { date +%s.%N; }
t0=$(now)
target/release/sweep scan --from "$F" --record "$DIR/sweep.jsonl" --json "$DIR/findings.json" 2>"$DIR/sweep.err"
t1=$(now)
tshark -r "$F" -T fields -e dns.qry.name -e tls.handshake.extensions_server_name >"$DIR/tshark.txt" 2>/dev/null
t2=$(now)

/usr/bin/python3 - "$SIZE" "$t0" "$t1" "$t2" "$DIR" <<'PY'
import json, sys
size, t0, t1, t2, d = int(sys.argv[1]), *map(float, sys.argv[2:5]), sys.argv[5]
sweep = set()
obs = 0
for line in open(f"{d}/sweep.jsonl"):
    r = json.loads(line); obs += 1
    if r["kind"] == "dns" and not r.get("response"):
        sweep.update(r["names"])
    elif r["kind"] == "tls" and r.get("sni"):
        sweep.add(r["sni"])
tshark = set()
for line in open(f"{d}/tshark.txt"):
    for f in line.rstrip("\n").replace(",", "\t").split("\t"):
        if f: tshark.add(f)
s, t = t1 - t0, t2 - t1
print(f"capture: {size/1e6:.0f} MB")
print(f"sweep:  {s:.2f} s  {size/1e6/s:.0f} MB/s  ({len(sweep)} names, {obs} observations)")
print(f"tshark: {t:.2f} s  {size/1e6/t:.1f} MB/s  ({len(tshark)} names)")
print(f"ratio:  {t/s:.1f}x")
print("same name set:", sweep == tshark)
if sweep != tshark:
    print("only sweep:", sorted(sweep - tshark)[:10]); print("only tshark:", sorted(tshark - sweep)[:10])
PY
