#!/usr/bin/env bash
# QUIC-heavy capture: sweep vs tshark on the same file, one run each.
# Usage: bench/quic.sh [CONNECTIONS]   (needs tshark; openssl for the checksum reference)
# Same lines as bench/traffic.sh: the real `sweep scan`, extraction + matching alone
# (examples/bench_traffic.rs), tshark, `openssl dgst -sha256` of the file, and reading it
# (dd bs=256K); then the cost of one connection's first packet (examples/bench_quic_initials.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-15000}
cargo build --release -q --example gen_quic --example bench_traffic --example bench_quic_initials --bin sweep
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
./target/release/examples/gen_quic "$tmp/q.pcap" "$N"
size=$(stat -c %s "$tmp/q.pcap")
cat "$tmp/q.pcap" > /dev/null
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
s=$(date +%s%N); ./target/release/sweep scan --from "$tmp/q.pcap" --record "$tmp/r.jsonl" --json "$tmp/o.json" 2>/dev/null; scan_ms=$(ms "$s")
s=$(date +%s%N); ./target/release/examples/bench_traffic "$tmp/q.pcap" >/dev/null; ext_ms=$(ms "$s")
grep -o '"kind":"quic"[^}]*"sni":"[^"]*"' "$tmp/r.jsonl" | grep -o '"sni":"[^"]*"' | cut -d'"' -f4 | sort -u > "$tmp/sweep.txt"
s=$(date +%s%N); tshark -r "$tmp/q.pcap" -T fields -e dns.qry.name -e tls.handshake.extensions_server_name 2>/dev/null | tr ',\t' '\n\n' | grep -v '^$' | sort -u > "$tmp/tshark.txt"; ts_ms=$(ms "$s")
s=$(date +%s%N); if command -v openssl >/dev/null; then openssl dgst -sha256 "$tmp/q.pcap" >/dev/null; fi; sha_ms=$(ms "$s")
s=$(date +%s%N); dd if="$tmp/q.pcap" of=/dev/null bs=256K status=none; rd_ms=$(ms "$s")
rate() { echo $(( size / 1000 / ($1 > 0 ? $1 : 1) )); }
ratio() { python3 -c "print(round($ts_ms / max($1, 1), 1))"; }
echo "capture: $((size / 1000000)) MB, $N QUIC connections"
echo "sweep scan:     ${scan_ms} ms ($(rate "$scan_ms") MB/s, $(ratio "$scan_ms")x tshark), $(wc -l < "$tmp/sweep.txt") names"
echo "extract+match:  ${ext_ms} ms ($(rate "$ext_ms") MB/s, $(ratio "$ext_ms")x tshark)"
echo "tshark:         ${ts_ms} ms ($(rate "$ts_ms") MB/s), $(wc -l < "$tmp/tshark.txt") names"
echo "sha256 alone:   ${sha_ms} ms (openssl dgst)"
echo "read alone:     ${rd_ms} ms (dd bs=256K)"
echo "sweep scan / sha256 alone: $(python3 -c "print(round($scan_ms / max($sha_ms, 1), 2))") (target <= 1.10)"
if cmp -s "$tmp/sweep.txt" "$tmp/tshark.txt"; then echo "same name set: yes"; else
  echo "same name set: no ($(comm -23 "$tmp/sweep.txt" "$tmp/tshark.txt" | wc -l) only sweep, $(comm -13 "$tmp/sweep.txt" "$tmp/tshark.txt" | wc -l) only tshark)"; fi
./target/release/examples/bench_quic_initials "$N"
