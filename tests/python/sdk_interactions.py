"""Google's official Python SDK (google-genai), unchanged, against the simulator's Interactions API.

Run with GOOGLE_GEMINI_BASE_URL pointing at the simulator and GEMINI_API_KEY set.
Usage: python3 sdk_interactions.py OUTPUT_DIR

Covers: create, a second turn by previous_interaction_id, background + get (polling), get of
a stored interaction (full timeline), streaming with thought summaries, and resuming a
stream with last_event_id. Checked with google-genai 3.6.1 (the version .ci/run pins).
"""

import base64
import os
import sys
import time

from google import genai
from google.genai import _interactions_errors as ix_errors

MODEL = "gemini-3.1-flash-image"
FORMAT = {"type": "image", "aspect_ratio": "16:9", "image_size": "1K"}


def jpeg_size(data: bytes) -> tuple[int, int]:
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    i = 2
    while i < len(data):
        assert data[i] == 0xFF, "bad JPEG marker"
        marker = data[i + 1]
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            height = int.from_bytes(data[i + 5 : i + 7], "big")
            width = int.from_bytes(data[i + 7 : i + 9], "big")
            return width, height
        i += 2 + length
    raise AssertionError("no SOF marker")


def images_of(interaction) -> list[bytes]:
    out = []
    for step in interaction.steps or []:
        if step.type != "model_output":
            continue
        for block in step.content or []:
            if block.type == "image":
                data = block.data
                out.append(data if isinstance(data, bytes) else base64.b64decode(data))
    return out


def main() -> None:
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "."
    client = genai.Client()
    ix = client.interactions

    # 1. Create: text to image, with thought summaries.
    first = ix.create(
        model=MODEL,
        input="A watercolor lighthouse at dusk",
        response_format=FORMAT,
        generation_config={"thinking_level": "high", "thinking_summaries": "auto", "seed": 42},
    )
    assert first.status == "completed", first.status
    assert first.id.startswith("v1_"), first.id
    kinds = [s.type for s in first.steps]
    assert kinds == ["thought", "model_output"], kinds
    assert first.steps[0].signature, "thought step has no signature"
    assert first.steps[0].summary, "summaries were asked for"
    images = images_of(first)
    assert len(images) == 1, len(images)
    w, h = jpeg_size(images[0])
    assert abs(w / h - 16 / 9) < 0.02, (w, h)
    assert first.usage.total_tokens == (
        first.usage.total_input_tokens + first.usage.total_output_tokens + first.usage.total_thought_tokens
    )
    with open(os.path.join(out_dir, "ix_first.jpg"), "wb") as f:
        f.write(images[0])

    # 2. Second turn by previous_interaction_id: only the new instruction goes up.
    second = ix.create(
        model=MODEL,
        previous_interaction_id=first.id,
        input="Now make it night, add stars",
        response_format=FORMAT,
    )
    assert second.status == "completed", second.status
    assert second.previous_interaction_id == first.id
    assert len(images_of(second)) == 1

    # An unknown previous id is a 404 in the Interactions API's own envelope, which the SDK
    # raises as its interactions NotFoundError with the body parsed.
    try:
        ix.create(model=MODEL, previous_interaction_id="v1_unknown", input="x", response_format=FORMAT)
        raise AssertionError("unknown previous_interaction_id was accepted")
    except ix_errors.NotFoundError as e:
        assert e.status_code == 404, (type(e), e)
        assert "v1_unknown" in str(e), e
        assert e.body["error"]["code"] == "not_found", e.body

    # 3. Get of a stored interaction: the full timeline with the user's input first.
    got = ix.get(first.id)
    assert got.status == "completed"
    assert [s.type for s in got.steps] == ["user_input", "thought", "model_output"], [s.type for s in got.steps]
    assert images_of(got) == images

    # 4. Background + get until done.
    bg = ix.create(model=MODEL, input="A red fox in snow", response_format=FORMAT, background=True)
    assert bg.status in ("in_progress", "queued"), bg.status
    deadline = time.time() + 30
    while bg.status in ("in_progress", "queued"):
        assert time.time() < deadline, "background interaction never finished"
        time.sleep(0.1)
        bg = ix.get(bg.id)
    assert bg.status == "completed", bg.status
    assert len(images_of(bg)) == 1

    # 5. Streaming: thought summary, signature, final image, completed.
    seen = []
    ids = []
    summary_text = ""
    final = b""
    created_id = None
    for event in ix.create(
        model=MODEL,
        input="A paper boat on a pond",
        response_format=FORMAT,
        generation_config={"thinking_summaries": "auto"},
        stream=True,
    ):
        seen.append(event.event_type)
        if getattr(event, "event_id", None):
            ids.append(event.event_id)
        if event.event_type == "interaction.created":
            created_id = event.interaction.id
        if event.event_type == "step.delta":
            delta = event.delta
            if delta.type == "thought_summary" and delta.content.type == "text":
                summary_text += delta.content.text
            if delta.type == "image":
                data = delta.data
                final += data if isinstance(data, bytes) else base64.b64decode(data)
    assert seen[0] == "interaction.created", seen
    assert seen[-1] == "interaction.completed", seen
    assert "step.delta" in seen
    assert summary_text, "no thought summary streamed"
    assert final[:2] == b"\xff\xd8", "no final JPEG streamed"

    # Resuming the stream after the third event replays the rest.
    replay = [e.event_type for e in ix.get(created_id, stream=True, last_event_id=ids[2])]
    assert replay == seen[3:], (replay, seen[3:])

    # 6. Service tiers: the interaction echoes the tier that served it.
    for tier in ("flex", "priority", "standard"):
        tiered = ix.create(model="nano-banana-2.1", input="A kite", service_tier=tier,
                           response_format={"type": "image", "aspect_ratio": "1:1", "image_size": "1K"},
                           generation_config={"thinking_level": "medium"})
        assert tiered.status == "completed", tiered.status
        assert tiered.service_tier == tier, (tier, tiered.service_tier)
        assert ix.get(tiered.id).service_tier == tier

    # 7. Refusals come back as the SDK's typed errors carrying the API's string code.
    refusals = [
        (dict(model="gemini-nano-banana-2.1", input="x",
              response_format={"type": "image", "image_size": "512"}),
         ix_errors.BadRequestError, 400, "invalid_request"),
        (dict(model=MODEL, input="x", service_tier="deferred"),
         ix_errors.BadRequestError, 400, "invalid_request"),
        (dict(model="gemini-2.5-flash-image", input="x"),
         ix_errors.NotFoundError, 404, "model_not_found"),
        (dict(model="gemini-9-imaginary", input="x"),
         ix_errors.NotFoundError, 404, "model_not_found"),
    ]
    for kwargs, kind, status, code in refusals:
        try:
            ix.create(**kwargs)
            raise AssertionError(f"{kwargs} was accepted")
        except ix_errors.APIStatusError as e:
            assert isinstance(e, kind), (type(e), e)
            assert e.status_code == status, (e.status_code, e)
            assert e.body["error"]["code"] == code, e.body
            assert e.body["error"]["message"], e.body
    stranger = genai.Client(api_key="not-the-key")  # kept: the SDK closes a dropped client
    try:
        stranger.interactions.get(first.id)
        raise AssertionError("a wrong key was accepted")
    except ix_errors.AuthenticationError as e:
        assert e.status_code == 401 and e.body["error"]["code"] == "authentication", e.body

    print("SDK INTERACTIONS OK")


if __name__ == "__main__":
    main()
