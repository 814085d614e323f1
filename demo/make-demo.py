#!/usr/bin/env python3
"""Generates demo/clinic-session.jsonl: a made-up, realistic clinic session for `sweep demo`.

Six minutes at a clinic: a separated AirTag that moves with the client when they change
rooms, a separated SmartTag left behind, the client's own AirPods (marked as theirs),
ordinary phones and beacons, a camera lead on the network, and the phone contacting a
stalkerware server. Every address and name here is invented."""
import json, random
from datetime import datetime, timedelta, timezone

random.seed(7)
T0 = datetime(2026, 11, 22, 10, 0, 0, tzinfo=timezone.utc)
out = []

def at(s):
    return (T0 + timedelta(seconds=s)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"

def rec(s, kind, **f):
    out.append((s, dict(t=at(s), kind=kind, **f)))

# Invented data: every export of it says so ("Demonstration: invented data, not a real check").
rec(0, "session", case="DEMO", demo=True)
for src in ["ble", "lan", "mdns", "capture"]:
    rec(0, "source", source=src, state="running")

AIRTAG_KEY = "2807ce0b3c33332ed37b5d9d8291b1d99d0b8615189700"
PLACE = 200
END = 360

# The AirTag: every 2 s, the whole session; the volunteer walks towards the bag and back.
for i in range(0, END, 2):
    rssi = int(-78 + 26 * max(0, 1 - abs(i - 120) / 80) + random.randint(-2, 2)) if i < PLACE else int(-70 + 20 * max(0, 1 - abs(i - 300) / 50) + random.randint(-2, 2))
    rec(i + 0.3, "ble", address="FB:6D:08:3D:25:A4", address_type="random", rssi=rssi,
        manufacturer_data={"76": "121910" + AIRTAG_KEY + "00e0"})

# A SmartTag, separated for hours, that stays in the first room; it rotates its address once.
for i in range(0, PLACE, 2):
    addr, aging, pid = ("D1:4A:77:10:22:9C", "8d1502", "3b793c9d638b48b1") if i < 150 else ("E6:02:31:5B:08:11", "8e1502", "a1b2c3d4e5f60718")
    rec(i + 0.9, "ble", address=addr, address_type="random", rssi=-68 + random.randint(-3, 3),
        service_data={"fd5a": "13" + aging + pid + "b7000000004e6aac82"})

# The client's own AirPods case (Find My, away from the iPhone it is paired with).
for i in range(0, END, 4):
    rec(i + 1.4, "ble", address="C8:5E:AA:01:02:03", address_type="random", rssi=-52 + random.randint(-2, 2),
        manufacturer_data={"76": "121930" + "11" * 22 + "0201"})
rec(125, "mine", address="C8:5E:AA:01:02:03", by="VO")

# Ordinary devices in the first room: phones (Apple Continuity), a beacon, a Samsung phone.
phones = ["6A:1C:%02X:44:10:%02X" % (n, n * 7) for n in range(6)]
for i in range(0, PLACE, 5):
    for n, p in enumerate(phones):
        rec(i + 0.1 * n, "ble", address=p, address_type="random", rssi=-85 + n * 3 + random.randint(-3, 3),
            manufacturer_data={"76": "1005%02x1c%02x" % (0x0b + n, n)})
    rec(i + 2.2, "ble", address="F0:11:22:33:44:55", rssi=-88, name="Waiting room beacon",
        service_data={"feaa": "10f803636c696e69632e6578616d706c6507"})
    rec(i + 3.1, "ble", address="7B:55:10:9A:3C:01", address_type="random", rssi=-79,
        services=["fd69"], service_data={"fd69": "0011223344556677889900aa01"})
# The client's phone goes with them.
for i in range(0, END, 5):
    rec(i + 4.0, "ble", address="4E:21:09:7A:BC:DE", address_type="random", rssi=-45,
        manufacturer_data={"76": "10063b1e4f2a7c"}, name="Phone")

rec(PLACE, "place", label="second room")
# Different people in the second room.
for i in range(PLACE + 5, END, 5):
    for n in range(4):
        rec(i + 0.2 * n, "ble", address="72:9D:%02X:18:00:%02X" % (n, n), address_type="random",
            rssi=-83 + random.randint(-3, 3), manufacturer_data={"76": "1007%02x1f%02x" % (0x20 + n, n)})

# The network: a router, the laptop, the client's phone (randomised MAC), a camera.
for s, mac, ip, via, host in [
    (5, "00:1A:2B:3C:4D:01", "192.168.1.1", "arp-reply", None),
    (6, "3C:22:FB:90:11:02", "192.168.1.10", "arp-reply", None),
    (8, "5A:E3:44:21:0C:77", "192.168.1.23", "dhcp", "android-phone"),
    (11, "44:19:B6:12:34:56", "192.168.1.64", "arp-reply", None),
]:
    f = dict(mac=mac, ip=ip, via=via)
    if host:
        f["hostname"] = host
    rec(s, "arp", **f)
rec(14, "mdns", service_type="_rtsp._tcp.local.", instance="HD Camera._rtsp._tcp.local.", hostname="ipcam-1234.local.",
    addresses=["192.168.1.64"], port=554, txt={"model": "DS-2CD"})
rec(15, "mdns", service_type="_googlecast._tcp.local.", instance="Living Room TV._googlecast._tcp.local.",
    hostname="tv.local.", addresses=["192.168.1.40"], port=8009, txt={"md": "Chromecast"})
rec(16, "arp", mac="F4:F5:D8:00:11:22", ip="192.168.1.40", via="arp-reply")

# The phone's traffic: ordinary look-ups, and a stalkerware C2 server (from Echap's list).
phone = dict(client_ip="192.168.1.23", client_mac="5A:E3:44:21:0C:77")
for s, name, ans in [(30, "www.gstatic.com", "142.250.74.35"), (31, "connectivitycheck.gstatic.com", "142.250.74.3"),
                     (95, "protocol-a720.thetruthspy.com", "69.64.81.166"), (97, "weather.example.org", "203.0.113.9"),
                     (215, "protocol-a720.thetruthspy.com", "69.64.81.166")]:
    rec(s, "dns", server_ip="192.168.1.1", server_port=53, names=[name], transport="udp", **phone)
    rec(s + 0.05, "dns", server_ip="192.168.1.1", server_port=53, names=[name], answers=[ans], response=True, transport="udp", **phone)
rec(95.3, "tls", server_ip="69.64.81.166", server_port=443, sni="protocol-a720.thetruthspy.com", alpn=["http/1.1"], **phone)
rec(95.4, "flow", server_ip="69.64.81.166", server_port=443, transport="tcp", packets=18, bytes=9120, **phone)
rec(215.3, "tls", server_ip="69.64.81.166", server_port=443, sni="protocol-a720.thetruthspy.com", alpn=["http/1.1"], **phone)
rec(30.2, "quic", server_ip="142.250.74.35", server_port=443, version=1, sni="www.gstatic.com", alpn=["h3"], **phone)

out.sort(key=lambda x: x[0])
with open("demo/clinic-session.jsonl", "w") as f:
    for _, r in out:
        f.write(json.dumps(r, separators=(",", ":")) + "\n")
print(len(out), "records")
