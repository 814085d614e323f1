#!/usr/bin/env bash
# Active ARP discovery: sweep vs nmap (-sn -PR -n) on the same network, in the same run.
# Usage (root): bench/arp.sh [LIVE_HOSTS] [PREFIX] [RUNS]
#   bench/arp.sh 50 24     bench/arp.sh 250 24     bench/arp.sh 1000 22
# Needs iproute2, nmap, tcpdump, python3 and a release build (built here if missing: cargo build --release).
#
# The testbed is made of network namespaces this script creates and always removes: a
# bridge (namespace -sw), the scanner (namespace -scan, 10.215.0.1/PREFIX) and LIVE_HOSTS
# hosts, each a macvlan interface with its own MAC and address in namespace -hosts (ARP
# answered only by the interface that has the address). Nothing else is asked: both tools
# run inside the scanner's namespace, whose only interface is the testbed's.
#
# Time, the same for both tools: from the tool's first ARP request until every live host
# has answered, on the wire (tcpdump on the scanner's interface). Also printed: the
# hosts each tool reported, nmap's command time and its own "ARP Ping Scan ... elapsed"
# (which includes giving up on the silent addresses; sweep keeps listening and then probes
# ports until --duration ends, so its command time says nothing about discovery).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-250}
PREFIX=${2:-24}
RUNS=${3:-3}
P=swarp$$
BIN=${SWEEP_BIN:-$PWD/target/release/sweep}
[ -x "$BIN" ] || cargo build --release -q --bin sweep
command -v nmap >/dev/null || { echo "needs nmap (apt-get install nmap)"; exit 1; }
cleanup() { for ns in $P-scan $P-hosts $P-sw; do ip netns del "$ns" 2>/dev/null || true; done; rm -rf "${tmp:-}"; }
trap cleanup EXIT
tmp=$(mktemp -d)
for ns in sw scan hosts; do
  ip netns add $P-$ns
  ip netns exec $P-$ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip -n $P-sw link add br0 type bridge
ip -n $P-sw link set br0 up
ip link add eth0 netns $P-scan type veth peer name pscan netns $P-sw
ip link add up0 netns $P-hosts type veth peer name phosts netns $P-sw
ip -n $P-sw link set pscan master br0 up
ip -n $P-sw link set phosts master br0 up
ip -n $P-scan link set eth0 address 0a:00:00:00:00:01
ip -n $P-scan addr add 10.215.0.1/$PREFIX dev eth0
ip -n $P-scan link set lo up
ip -n $P-scan link set eth0 up
ip netns exec $P-hosts sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.default.arp_ignore=1 \
  net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.default.arp_announce=2 \
  net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
ip -n $P-hosts link set up0 up
# Live hosts: addresses 10.215.0.2 upwards (on a /22, 10.215.0.2 .. 10.215.3.x), every
# host its own MAC (02:...: locally administered, so no maker is guessed).
python3 - "$N" > $tmp/hosts.batch <<'PY'
import sys
n = int(sys.argv[1])
for i in range(n):
    a = i + 2
    ip = f"10.215.{a // 256}.{a % 256}"
    mac = f"02:aa:00:{(i >> 16) & 255:02x}:{(i >> 8) & 255:02x}:{i & 255:02x}"
    print(f"link add h{i} link up0 address {mac} type macvlan mode bridge")
    print(f"addr add {ip}/32 dev h{i}")
    print(f"link set h{i} up")
PY
ip -n $P-hosts -batch $tmp/hosts.batch
# Every host answers only for its own address, from its own MAC.
ip netns exec $P-hosts sh -c 'for f in /proc/sys/net/ipv4/conf/h*/arp_ignore; do echo 1 > $f; done'
echo "testbed: $N live hosts on 10.215.0.0/$PREFIX (scanner 10.215.0.1)"

ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
# On the wire, for either tool: from its first ARP request to the first reply of the last
# live host to answer (later replies, such as those to the kernel's own requests when
# sweep probes ports, do not count), and how many distinct live hosts (MAC, address)
# answered; from a capture of the scanner's interface (tcpdump, ARP only).
wire() {
  python3 - "$1" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
le = d[:4] == b"\xd4\xc3\xb2\xa1"
e = "<" if le else ">"
at = 24; first = None; last = None; hosts = set()
while at + 16 <= len(d):
    s, us, incl, _ = struct.unpack(e + "IIII", d[at:at + 16]); at += 16
    f = d[at:at + incl]; at += incl
    t = s + us / 1e6
    if len(f) < 42 or f[12:14] != b"\x08\x06":
        continue
    op = f[20:22]; sha = f[22:28]; spa = f[28:32]
    if op == b"\x00\x01" and sha == bytes.fromhex("0a0000000001"):
        first = t if first is None else first
    elif op == b"\x00\x02" and sha[:2] == b"\x02\xaa" and (sha, spa) not in hosts:
        hosts.add((sha, spa)); last = t
print(len(hosts), int((last - first) * 1000) if first and last else -1)
PY
}
capture() {
  ip netns exec $P-scan tcpdump -i eth0 -U -n -w "$1" arp 2> $tmp/td.err &
  td=$!
  until grep -q listening $tmp/td.err 2>/dev/null; do sleep 0.05; done
}
stop_capture() { sleep 0.3; kill "$td"; wait "$td" 2>/dev/null || true; }
for run in $(seq 1 "$RUNS"); do
  # Forget what the scanner's kernel learnt (nmap and sweep both send their own requests).
  ip -n $P-scan neigh flush all
  capture $tmp/nmap.pcap
  s=$(date +%s%N)
  ip netns exec $P-scan nmap -sn -PR -n -v -e eth0 10.215.0.0/$PREFIX > $tmp/nmap.txt 2>&1
  nmap_wall=$(ms "$s")
  stop_capture
  nmap_up=$(grep "^Nmap scan report for " $tmp/nmap.txt | grep -v "host down" | grep -vc " 10.215.0.1$" || true)
  nmap_phase=$(grep -o "Completed ARP Ping Scan at [0-9:]*, [0-9.]*s elapsed" $tmp/nmap.txt \
    | grep -o "[0-9.]*s elapsed" | tr -d 's elapsd' | awk '{printf "%d", $1 * 1000}')
  read -r nmap_wire_hosts nmap_wire_ms < <(wire $tmp/nmap.pcap)
  ip -n $P-scan neigh flush all
  rm -f $tmp/rec.jsonl $tmp/out.json
  capture $tmp/sweep.pcap
  SWEEP_HOME=$tmp/home ip netns exec $P-scan "$BIN" scan --lan eth0 --active --duration 2 \
    --record $tmp/rec.jsonl --json $tmp/out.json 2> $tmp/sweep.err || { cat $tmp/sweep.err; exit 1; }
  stop_capture
  read -r sw_wire_hosts sw_wire_ms < <(wire $tmp/sweep.pcap)
  sw_hosts=$(python3 -c "
import json, sys
print(len({(r['mac'], r['ip']) for r in map(json.loads, open('$tmp/rec.jsonl'))
           if r['kind'] == 'arp' and r.get('via') == 'arp-reply' and r['mac'].startswith('02:AA')}))")
  ratio=$(python3 -c "print(f'{$sw_wire_ms / max($nmap_wire_ms, 1):.2f}')")
  echo "run $run: nmap found $nmap_up/$N (command ${nmap_wall} ms, its ARP phase ${nmap_phase} ms, first request to last host found ${nmap_wire_ms} ms)"
  echo "       sweep found $sw_hosts/$N (first request to last host found ${sw_wire_ms} ms, $sw_wire_hosts answered on the wire)"
  echo "       sweep/nmap, first request to last host found: ${ratio}"
done
