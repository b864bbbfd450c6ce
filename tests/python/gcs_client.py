"""Google's Cloud Storage client, unchanged, against peel's simulator in emulator mode.

STORAGE_EMULATOR_HOST points the library at the simulator (which then takes requests
without credentials); the script creates a bucket, uploads small (multipart) and large
(resumable, in chunks) objects, reads their checksums and bytes back, lists by prefix and
deletes. Prints GCS CLIENT OK at the end."""

import base64
import hashlib
import os
import sys

from google.cloud import storage
import google_crc32c


def crc32c_b64(data: bytes) -> str:
    return base64.b64encode(google_crc32c.value(data).to_bytes(4, "big")).decode()


def main() -> None:
    assert os.environ.get("STORAGE_EMULATOR_HOST"), "STORAGE_EMULATOR_HOST must be set"
    client = storage.Client(project="peel-test-project")
    bucket = client.create_bucket("sdk-made-bucket")
    assert bucket.name == "sdk-made-bucket"
    assert client.lookup_bucket("no-such-bucket-here") is None

    small = b'{"request": {"contents": []}}\n' * 10
    blob = bucket.blob("runs/7/input.jsonl")
    blob.upload_from_string(small, content_type="application/jsonl")
    blob.reload()
    assert blob.size == len(small), blob.size
    assert blob.crc32c == crc32c_b64(small), (blob.crc32c, crc32c_b64(small))
    assert blob.md5_hash == base64.b64encode(hashlib.md5(small).digest()).decode()
    assert blob.download_as_bytes() == small

    big = os.urandom(3 * 256 * 1024 + 12345)
    chunked = bucket.blob("runs/7/refs/big.bin", chunk_size=256 * 1024)
    chunked.upload_from_string(big, content_type="application/octet-stream")
    chunked.reload()
    assert chunked.size == len(big)
    assert chunked.crc32c == crc32c_b64(big)
    assert chunked.download_as_bytes() == big
    assert chunked.download_as_bytes(start=1000) == big[1000:]

    bucket.blob("other/x.txt").upload_from_string(b"x")
    names = [b.name for b in client.list_blobs("sdk-made-bucket", prefix="runs/7/")]
    assert names == ["runs/7/input.jsonl", "runs/7/refs/big.bin"], names
    paged = list(client.list_blobs("sdk-made-bucket", max_results=10, page_size=1))
    assert len(paged) == 3, paged

    blob.delete()
    assert not bucket.blob("runs/7/input.jsonl").exists()
    print("GCS CLIENT OK")


if __name__ == "__main__":
    main()
    sys.exit(0)
