"""Smoke test: Google's official Python SDK (google-genai), unchanged, against peel's simulator.

Run with GOOGLE_GEMINI_BASE_URL pointing at the simulator and GEMINI_API_KEY set.
Usage: python3 sdk_smoke.py OUTPUT_DIR

What google-genai 3.4.0 was seen to send (captured through a logging proxy):
- Paths use API version v1 by default (not v1beta): POST /v1/models/{m}:generateContent,
  GET /v1/models, GET /v1/models/{m}, POST /upload/v1/files, GET|DELETE /v1/files[/{id}],
  POST /v1/models/{m}:batchGenerateContent, GET|DELETE /v1/batches[/{id}].
  GOOGLE_GENAI_API_VERSION=beta switches to v1beta.
- Headers: x-goog-api-key, Content-Type: application/json,
  user-agent and x-goog-api-client both "google-genai-sdk/3.4.0 gl-python/3.11.7"
  ("+afc+chat" appended for chats), Accept-Encoding: gzip, deflate. X-Server-Timeout only
  when a timeout is configured.
- Casing is mixed: top level and generationConfig camelCase, but thinkingConfig's fields
  snake_case ("include_thoughts", "thinking_level"); history parts echo "mime_type";
  fileData is sent as {"file_uri", "mime_type"}.
- Inline image bytes sent back in history are URL-safe base64 ("-" and "_").
- Upload start body: {"file": {"display_name", "mime_type", "size_bytes"}} with
  X-Goog-Upload-Protocol/Command/Header-Content-Length/Header-Content-Type and
  X-Goog-Upload-File-Name; the chunk POST to the upload URL carries no API key.
- Batch create body: {"batch": {"displayName", "inputConfig": {"requests": {"requests":
  [{"request": {...}}]}}}} (no metadata unless given).
"""

import json
import os
import struct
import sys

from google import genai
from google.genai import errors, types

MODEL = "gemini-3.1-flash-image"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def final_images(response) -> list[bytes]:
    parts = response.candidates[0].content.parts
    return [p.inline_data.data for p in parts if p.inline_data is not None and not p.thought]


def main() -> None:
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "."
    assert os.environ.get("GOOGLE_GEMINI_BASE_URL"), "GOOGLE_GEMINI_BASE_URL is not set"
    client = genai.Client()

    # 1. One image, 16:9, text and image out.
    response = client.models.generate_content(
        model=MODEL,
        contents="A lighthouse on a cliff at sunset",
        config=types.GenerateContentConfig(
            response_modalities=["TEXT", "IMAGE"],
            image_config=types.ImageConfig(aspect_ratio="16:9"),
        ),
    )
    images = final_images(response)
    assert len(images) == 1, f"expected one image, got {len(images)}"
    path = os.path.join(out_dir, "sdk_first.png")
    with open(path, "wb") as f:
        f.write(images[0])
    assert png_size(images[0]) == (1376, 768), png_size(images[0])
    assert response.text, "expected a text part"
    assert response.usage_metadata.total_token_count > 0
    signed = [p for p in response.candidates[0].content.parts if p.thought_signature]
    assert signed, "expected signed parts"
    print("generate_content: ok", png_size(images[0]))

    # 2. Thoughts, thinking level and size, with the SDK's snake_case thinking fields.
    response = client.models.generate_content(
        model=MODEL,
        contents="A paper crane",
        config=types.GenerateContentConfig(
            response_modalities=["IMAGE"],
            image_config=types.ImageConfig(aspect_ratio="1:1", image_size="512"),
            thinking_config=types.ThinkingConfig(include_thoughts=True, thinking_level="HIGH"),
            seed=7,
            system_instruction="Keep it simple.",
            safety_settings=[
                types.SafetySetting(category="HARM_CATEGORY_HARASSMENT", threshold="BLOCK_ONLY_HIGH")
            ],
            tools=[types.Tool(google_search=types.GoogleSearch())],
            media_resolution="MEDIA_RESOLUTION_HIGH",
        ),
    )
    parts = response.candidates[0].content.parts
    assert parts[0].thought, "first part should be a thought"
    assert png_size(final_images(response)[0]) == (512, 512)
    print("thoughts: ok")

    # 2b. The service refuses what the model cannot do, and the SDK raises ClientError.
    try:
        client.models.generate_content(
            model=MODEL,
            contents="x",
            config=types.GenerateContentConfig(image_config=types.ImageConfig(image_size="1k")),
        )
    except errors.ClientError as err:
        assert err.code == 400 and "1k" in str(err), err
        print("lowercase size refused: ok")
    else:
        raise AssertionError("imageSize 1k was accepted")

    # 3. A second turn through chats: the SDK sends the model turn back with its signatures.
    chat = client.chats.create(
        model=MODEL,
        config=types.GenerateContentConfig(
            response_modalities=["TEXT", "IMAGE"],
            image_config=types.ImageConfig(aspect_ratio="16:9", image_size="512"),
        ),
    )
    first = chat.send_message("A red fox in the snow")
    second = chat.send_message("Now make it night time")
    edited = final_images(second)
    assert len(edited) == 1 and edited[0] != final_images(first)[0]
    with open(os.path.join(out_dir, "sdk_second.png"), "wb") as f:
        f.write(edited[0])
    print("chat second turn: ok")

    # 4. A forged signature in history is refused with 400.
    history = chat.get_history()
    model_turn = history[1]
    for part in model_turn.parts:
        if part.inline_data is not None:
            part.thought_signature = b"forged"
    try:
        client.models.generate_content(
            model=MODEL,
            contents=[history[0], model_turn, types.Content(role="user", parts=[types.Part(text="again")])],
        )
    except errors.ClientError as err:
        assert err.code == 400, err
        assert "thought signature" in str(err), err
        print("forged signature refused: ok")
    else:
        raise AssertionError("a forged signature was accepted")

    # 5. Models.
    names = [m.name for m in client.models.list()]
    assert f"models/{MODEL}" in names, names
    model = client.models.get(model=MODEL)
    assert model.name == f"models/{MODEL}", model.name
    print("models: ok", len(names))

    # 6. Errors surface as the SDK's typed errors.
    try:
        client.models.generate_content(model="gemini-9-image", contents="x")
    except errors.ClientError as err:
        assert err.code == 404, err
        print("unknown model 404: ok")
    else:
        raise AssertionError("unknown model accepted")

    # 7. Files API: upload a reference, use it by URI, delete it.
    ref_path = os.path.join(out_dir, "sdk_first.png")
    uploaded = client.files.upload(file=ref_path, config=types.UploadFileConfig(display_name="ref"))
    assert uploaded.name.startswith("files/"), uploaded.name
    assert uploaded.state.name == "ACTIVE", uploaded.state
    assert uploaded.size_bytes == os.path.getsize(ref_path), uploaded.size_bytes
    fetched = client.files.get(name=uploaded.name)
    assert fetched.uri == uploaded.uri
    assert any(f.name == uploaded.name for f in client.files.list())
    response = client.models.generate_content(
        model=MODEL,
        contents=[types.Part.from_uri(file_uri=uploaded.uri, mime_type="image/png"), "Add a moon"],
        config=types.GenerateContentConfig(image_config=types.ImageConfig(image_size="512")),
    )
    assert png_size(final_images(response)[0]) == (688, 384), "ratio follows the 16:9 reference"
    client.files.delete(name=uploaded.name)
    print("files: ok")

    # 8. Batch API with inline requests; poll until done.
    job = client.batches.create(
        model=MODEL,
        src=[
            {
                "contents": [{"parts": [{"text": "A red fox, flat icon"}], "role": "user"}],
                "config": {"response_modalities": ["IMAGE"], "image_config": {"image_size": "512"}},
            }
        ],
        config={"display_name": "sdk-batch"},
    )
    assert job.name.startswith("batches/"), job.name
    import time

    for _ in range(300):
        job = client.batches.get(name=job.name)
        if job.done:
            break
        time.sleep(0.05)
    assert job.state.name == "JOB_STATE_SUCCEEDED", job.state
    inlined = job.dest.inlined_responses
    assert len(inlined) == 1 and inlined[0].response.candidates, inlined
    assert any(j.name == job.name for j in client.batches.list())
    client.batches.delete(name=job.name)
    print("batches: ok")

    # 9. A text model with structured output (what `peel check` asks): a reference, then
    # the image to judge; the answer is JSON following the schema. Image output is refused.
    from pydantic import BaseModel

    class Verdict(BaseModel):
        score: int
        note: str

    with open(ref_path, "rb") as f:
        ref_bytes = f.read()
    response = client.models.generate_content(
        model="gemini-3.5-flash",
        contents=[
            "Score how well the last image keeps the subject of the first.",
            types.Part.from_bytes(data=ref_bytes, mime_type="image/png"),
            types.Part.from_bytes(data=ref_bytes, mime_type="image/png"),
        ],
        config=types.GenerateContentConfig(
            response_mime_type="application/json", response_schema=Verdict
        ),
    )
    verdict = response.parsed
    assert isinstance(verdict, Verdict), response.text
    assert 0 <= verdict.score <= 100 and verdict.note, verdict
    assert response.usage_metadata.prompt_token_count > 0
    raw_schema = client.models.generate_content(
        model="gemini-3.5-flash",
        contents=["Is it the same?", types.Part.from_bytes(data=ref_bytes, mime_type="image/png")],
        config=types.GenerateContentConfig(
            response_mime_type="application/json",
            response_json_schema={
                "type": "object",
                "properties": {"same": {"type": "boolean"}, "score": {"type": "integer"}},
            },
        ),
    )
    answer = json.loads(raw_schema.text)
    assert set(answer) == {"same", "score"}, answer
    try:
        client.models.generate_content(
            model="gemini-3.5-flash",
            contents="draw a cat",
            config=types.GenerateContentConfig(response_modalities=["IMAGE"]),
        )
    except errors.ClientError as err:
        assert err.code == 400 and "modalities" in str(err), err
    else:
        raise AssertionError("a text model made an image")
    print("text model: ok")

    # 10. Today's service: service tiers through the config (the SDK moves service_tier to
    # the request's top-level serviceTier), Nano Banana 2.1's sizes, a shut-down model, the
    # deprecated text model routed to its successor, the simulator's header.
    for tier in ("flex", "priority", "standard"):
        response = client.models.generate_content(
            model=MODEL,
            contents="A kite",
            config=types.GenerateContentConfig(
                image_config=types.ImageConfig(image_size="512"), service_tier=tier
            ),
        )
        assert final_images(response), tier
        assert response.usage_metadata.traffic_type is None, "the Gemini API echoes no tier"
    headers = {k.lower(): v for k, v in (response.sdk_http_response.headers or {}).items()}
    assert headers.get("x-peel-simulator") == "1", headers
    response = client.models.generate_content(
        model="nano-banana-2.1",
        contents="A kite",
        config=types.GenerateContentConfig(
            image_config=types.ImageConfig(image_size="1K", aspect_ratio="8:1"),
            thinking_config=types.ThinkingConfig(thinking_level="MEDIUM"),
            service_tier=types.ServiceTier.FLEX,
        ),
    )
    assert png_size(final_images(response)[0]) == (3072, 384)
    assert response.model_version == "gemini-nano-banana-2.1", response.model_version
    try:
        client.models.generate_content(
            model="gemini-nano-banana-2.1",
            contents="x",
            config=types.GenerateContentConfig(image_config=types.ImageConfig(image_size="512")),
        )
    except errors.ClientError as err:
        assert err.code == 400 and "512" in str(err) and err.status == "INVALID_ARGUMENT", err
    else:
        raise AssertionError("512 was accepted on Nano Banana 2.1")
    try:
        client.models.generate_content(model="gemini-2.5-flash-image", contents="x")
    except errors.ClientError as err:
        assert err.code == 404 and err.status == "NOT_FOUND", err
    else:
        raise AssertionError("a shut-down model answered")
    assert "models/gemini-2.5-flash-image" not in [m.name for m in client.models.list()]
    routed = client.models.generate_content(
        model="gemini-3.5-flash",
        contents="Is this a fox?",
        config=types.GenerateContentConfig(service_tier="flex"),
    )
    assert routed.model_version == "gemini-3.6-flash", routed.model_version
    print("today's service: ok")

    print("SDK SMOKE OK")


if __name__ == "__main__":
    main()
