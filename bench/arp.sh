#!/usr/bin/env bash
# Active ARP discovery: sweep vs nmap (-sn -PR -n) on the same network, in the same run.
# Usage (root): bench/arp.sh [LIVE_HOSTS] [PREFIX] [RUNS] [responder|macvlan]
#   bench/arp.sh 50 24     bench/arp.sh 250 24     bench/arp.sh 1000 22
# Needs iproute2, nmap, tcpdump, python3 and a release build (built here if missing: cargo build --release).
#
# The testbed is made of network namespaces this script creates and always removes: a
# bridge (namespace -sw), the scanner (namespace -scan, 10.215.0.1/PREFIX) and LIVE_HOSTS
# live hosts spread over the subnet (the same pseudo-random choice every run), each with
# its own MAC, in namespace -hosts: by default
# answered by one responder program (python3, a raw socket) as separate hosts would
# answer; with `macvlan`, each host is a macvlan interface of its own answered by the
# kernel (every broadcast request is then processed once per host on this machine's CPU,
# so replies come at the testbed's pace, about 4 per ms here, whatever the tool). Nothing
# else is asked: both tools run inside the scanner's namespace, whose only interface is
# the testbed's.
#
# Three ratios are printed: sweep's time to find every live host over nmap's command time
# (the comparison in issue 19; nmap, like any tool, is done only once it has given up on
# the silent addresses); both tools' time to find every live host; and the time until
# discovery is over (sweep: its port checks begin; nmap: its "ARP Ping Scan ... elapsed"). Time, the same for both
# tools: from the tool's first ARP request until every live host
# has answered, on the wire (tcpdump on the scanner's interface). Also printed: the
# hosts each tool reported, nmap's command time and its own "ARP Ping Scan ... elapsed"
# (which includes giving up on the silent addresses; sweep keeps listening and then probes
# ports until --duration ends, so its command time says nothing about discovery).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-250}
PREFIX=${2:-24}
RUNS=${3:-3}
MODE=${4:-responder}
P=swarp$$
BIN=${SWEEP_BIN:-$PWD/target/release/sweep}
[ -x "$BIN" ] || cargo build --release -q --bin sweep
command -v nmap >/dev/null || { echo "needs nmap (apt-get install nmap)"; exit 1; }
cleanup() { [ -n "${responder:-}" ] && kill "$responder" 2>/dev/null; for ns in $P-scan $P-hosts $P-sw; do ip netns del "$ns" 2>/dev/null || true; done; rm -rf "${tmp:-}"; }
trap cleanup EXIT
tmp=$(mktemp -d)
# Wait (at most 10 s) until FILE says WORD.
wait_for() {
  for _ in $(seq 200); do grep -q "$1" "$2" 2>/dev/null && return 0; sleep 0.05; done
  echo "gave up waiting for '$1' in $2:"; cat "$2"; exit 1
}
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
ip -n $P-hosts link set up0 up
if [ "$MODE" = macvlan ]; then
  ip netns exec $P-hosts sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.default.arp_ignore=1 \
    net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.default.arp_announce=2 \
    net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
  # Every host its own MAC (02:aa:...: locally administered, so no maker is guessed).
  python3 - "$N" "$PREFIX" > $tmp/hosts.batch <<'PY'
import random, sys
n, prefix = int(sys.argv[1]), int(sys.argv[2])
for i, a in enumerate(sorted(random.Random(19).sample(range(2, 2 ** (32 - prefix) - 1), n))):
    ip = f"10.215.{a // 256}.{a % 256}"
    mac = f"02:aa:00:{(i >> 16) & 255:02x}:{(i >> 8) & 255:02x}:{i & 255:02x}"
    print(f"link add h{i} link up0 address {mac} type macvlan mode bridge")
    print(f"addr add {ip}/32 dev h{i}")
    print(f"link set h{i} up")
PY
  ip -n $P-hosts -batch $tmp/hosts.batch
  # Every host answers only for its own address, from its own MAC.
  ip netns exec $P-hosts sh -c 'for f in /proc/sys/net/ipv4/conf/h*/arp_ignore; do echo 1 > $f; done'
else
  # One responder on up0 (which has no address, so the kernel there answers nothing)
  # answers each request for a live address from that host's own MAC, as separate hosts
  # would: every request is handled once, instead of once per host as with macvlan.
  ip -n $P-hosts link set up0 arp off
  cat > $tmp/responder.py <<'PY'
import random, socket, sys
n, prefix = int(sys.argv[1]), int(sys.argv[2])
live = {}
for i, a in enumerate(sorted(random.Random(19).sample(range(2, 2 ** (32 - prefix) - 1), n))):
    live[bytes([10, 215, a // 256, a % 256])] = bytes([2, 0xaa, 0, (i >> 16) & 255, (i >> 8) & 255, i & 255])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
s.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE: never drop a request
s.bind(("up0", 0))
print("ready", flush=True)
while True:
    f = s.recv(128)
    if len(f) < 42 or f[20:22] != b"\x00\x01":
        continue
    mac = live.get(f[38:42])
    if mac is None:
        continue
    s.send(f[6:12] + mac + b"\x08\x06\x00\x01\x08\x00\x06\x04\x00\x02" + mac + f[38:42] + f[22:32])
PY
  ip netns exec $P-hosts python3 $tmp/responder.py "$N" "$PREFIX" > $tmp/responder.out 2>&1 &
  responder=$!
  wait_for ready $tmp/responder.out
fi
echo "testbed ($MODE): $N live hosts on 10.215.0.0/$PREFIX (scanner 10.215.0.1)"

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
at = 24; first = None; last = None; hosts = set(); asked = []; heard = set(); done = None
while at + 16 <= len(d):
    s, us, incl, _ = struct.unpack(e + "IIII", d[at:at + 16]); at += 16
    f = d[at:at + incl]; at += incl
    t = s + us / 1e6
    if len(f) < 42 or f[12:14] != b"\x08\x06":
        continue
    op = f[20:22]; sha = f[22:28]; spa = f[28:32]
    if op == b"\x00\x01" and sha == bytes.fromhex("0a0000000001"):
        first = t if first is None else first
        asked.append((t, f[38:42]))
        # The scanner asks again for a host that has answered: sweep's port checks have
        # begun (its kernel resolves the address for them), so its ARP sweep is over.
        if done is None and f[38:42] in heard:
            done = t
    elif op == b"\x00\x02" and sha[:2] == b"\x02\xaa" and (sha, spa) not in hosts:
        hosts.add((sha, spa)); heard.add(spa); last = t
# The last request to an address that never answered: the tool's last retry (after it,
# only its final wait remains).
live = {spa for _, spa in hosts}
retry = max((t for t, tpa in asked if tpa not in live), default=None)
print(len(hosts), int((last - first) * 1000) if first and last else -1,
      int((retry - first) * 1000) if first and retry else -1,
      int((done - first) * 1000) if first and done else -1)
PY
}
capture() {
  ip netns exec $P-scan tcpdump -i eth0 -U -n -w "$1" arp 2> $tmp/td.err &
  td=$!
  wait_for listening $tmp/td.err
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
  read -r nmap_wire_hosts nmap_wire_ms nmap_retry_ms _ < <(wire $tmp/nmap.pcap)
  ip -n $P-scan neigh flush all
  rm -f $tmp/rec.jsonl $tmp/out.json
  capture $tmp/sweep.pcap
  SWEEP_HOME=$tmp/home ip netns exec $P-scan "$BIN" scan --lan eth0 --active --duration 4 \
    --record $tmp/rec.jsonl --json $tmp/out.json 2> $tmp/sweep.err || { cat $tmp/sweep.err; exit 1; }
  stop_capture
  read -r sw_wire_hosts sw_wire_ms sw_retry_ms sw_done_ms < <(wire $tmp/sweep.pcap)
  sw_hosts=$(python3 -c "
import json, sys
print(len({(r['mac'], r['ip']) for r in map(json.loads, open('$tmp/rec.jsonl'))
           if r['kind'] == 'arp' and r.get('via') == 'arp-reply' and r['mac'].startswith('02:AA')}))")
  wire_ratio=$(python3 -c "print(f'{$sw_wire_ms / max($nmap_wire_ms, 1):.2f}')")
  cmd_ratio=$(python3 -c "print(f'{$sw_wire_ms / max($nmap_wall, 1):.3f}')")
  echo "run $run: nmap  found $nmap_up/$N; command ${nmap_wall} ms (its ARP phase ${nmap_phase} ms); every live host had answered ${nmap_wire_ms} ms after its first request; last retry to a silent address at ${nmap_retry_ms} ms"
  echo "       sweep found $sw_hosts/$N; every live host had answered ${sw_wire_ms} ms after its first request ($sw_wire_hosts on the wire); last retry to a silent address at ${sw_retry_ms} ms; sweep over (port checks begin) at ${sw_done_ms} ms"
  done_ratio=$(python3 -c "print(f'{$sw_done_ms / max($nmap_phase, 1):.2f}')")
  echo "       ratio sweep/nmap: ${cmd_ratio} (sweep's time to find every host / nmap's command), ${wire_ratio} (time to find every host, both), ${done_ratio} (discovery over: sweep's sweep / nmap's ARP phase)"
done
