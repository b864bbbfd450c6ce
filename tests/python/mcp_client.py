"""Drives `peel mcp` with the official MCP Python SDK over stdio.

Usage: mcp_client.py PEEL_BINARY SIM_URL WORKDIR

peel talks to a separate `peel sim` at SIM_URL (GOOGLE_GEMINI_BASE_URL and GEMINI_API_KEY
come from the environment), so the simulator's request count shows what was sent.
Prints "MCP CLIENT OK" when every check passed; any failed check raises.
"""

import asyncio
import base64
import json
import os
import struct
import subprocess
import sys
import urllib.request

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

TOOLS = {
    "generate", "edit", "session_show", "roster_list", "roster_add", "models", "lint",
    "batch_plan", "batch_submit", "batch_status", "batch_fetch", "history",
}


def attr(obj, snake):
    """An attribute by its snake_case name (mcp 2.x) or camelCase one (mcp 1.x)."""
    if hasattr(obj, snake):
        return getattr(obj, snake)
    head, *rest = snake.split("_")
    return getattr(obj, head + "".join(w.title() for w in rest))


def sent(sim_url):
    with urllib.request.urlopen(f"{sim_url}/_peel/stats") as answer:
        return json.load(answer)["gemini_requests"]


def jpeg_size(data):
    """(width, height) from a JPEG's first start-of-frame marker."""
    assert data[:3] == b"\xff\xd8\xff", "the preview is not a JPEG"
    i = 2
    while i < len(data):
        assert data[i] == 0xFF, f"bad JPEG marker at {i}"
        marker = data[i + 1]
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            height, width = struct.unpack(">HH", data[i + 5:i + 9])
            return width, height
        i += 2 + length
    raise AssertionError("no frame header in the JPEG")


def file_size(path):
    """Pixel size of a saved PNG or JPEG (the extension follows the MIME type answered)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return struct.unpack(">II", data[16:24])
    assert data[:2] == b"\xff\xd8", f"{path} is neither a PNG nor a JPEG"
    return jpeg_size(data)


def text_of(result):
    return "\n".join(c.text for c in result.content if c.type == "text")


def check_images(result, label):
    """Asserts the result carries one JPEG preview ≤ 768 px per output, shaped like it."""
    assert not attr(result, "is_error"), f"{label} failed: {text_of(result)}"
    body = attr(result, "structured_content")
    outputs = body["outputs"]
    images = [c for c in result.content if c.type == "image"]
    assert len(images) == len(outputs) >= 1, f"{label}: {len(images)} previews for {len(outputs)} outputs"
    for image, output in zip(images, outputs):
        for field in ("path", "width", "height", "mime", "cost_usd"):
            assert field in output, f"{label}: output lacks {field}: {output}"
        assert os.path.isfile(output["path"]), f"{label}: {output['path']} does not exist"
        assert (output["width"], output["height"]) == file_size(output["path"])
        assert attr(image, "mime_type") == "image/jpeg"
        width, height = jpeg_size(base64.b64decode(image.data))
        assert max(width, height) <= 768, f"{label}: preview is {width}x{height}"
        assert max(width, height) == min(768, max(output["width"], output["height"]))
        ratio = output["width"] / output["height"]
        assert abs(width / height - ratio) < 0.02, f"{label}: preview {width}x{height} vs {ratio}"
    assert isinstance(body["cost_usd"], (int, float))
    assert body["session"], f"{label}: no session in {body}"
    return body


async def progress_and_originals(session):
    """A Pro 2K image reports progress before its result; its original reads back whole."""
    heard = []

    async def on_progress(progress, total, message):
        heard.append((progress, message))

    pro = await session.call_tool(
        "generate", {"prompt": "a lighthouse in a storm", "model": "gemini-3-pro-image", "size": "2K"},
        progress_callback=on_progress)
    heard_before_result = list(heard)
    body = check_images(pro, "pro generate")
    assert len(heard_before_result) >= 2, f"progress before the result: {heard_before_result}"
    values = [p for p, _ in heard_before_result]
    assert values == sorted(values) and len(set(values)) == len(values), values
    links = [c for c in pro.content if c.type == "resource_link"]
    assert len(links) == len(body["outputs"]) == 1, pro.content
    uri = str(links[0].uri)
    assert uri.startswith("peel://output/"), uri
    original = await session.read_resource(uri)
    blob = base64.b64decode(original.contents[0].blob)
    with open(body["outputs"][0]["path"], "rb") as f:
        assert blob == f.read(), "the resource is the original, byte for byte"
    assert attr(links[0], "mime_type") == body["outputs"][0]["mime"], links[0]
    listed = await session.list_resources()
    assert str(listed.resources[0].uri) == uri, "newest first"


async def main():
    peel, sim_url, workdir = sys.argv[1:4]
    params = StdioServerParameters(command=peel, args=["mcp"], env=dict(os.environ), cwd=workdir)
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            assert attr(init, "server_info").name == "peel", attr(init, "server_info")
            assert "simulator" not in (init.instructions or ""), "a key is configured"

            listed = await session.list_tools()
            names = {t.name for t in listed.tools}
            assert TOOLS <= names, f"missing tools: {TOOLS - names}"
            for tool in listed.tools:
                assert tool.description and "\n" not in tool.description.strip(), tool.name
                assert attr(tool, "input_schema").get("type") == "object", tool.name
            generate_schema = attr(next(t for t in listed.tools if t.name == "generate"), "input_schema")
            for field in ("prompt", "model", "aspect", "size", "seed", "count", "refs", "with",
                          "preset", "thinking", "grounding", "out"):
                assert field in generate_schema["properties"], f"generate lacks {field}"
            assert generate_schema.get("required") == ["prompt"], generate_schema.get("required")

            before = sent(sim_url)
            first = await session.call_tool(
                "generate", {"prompt": "a red fox in snow", "aspect": "16:9", "size": "1K"})
            body = check_images(first, "generate")
            assert sent(sim_url) == before + 1, "generate sent one request"
            out_dir = os.path.realpath(os.path.join(workdir, "peel-out"))
            fox = body["outputs"][0]["path"]
            assert os.path.realpath(fox).startswith(out_dir + os.sep), f"{fox} is not in {out_dir}"
            assert os.path.isfile(os.path.splitext(fox)[0] + ".json") or os.path.isfile(
                body["outputs"][0]["sidecar"]), "no sidecar"
            assert body["session"] in text_of(first)

            edited = await session.call_tool(
                "edit", {"session": body["session"], "instruction": "make the sky orange"})
            edit_body = check_images(edited, "edit")
            assert edit_body["session"] == body["session"]
            assert edit_body["outputs"][0]["turn"] != body["outputs"][0]["turn"]
            assert edit_body["outputs"][0]["path"] != fox, "an edit never overwrites"
            shown = await session.call_tool("session_show", {"session": body["session"]})
            assert not attr(shown, "is_error"), text_of(shown)
            assert len(attr(shown, "structured_content")["session"]["turns"]) == 2

            before = sent(sim_url)
            bad = await session.call_tool("generate", {"prompt": "a fox", "aspect": "7:3"})
            assert attr(bad, "is_error"), "a bad aspect is a tool error"
            cli = subprocess.run([peel, "generate", "a fox", "--aspect", "7:3"],
                                 cwd=workdir, capture_output=True, text=True)
            assert cli.returncode == 2, cli
            cli_message = cli.stderr.strip().splitlines()[-1].removeprefix("peel: error: ")
            assert bad.content[0].text == cli_message, f"{bad.content[0].text!r} != {cli_message!r}"
            assert "7:3" in cli_message and "Allowed" in cli_message, cli_message
            assert sent(sim_url) == before, "nothing was sent for a bad aspect"

            no_ref = await session.call_tool("generate", {"prompt": "a fox", "refs": ["nowhere.png"]})
            assert attr(no_ref, "is_error"), "an unreadable reference is a tool error"
            cli = subprocess.run([peel, "generate", "a fox", "--ref", "nowhere.png"],
                                 cwd=workdir, capture_output=True, text=True)
            assert cli.returncode == 2, cli
            cli_message = cli.stderr.strip().splitlines()[-1].removeprefix("peel: error: ")
            assert no_ref.content[0].text == cli_message, f"{no_ref.content[0].text!r} != {cli_message!r}"
            assert sent(sim_url) == before, "nothing was sent for an unreadable reference"

            missing = await session.call_tool(
                "roster_add", {"kind": "character", "name": "Mira", "refs": ["nowhere.png"]})
            assert attr(missing, "is_error"), text_of(missing)
            assert "nowhere.png" in missing.content[0].text, text_of(missing)
            added = await session.call_tool("roster_add", {
                "kind": "character", "name": "Mira",
                "description": "orange puffer jacket, natural hair", "refs": [fox]})
            assert not attr(added, "is_error"), text_of(added)
            assert attr(added, "structured_content")["anchor"]["name"] == "Mira"
            listed_roster = await session.call_tool("roster_list", {})
            anchors = attr(listed_roster, "structured_content")["anchors"]
            assert [a["name"] for a in anchors] == ["Mira"], anchors
            with_mira = await session.call_tool(
                "generate", {"prompt": "Mira reading by a window", "with": ["Mira"]})
            mira_body = check_images(with_mira, "generate with Mira")
            with open(mira_body["outputs"][0]["sidecar"]) as f:
                sidecar = json.load(f)
            assert "Mira" in json.dumps(sidecar["anchors"]), sidecar["anchors"]

            # A prompt that names Mira puts her in shot; one that puts her in shot without
            # naming her gets advice.
            advice = await session.call_tool(
                "lint", {"prompt": "a girl waves from the door", "with": ["Mira"]})
            rules = [n["rule"] for item in attr(advice, "structured_content")["items"] for n in item["notes"]]
            assert "anchor-not-named" in rules, rules

            unknown = await session.call_tool("generate", {"prompt": "x", "with": ["Nobody"]})
            assert attr(unknown, "is_error") and "Nobody" in unknown.content[0].text, text_of(unknown)

            history = await session.call_tool("history", {"search": "fox"})
            assert not attr(history, "is_error")
            jobs = attr(history, "structured_content")["jobs"]
            assert jobs and all("fox" in j["prompt"] for j in jobs), jobs
            models = await session.call_tool("models", {})
            assert attr(models, "structured_content")["models"], "no models"
            notes = await session.call_tool("lint", {"prompt": "a poster 16:9 saying hello world"})
            assert not attr(notes, "is_error"), text_of(notes)
            assert attr(notes, "structured_content")["notes"] >= 1, text_of(notes)

            await progress_and_originals(session)
    print("MCP CLIENT OK")


asyncio.run(main())
