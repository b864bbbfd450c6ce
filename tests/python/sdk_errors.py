"""Google's official Python SDK (google-genai), unchanged, meeting the Interactions API's own
errors from peel's simulator started with faults.

Run with GOOGLE_GEMINI_BASE_URL pointing at a simulator started with the faults
"payment_required:1,quota_exceeded:1,service_unavailable:1,shed:1" and GEMINI_API_KEY set.
Usage: python3 sdk_errors.py

The SDK retries 408, 409, 429 and 5xx answers by default; this client makes one attempt
so each fault is seen as the service sends it. What the SDK does with the envelope: an
HTTP error becomes an `APIStatusError` subclass by status (402 has none of its own) whose
`body` is the parsed `{"error": {"code", "message"}}`; a stream's `error` event is yielded
as an event like any other; a failed background interaction has `errors[].code`.
"""

import time

from google import genai
from google.genai import _interactions_errors as ix_errors
from google.genai import types

MODEL = "gemini-nano-banana-2.1"
FORMAT = {"type": "image", "aspect_ratio": "1:1", "image_size": "1K"}


def main() -> None:
    client = genai.Client(
        http_options=types.HttpOptions(retry_options=types.HttpRetryOptions(attempts=1))
    )
    ix = client.interactions

    # 402 payment_required: no subclass of its own, an APIStatusError with the body.
    try:
        ix.create(model=MODEL, input="A kite", response_format=FORMAT)
        raise AssertionError("payment_required did not fire")
    except ix_errors.APIStatusError as e:
        assert type(e) is ix_errors.APIStatusError, type(e)
        assert e.status_code == 402, e.status_code
        assert e.body["error"]["code"] == "payment_required", e.body
        assert "credits" in e.body["error"]["message"], e.body
        assert "payment_required" in str(e), str(e)

    # 429 quota_exceeded: a RateLimitError.
    try:
        ix.create(model=MODEL, input="A kite", response_format=FORMAT)
        raise AssertionError("quota_exceeded did not fire")
    except ix_errors.RateLimitError as e:
        assert e.status_code == 429 and e.body["error"]["code"] == "quota_exceeded", e.body

    # service_unavailable while a background run works: the interaction fails with the code.
    bg = ix.create(model=MODEL, input="A kite", response_format=FORMAT, background=True)
    deadline = time.time() + 30
    while bg.status in ("in_progress", "queued"):
        assert time.time() < deadline, "background interaction never finished"
        time.sleep(0.05)
        bg = ix.get(bg.id)
    assert bg.status == "failed", bg.status
    assert bg.errors[0].code == "service_unavailable", bg.errors
    assert bg.errors[0].message, bg.errors

    # A streamed flex request is shed: the stream carries an error event with the code.
    events = list(ix.create(model=MODEL, input="A kite", response_format=FORMAT,
                            service_tier="flex", stream=True))
    kinds = [e.event_type for e in events]
    assert kinds[0] == "interaction.created", kinds
    errors = [e for e in events if e.event_type == "error"]
    assert len(errors) == 1, kinds
    assert errors[0].error.code == "service_unavailable", errors[0]
    assert "shed" in errors[0].error.message, errors[0]
    assert errors[0].event_id, errors[0]

    # Every fault has fired once: the next flex request is served.
    done = ix.create(model=MODEL, input="A kite", response_format=FORMAT, service_tier="flex")
    assert done.status == "completed" and done.service_tier == "flex", done

    print("SDK ERRORS OK")


if __name__ == "__main__":
    main()
