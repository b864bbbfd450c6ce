//! Tests of `storage.rs`: Cloud Storage checksums and object URLs.

use super::*;

#[test]
fn crc32c_is_cloud_storages_base64_big_endian() {
    // RFC 3720's test vector: 32 bytes of zeros have CRC32C 0x8A9136AA.
    let (crc, size) = crc32c_of(&[0u8; 32][..]).unwrap();
    assert_eq!((crc.as_str(), size), ("ipE2qg==", 32));
    let info = ObjectInfo {
        size: "32".into(),
        crc32c: Some(crc.clone()),
        ..ObjectInfo::default()
    };
    assert!(info.matches(32, &crc));
    assert!(!info.matches(31, &crc));
}

#[test]
fn names_are_one_escaped_path_segment() {
    let client = StorageClient::new(
        &StorageEndpoint {
            base_url: "http://127.0.0.1:9/".into(),
            emulator: true,
        },
        None,
        Duration::from_secs(1),
    )
    .unwrap();
    let url = client.url(
        &["storage", "v1", "b", "bkt", "o", "runs/7/input.jsonl"],
        &[],
    );
    assert_eq!(
        url.as_str(),
        "http://127.0.0.1:9/storage/v1/b/bkt/o/runs%2F7%2Finput.jsonl"
    );
    assert!(client.is_anonymous());
}
