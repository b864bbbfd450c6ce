"""Google's Python SDK in Vertex AI mode, unchanged, against peel's simulator: the input
uploaded with Google's Cloud Storage client (service-account credentials, the simulator as
its endpoint), then `client.batches.create(model=..., src="gs://...", config={"dest": ...})`,
get until it succeeds, list, a second job cancelled, and the predictions read back.

argv: OUT_DIR SIM_URL SERVICE_ACCOUNT_JSON PROJECT BUCKET. Prints SDK VERTEX BATCH OK."""

import json
import sys
import time

from google import genai
from google.cloud import storage
from google.genai import types
from google.oauth2 import service_account

CLOUD = "https://www.googleapis.com/auth/cloud-platform"


def wait(client, name, done):
    deadline = time.time() + 120
    while True:
        job = client.batches.get(name=name)
        if job.state.name in done:
            return job
        assert time.time() < deadline, f"{name} still {job.state}"
        time.sleep(0.2)


def main() -> None:
    _out, sim, sa_path, project, bucket_name = sys.argv[1:6]
    credentials = service_account.Credentials.from_service_account_file(sa_path, scopes=[CLOUD])
    gcs = storage.Client(
        project=project, credentials=credentials, client_options={"api_endpoint": sim}
    )
    bucket = gcs.bucket(bucket_name)
    lines = [
        {"request": {"contents": [{"role": "user", "parts": [{"text": f"a kite number {i}"}]}],
                     "labels": {"peel_item": str(i)}}}
        for i in range(1, 4)
    ]
    bucket.blob("sdk/input.jsonl").upload_from_string(
        "".join(json.dumps(line) + "\n" for line in lines), content_type="application/jsonl"
    )

    client = genai.Client(
        vertexai=True,
        project=project,
        location="global",
        credentials=credentials,
        http_options=types.HttpOptions(base_url=sim),
    )
    job = client.batches.create(
        model="gemini-3.1-flash-image",
        src=f"gs://{bucket_name}/sdk/input.jsonl",
        config={"dest": f"gs://{bucket_name}/sdk/output", "display_name": "sdk-batch"},
    )
    assert "/batchPredictionJobs/" in job.name, job.name
    done = wait(client, job.name, {"JOB_STATE_SUCCEEDED", "JOB_STATE_FAILED"})
    assert done.state.name == "JOB_STATE_SUCCEEDED", done
    assert done.dest.gcs_uri.startswith(f"gs://{bucket_name}/sdk/output"), done.dest
    names = [b.name for b in gcs.list_blobs(bucket_name, prefix="sdk/output/")]
    predictions = [n for n in names if n.endswith("predictions.jsonl")]
    assert len(predictions) == 1, names
    rows = [json.loads(l) for l in bucket.blob(predictions[0]).download_as_text().splitlines() if l]
    assert sorted(r["request"]["labels"]["peel_item"] for r in rows) == ["1", "2", "3"], rows
    assert all(r["status"] == "" and r["response"]["candidates"] for r in rows)

    listed = [j.name for j in client.batches.list()]
    assert job.name in listed, listed

    second = client.batches.create(
        model="gemini-3.1-flash-image",
        src=f"gs://{bucket_name}/sdk/input.jsonl",
        config={"dest": f"gs://{bucket_name}/sdk/cancelled"},
    )
    client.batches.cancel(name=second.name)
    ended = wait(client, second.name, {"JOB_STATE_CANCELLED", "JOB_STATE_SUCCEEDED"})
    assert ended.state.name == "JOB_STATE_CANCELLED", ended
    print("SDK VERTEX BATCH OK")


if __name__ == "__main__":
    main()
