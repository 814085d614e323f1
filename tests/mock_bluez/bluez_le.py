"""python-dbusmock template: BlueZ (the stock bluez5 template) plus correctly typed LE devices
and advertisement updates, for sweep's Bluetooth tests.

Load with: /usr/bin/python3 -m dbusmock --system --template tests/mock_bluez/bluez_le.py
Adds to org.bluez.Mock:
  AddLEDevice(adapter s, address s, props a{sv}) -> o   a Device1 with every property
      bluez-async requires, then InterfacesAdded (as BlueZ announces a new device)
  Advertise(path o, props a{sv})   one PropertiesChanged with the new advert fields
ManufacturerData must be a{qv} with ay values; ServiceData a{sv} with ay values.
"""
import dbus
from dbusmock import mockobject
from dbusmock.templates import bluez5
from dbusmock.templates.bluez5 import *  # noqa: F401,F403 (the stock methods: AddAdapter, ...)

BUS_NAME = bluez5.BUS_NAME
MAIN_OBJ = bluez5.MAIN_OBJ
SYSTEM_BUS = True
IS_OBJECT_MANAGER = True
DEVICE_IFACE = "org.bluez.Device1"


def load(mock, parameters):
    bluez5.load(mock, parameters)


@dbus.service.method(bluez5.BLUEZ_MOCK_IFACE, in_signature="ssa{sv}", out_signature="o")
def AddLEDevice(self, adapter, address, props):
    adapter_path = "/org/bluez/" + adapter
    path = adapter_path + "/dev_" + address.replace(":", "_").upper()
    device = {
        "Address": dbus.String(address),
        "AddressType": dbus.String("random"),
        "Alias": dbus.String(address.replace(":", "-")),
        "Adapter": dbus.ObjectPath(adapter_path),
        "Paired": dbus.Boolean(False),
        "Bonded": dbus.Boolean(False),
        "Connected": dbus.Boolean(False),
        "Trusted": dbus.Boolean(False),
        "Blocked": dbus.Boolean(False),
        "LegacyPairing": dbus.Boolean(False),
        "ServicesResolved": dbus.Boolean(False),
        "UUIDs": dbus.Array([], signature="s"),
        "ManufacturerData": dbus.Dictionary({}, signature="qv"),
        "ServiceData": dbus.Dictionary({}, signature="sv"),
    }
    device.update(props)
    self.AddObject(path, DEVICE_IFACE, device, [])
    self.EmitSignal(
        "org.freedesktop.DBus.ObjectManager",
        "InterfacesAdded",
        "oa{sa{sv}}",
        [dbus.ObjectPath(path), dbus.Dictionary({DEVICE_IFACE: dbus.Dictionary(device, signature="sv")}, signature="sa{sv}")],
    )
    return dbus.ObjectPath(path)


@dbus.service.method(bluez5.BLUEZ_MOCK_IFACE, in_signature="oa{sv}", out_signature="")
def Advertise(self, path, props):
    obj = mockobject.objects[path]
    obj.props[DEVICE_IFACE].update(props)
    obj.EmitSignal(
        dbus.PROPERTIES_IFACE,
        "PropertiesChanged",
        "sa{sv}as",
        [DEVICE_IFACE, dbus.Dictionary(props, signature="sv"), dbus.Array([], signature="s")],
    )
