use super::*;

#[test]
fn ble_record_accepts_the_documented_shape() {
    let line = r#"{"t":"2026-11-22T10:00:00Z","kind":"ble","address":"C4:11:22:33:44:55","address_type":"random","rssi":-58,"name":"optional","tx_power":null,"manufacturer_data":{"76":"12190f"},"service_data":{"fd5a":"12a0"},"services":["feed"]}"#;
    let r: Record = serde_json::from_str(line).expect("parses");
    let Observation::Ble(a) = &r.obs else {
        panic!("not ble")
    };
    assert_eq!(a.address.to_string(), "C4:11:22:33:44:55");
    assert_eq!(a.manufacturer_data[&76].0, vec![0x12, 0x19, 0x0f]);
    assert_eq!(
        a.service_data[&BleUuid::from_u16(0xfd5a)].0,
        vec![0x12, 0xa0]
    );
    assert_eq!(a.services, vec![BleUuid::from_u16(0xfeed)]);
    assert_eq!(a.rssi, Some(-58));
    assert_eq!(a.tx_power, None);
}

#[test]
fn only_t_kind_address_are_required() {
    let r: Record = serde_json::from_str(
        r#"{"t":"2026-11-22T10:00:00Z","kind":"ble","address":"c4:11:22:33:44:55"}"#,
    )
    .expect("parses");
    assert!(matches!(r.obs, Observation::Ble(_)));
}

#[test]
fn address_with_multibyte_characters_is_an_error_not_a_panic() {
    // Found by the replay fuzz target: 12 bytes that are not 12 characters.
    assert!("C61\u{201b}9700e0".parse::<MacAddr>().is_err());
    assert!("C61‛9700e0".parse::<MacAddr>().is_err());
}

#[test]
fn round_trip_keeps_uuid_forms() {
    let full = "7dfc9000-7d1c-4951-86aa-8d9728f8d66c";
    let u: BleUuid = full.parse().expect("uuid");
    assert_eq!(u.to_string(), full);
    let long: BleUuid = "0000FEAA-0000-1000-8000-00805F9B34FB"
        .parse()
        .expect("uuid");
    assert_eq!(long.to_string(), "feaa");
}
