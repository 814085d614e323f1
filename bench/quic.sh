#!/usr/bin/env bash
# QUIC-heavy capture: sweep vs tshark on the same file, one run each.
# Usage: bench/quic.sh [CONNECTIONS]   (needs tshark)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-15000}
cargo build --release -q --example gen_quic
cargo build --release -q
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
./target/release/examples/gen_quic "$tmp/q.pcap" "$N"
size=$(stat -c %s "$tmp/q.pcap")
s=$(date +%s%N); ./target/release/sweep scan --from "$tmp/q.pcap" --record "$tmp/r.jsonl" --json "$tmp/o.json" 2>/dev/null; e=$(date +%s%N)
sw_ms=$(( (e - s) / 1000000 ))
grep -o '"kind":"quic"[^}]*"sni":"[^"]*"' "$tmp/r.jsonl" | grep -o '"sni":"[^"]*"' | cut -d'"' -f4 | sort -u > "$tmp/sweep.txt"
s=$(date +%s%N); tshark -r "$tmp/q.pcap" -T fields -e tls.handshake.extensions_server_name 2>/dev/null | tr ',' '\n' | grep -v '^$' | sort -u > "$tmp/tshark.txt"; e=$(date +%s%N)
ts_ms=$(( (e - s) / 1000000 ))
echo "capture: $((size / 1000000)) MB, $N QUIC connections"
echo "sweep:  ${sw_ms} ms ($(( size / 1000 / (sw_ms > 0 ? sw_ms : 1) )) MB/s), $(wc -l < "$tmp/sweep.txt") names"
echo "tshark: ${ts_ms} ms ($(( size / 1000 / (ts_ms > 0 ? ts_ms : 1) )) MB/s), $(wc -l < "$tmp/tshark.txt") names"
if cmp -s "$tmp/sweep.txt" "$tmp/tshark.txt"; then echo "same name set: yes"; else echo "same name set: NO"; fi
echo "ratio: $(python3 -c "print(round($ts_ms / max($sw_ms, 1), 1))")x"
