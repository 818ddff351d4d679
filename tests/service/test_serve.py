"""``chokepoint serve`` (what ``make run`` starts): a real process, the
URL and a first key printed, the API answering with that key."""

from __future__ import annotations

import os
import re
import selectors
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

BIN = Path(sys.executable).parent / "chokepoint"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_prints_url_and_bootstrap_key_and_answers(bundled_settings, screener, tmp_path, workers):
    # a copy of the bundled database, so the bootstrap key is this test's own
    home = tmp_path / "home"
    home.mkdir()
    src = Path(bundled_settings.home)
    for item in src.iterdir():
        if item.name.startswith("chokepoint.db"):
            (home / item.name).write_bytes(item.read_bytes())
    (home / "cache").symlink_to(src / "cache")
    # a fresh install: no keys or accounts yet (other tests may have made some)
    with sqlite3.connect(home / "chokepoint.db") as db:
        db.execute("DELETE FROM api_keys")
        db.execute("DELETE FROM users")
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    proc = subprocess.Popen([str(BIN), "--home", str(home), "serve", "--port", str(port), "--workers", str(workers),
                             "--bootstrap-key", "--log-level", "warning"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        lines, key = [], None
        deadline = time.monotonic() + 120
        reader = selectors.DefaultSelector()
        reader.register(proc.stdout, selectors.EVENT_READ)
        while key is None and time.monotonic() < deadline:
            if not reader.select(timeout=1.0):
                continue
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            found = re.search(r"(ck_[0-9a-f]{12}_[A-Za-z0-9_-]+)", line)
            key = found.group(1) if found else None
        output = "".join(lines)
        assert key, output
        assert f"http://127.0.0.1:{port}" in output and "/docs" in output
        url = f"http://127.0.0.1:{port}"
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        headers = {"Authorization": f"Bearer {key}"}
        body = {"queries": {"q": {"schema": "Company", "properties": {"name": ["Rosneft"]}}}}
        for _ in range(2 * workers):  # each worker answers with the same lists
            response = httpx.post(f"{url}/match/default", json=body, headers=headers, timeout=30)
            assert response.status_code == 200, response.text
            assert response.json()["responses"]["q"]["results"]
        assert httpx.post(f"{url}/match/default", json=body, timeout=30).status_code == 401
        assert httpx.get(f"{url}/docs", timeout=5).status_code == 200
    finally:
        proc.terminate()
        proc.wait(30)
