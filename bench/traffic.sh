#!/usr/bin/env bash
# Traffic benchmark: sweep vs tshark on one generated capture (>= 500 MB), one run each.
# Usage: bench/traffic.sh [MEGABYTES]   (needs tshark; openssl for the checksum reference)
#
# Prints, for the same warm file:
#   sweep scan      the real command: names extracted + matched, findings, recording, and
#                   the SHA-256 of the capture (evidence), which runs on a second core
#   extract+match   the same pipeline without the checksum (examples/bench_traffic.rs):
#                   the work tshark -T fields does
#   tshark          tshark -r F -T fields -e dns.qry.name -e tls.handshake.extensions_server_name
#   sha256 alone    openssl dgst -sha256 F: what the checksum by itself costs
#   read alone      dd if=F of=/dev/null bs=256K: copying the file from the page cache in
#                   the chunk size sweep reads
# and whether sweep's names (DNS queries and TLS server names) equal tshark's.
set -euo pipefail
cd "$(dirname "$0")/.."
MB=${1:-520}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
cargo build --release --quiet --example gen_capture --example bench_traffic --bin sweep
F="$DIR/mixed.pcap"
target/release/examples/gen_capture "$F" "$MB"
SIZE=$(stat -c %s "$F")
cat "$F" > /dev/null   # same page-cache state for every tool

now() { date +%s.%N; }
t0=$(now)
target/release/sweep scan --from "$F" --record "$DIR/sweep.jsonl" --json "$DIR/findings.json" 2>"$DIR/sweep.err"
t1=$(now)
target/release/examples/bench_traffic "$F" >"$DIR/extract.txt"
t2=$(now)
tshark -r "$F" -T fields -e dns.qry.name -e tls.handshake.extensions_server_name >"$DIR/tshark.txt" 2>/dev/null
t3=$(now)
if command -v openssl >/dev/null; then openssl dgst -sha256 "$F" >/dev/null; fi
t4=$(now)
dd if="$F" of=/dev/null bs=256K status=none
t5=$(now)

/usr/bin/python3 - "$SIZE" "$t0" "$t1" "$t2" "$t3" "$t4" "$t5" "$DIR" <<'PY'
import json, sys
size, t0, t1, t2, t3, t4, t5, d = int(sys.argv[1]), *map(float, sys.argv[2:8]), sys.argv[8]
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
scan, ext, ts, sha, rd = t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4
mb = size / 1e6
print(f"capture: {mb:.0f} MB, {obs} observations")
print(f"sweep scan:     {scan:.3f} s  {mb/scan:6.0f} MB/s  {ts/scan:5.1f}x tshark  ({len(sweep)} names)")
print(f"extract+match:  {ext:.3f} s  {mb/ext:6.0f} MB/s  {ts/ext:5.1f}x tshark")
print(f"tshark:         {ts:.3f} s  {mb/ts:6.1f} MB/s          ({len(tshark)} names)")
print(f"sha256 alone:   {sha:.3f} s  {mb/sha:6.0f} MB/s  (openssl dgst)")
print(f"read alone:     {rd:.3f} s  {mb/rd:6.0f} MB/s  (dd bs=256K)")
print(f"sweep scan / sha256 alone: {scan/sha:.2f}  (target <= 1.10)")
print("same name set:", sweep == tshark)
if sweep != tshark:
    print("only sweep:", sorted(sweep - tshark)[:10]); print("only tshark:", sorted(tshark - sweep)[:10])
PY
