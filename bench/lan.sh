#!/usr/bin/env bash
# Active ARP discovery: sweep vs arp-scan on the same interface, in a testbed of network
# namespaces this script creates (50 hosts on a /24 behind a bridge) and always removes.
# Usage (root): bench/lan.sh [HOSTS]   needs iproute2, arp-scan, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-50}
P=swb$$
NET=10.214.0
cargo build --release -q
BIN=$PWD/target/release/sweep
cleanup() { for ns in $(ip netns list | awk '{print $1}' | grep "^$P-" || true); do ip netns del "$ns"; done; }
trap cleanup EXIT
ip netns add $P-sw
ip -n $P-sw link add br0 type bridge && ip -n $P-sw link set br0 up
for i in $(seq 1 $((N + 1))); do
  ip netns add $P-h$i
  ip netns exec $P-h$i sysctl -qw net.ipv6.conf.all.disable_ipv6=1
  ip link add eth0 netns $P-h$i type veth peer name p$i netns $P-sw
  ip -n $P-sw link set p$i master br0 up
  ip -n $P-h$i addr add $NET.$i/24 dev eth0
  ip -n $P-h$i link set eth0 up
done
tmp=$(mktemp -d)
# arp-scan (defaults), timed
s=$(date +%s%N)
ip netns exec $P-h1 arp-scan -q -I eth0 $NET.0/24 > $tmp/arpscan.txt 2>/dev/null || true
e=$(date +%s%N)
as_hosts=$(grep -c "^$NET\." $tmp/arpscan.txt || true)
as_ms=$(( (e - s) / 1000000 ))
# sweep: discovery time = first ARP request sent (the source starts) to the last reply received
SWEEP_HOME=$tmp/home ip netns exec $P-h1 $BIN scan --lan eth0 --active --duration 4 --record $tmp/rec.jsonl --json $tmp/out.json 2>/dev/null || true
read sw_hosts sw_ms < <(python3 - "$tmp/rec.jsonl" <<'PY'
import json, sys
from datetime import datetime
start = None; last = None; macs = set()
for line in open(sys.argv[1]):
    r = json.loads(line)
    t = datetime.fromisoformat(r["t"].replace("Z", "+00:00"))
    if r["kind"] == "source" and r.get("source") == "lan" and r.get("state") == "running":
        start = t
    if r["kind"] == "arp" and r.get("via") == "arp-reply":
        macs.add(r["mac"]); last = t
print(len(macs), int((last - start).total_seconds() * 1000) if start and last else -1)
PY
)
echo "hosts in the testbed: $N"
echo "arp-scan: $as_hosts hosts in $as_ms ms (wall time of the command, default settings)"
echo "sweep:    $sw_hosts hosts in $sw_ms ms (from the source starting to the last ARP reply)"
