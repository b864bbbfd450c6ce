#!/usr/bin/env python3
"""Peak RSS of `peel review` paging through a large folder, in tmux.

Usage: benches/review_rss.py PEEL_BINARY DIR [COLS ROWS]

Runs `peel --image-protocol halfblocks review DIR` in a private tmux server, presses
PageDown until the last image is selected (waiting on every page until no thumbnail is
still loading), moves the selection 30 times to load 2K previews, then prints VmHWM of the
peel process. PEEL_CONFIG_DIR / PEEL_DATA_DIR / PEEL_STATE_DIR are passed through; delete
$PEEL_DATA_DIR/thumbs first for a cold thumbnail cache.

Make the folder with e.g. 500 items at size 2K:
  peel batch run b500.toml --out /tmp/big --rpm 60000 --concurrency 4
"""
import os
import re
import subprocess
import sys
import time

peel, folder = sys.argv[1], sys.argv[2]
cols, rows = (sys.argv[3], sys.argv[4]) if len(sys.argv) > 4 else ("120", "40")
sock = f"peel-rss-{os.getpid()}"


def tm(*args):
    return subprocess.run(["tmux", "-L", sock, *args], capture_output=True, text=True).stdout


env = []
for var in ("PEEL_CONFIG_DIR", "PEEL_DATA_DIR", "PEEL_STATE_DIR"):
    if var in os.environ:
        env += ["-e", f"{var}={os.environ[var]}"]
started = time.time()
tm("new-session", "-d", "-s", "r", "-x", cols, "-y", rows, *env,
   f"{peel} --image-protocol halfblocks review {folder}")
pid = int(tm("display", "-p", "-t", "r", "#{pane_pid}").strip())


def settled():
    for _ in range(4000):
        screen = tm("capture-pane", "-p", "-t", "r")
        grid = "\n".join(l.split("┐┌")[0].split("││")[0] for l in screen.splitlines())
        # A thumbnail still loading shows a lone "…"; a cut caption ends in one.
        if "review ·" in screen and not re.search(r"(?<!\S)…", grid):
            return screen
        time.sleep(0.05)
    return tm("capture-pane", "-p", "-t", "r")


pages = 0
while True:
    first = settled().splitlines()[0]
    at, total = first.split(" · ")[2].split("/")
    if at == total:
        break
    tm("send-keys", "-t", "r", "NPage")
    pages += 1
paged = time.time() - started
for _ in range(30):
    tm("send-keys", "-t", "r", "k")
    time.sleep(0.05)
settled()
time.sleep(1)
status = open(f"/proc/{pid}/status").read()
hwm = next(l for l in status.splitlines() if l.startswith("VmHWM")).split(":")[1].strip()
print(f"{total} images, {pages} pages in {paged:.1f} s, peak RSS (VmHWM) {hwm}")
tm("send-keys", "-t", "r", "q")
time.sleep(0.5)
tm("kill-server")
