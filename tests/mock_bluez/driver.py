"""Drive the mock BlueZ from the tests: `driver.py adapter hci0`, `driver.py device JSON`,
`driver.py advertise PATH JSON`, `driver.py discovering hci0` (prints true/false).
JSON: {"address": ..., "rssi": -60, "name": ..., "mfg": {"76": "hex"}, "sd": {"fd5a": "hex"}, "uuids": ["feed"]}"""
import json
import os
import sys

import dbus

BASE = "-0000-1000-8000-00805f9b34fb"


def uuid(u):
    return ("0000" + u + BASE) if len(u) == 4 else u


def props(spec):
    p = {}
    if "rssi" in spec:
        p["RSSI"] = dbus.Int16(spec["rssi"])
    if "name" in spec:
        p["Name"] = dbus.String(spec["name"])
    if "mfg" in spec:
        p["ManufacturerData"] = dbus.Dictionary(
            {dbus.UInt16(int(k)): dbus.Array(bytes.fromhex(v), signature="y") for k, v in spec["mfg"].items()}, signature="qv")
    if "sd" in spec:
        p["ServiceData"] = dbus.Dictionary(
            {uuid(k): dbus.Array(bytes.fromhex(v), signature="y") for k, v in spec["sd"].items()}, signature="sv")
    if "uuids" in spec:
        p["UUIDs"] = dbus.Array([uuid(u) for u in spec["uuids"]], signature="s")
    return p


bus = dbus.bus.BusConnection(os.environ["DBUS_SYSTEM_BUS_ADDRESS"])
mock = dbus.Interface(bus.get_object("org.bluez", "/"), "org.bluez.Mock")
cmd = sys.argv[1]
if cmd == "adapter":
    print(mock.AddAdapter(sys.argv[2], "sweep-test"))
elif cmd == "device":
    spec = json.loads(sys.argv[2])
    print(mock.AddLEDevice("hci0", spec["address"], props(spec)))
elif cmd == "advertise":
    mock.Advertise(dbus.ObjectPath(sys.argv[2]), props(json.loads(sys.argv[3])))
elif cmd == "discovering":
    a = bus.get_object("org.bluez", "/org/bluez/" + sys.argv[2])
    print("true" if a.Get("org.bluez.Adapter1", "Discovering", dbus_interface=dbus.PROPERTIES_IFACE) else "false")
