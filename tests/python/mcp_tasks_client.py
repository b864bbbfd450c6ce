"""Drives `peel mcp` with the official MCP Python SDK: a cancelled call and tasks.

Usage: mcp_tasks_client.py PEEL_BINARY SIM_URL WORKDIR DB_PATH

SIM_URL is a `peel sim --faults slow` (GOOGLE_GEMINI_BASE_URL and GEMINI_API_KEY come from
the environment), so a generation stays in flight long enough to cancel. The SDK's 2.x
client has no Tasks helpers: the task shape is claimed through its extension interface and
`tasks/get` is sent as a raw request. Prints "MCP TASKS CLIENT OK" when every check passed.
"""

import asyncio
import json
import os
import sqlite3
import sys
import time
import urllib.request
from typing import Literal

import anyio
from pydantic import ConfigDict, Field, TypeAdapter

from mcp import ClientSession, StdioServerParameters, types
from mcp.client.extension import ResultClaim
from mcp.client.stdio import stdio_client
from mcp_types import CallToolResult, Result

TASKS = "io.modelcontextprotocol/tasks"
RAW = TypeAdapter(dict)


class TaskCreated(Result):
    """The `resultType: "task"` answer to a tools/call."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)
    result_type: Literal["task"] = Field(alias="resultType")
    task_id: str = Field(alias="taskId")
    status: str


async def never(created, ctx):  # the session-level API hands the task back instead
    raise AssertionError("tasks are polled by hand here")


def interaction_of(db_path):
    try:
        with sqlite3.connect(db_path) as db:
            row = db.execute(
                "SELECT interaction_id, state FROM jobs WHERE interaction_id IS NOT NULL").fetchone()
            return row
    except sqlite3.Error:
        return None


def job_states(db_path):
    with sqlite3.connect(db_path) as db:
        return [r[0] for r in db.execute("SELECT state FROM jobs ORDER BY id")]


def interaction_status(sim_url, interaction):
    request = urllib.request.Request(
        f"{sim_url}/v1beta/interactions/{interaction}",
        headers={"x-goog-api-key": os.environ["GEMINI_API_KEY"]})
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)["status"]


async def wait_for(what, check, seconds=60):
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"waited {seconds}s for {what}"
        await asyncio.sleep(0.05)


async def cancelled_generate(session, sim_url, workdir, db_path):
    """A call the client cancels: its interaction is cancelled, the job too, no file."""
    out = os.path.join(workdir, "cancelled-out")

    async def call():
        await session.call_tool("generate", {
            "prompt": "a slow fox", "model": "nano-banana-2", "size": "512", "out": out})

    async with anyio.create_task_group() as group:
        group.start_soon(call)
        interaction, _ = await wait_for("the job's interaction", lambda: interaction_of(db_path))
        group.cancel_scope.cancel()
    states = await wait_for("the job to end", lambda: (
        s := job_states(db_path)) and s[-1] not in ("queued", "sending") and s)
    assert states[-1] == "cancelled", states
    status = await wait_for("the interaction to be cancelled",
                            lambda: interaction_status(sim_url, interaction) == "cancelled")
    assert status
    assert not os.path.exists(out) or not os.listdir(out), os.listdir(out)


async def poll(session, task_id):
    deadline = time.monotonic() + 90
    while True:
        got = await session.send_request(
            types.GetTaskRequest(params=types.GetTaskRequestParams(task_id=task_id)), RAW)
        if got["status"] != "working":
            return got
        assert time.monotonic() < deadline, f"task {task_id} still working: {got}"
        await asyncio.sleep(got.get("pollIntervalMs", 1000) / 1000 / 10)


async def batch_of_five_as_a_task(session, workdir):
    """A task-augmented batch_submit of 5, polled with tasks/get until the job exists."""
    with open(os.path.join(workdir, "five.toml"), "w") as f:
        f.write('[defaults]\nmodel = "nano-banana-2"\nsize = "512"\n')
        for n in range(5):
            f.write(f'[[item]]\nprompt = "a paper boat, fold {n}"\n')
    created = await session.call_tool("batch_submit", {"file": "five.toml"}, allow_claimed=True)
    assert isinstance(created, TaskCreated), created
    assert created.status == "working", created
    done = await poll(session, created.task_id)
    assert done["status"] == "completed", done
    result = CallToolResult.model_validate(done["result"])
    assert not result.is_error, result
    assert result.structured_content["requests"] == 5, result.structured_content
    assert result.structured_content["name"].startswith("batches/"), result.structured_content
    unknown = None
    try:
        await session.send_request(
            types.GetTaskRequest(params=types.GetTaskRequestParams(task_id="no-such-task")), RAW)
    except Exception as error:  # the SDK raises the JSON-RPC error
        unknown = error
    assert unknown is not None, "an unknown task is an error"


async def main():
    peel, sim_url, workdir, db_path = sys.argv[1:5]
    params = StdioServerParameters(command=peel, args=["mcp"], env=dict(os.environ), cwd=workdir)
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            await cancelled_generate(session, sim_url, workdir, db_path)
    async with stdio_client(params) as (read, write):
        claim = ResultClaim(result_type="task", model=TaskCreated, resolve=never, method="tools/call")
        async with ClientSession(read, write, extensions={TASKS: {}},
                                 result_claims={TASKS: [claim]}) as session:
            # Claims are active at the modern protocol versions, reached by discovery.
            session.adopt(await session.discover())
            await batch_of_five_as_a_task(session, workdir)
    print("MCP TASKS CLIENT OK")


asyncio.run(main())
