"""The service under test: a real uvicorn server on 127.0.0.1 over the
bundled lists, with one API key per role."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass

import httpx
import pytest
import uvicorn


@dataclass
class LiveServer:
    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def start_server(app) -> LiveServer:
    """Serve ``app`` on a free port of 127.0.0.1 in a thread; wait until up."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    return LiveServer(f"http://127.0.0.1:{port}", server, thread)


@pytest.fixture(scope="session")
def service_state(bundled_settings, bundled_store, screener):
    """One loaded service state over the bundled lists (the index comes
    from the cache file the ``screener`` fixture wrote)."""
    from chokepoint.service.state import ServiceState

    state = ServiceState(bundled_settings.model_copy(update={"auth_fail_limit": 10_000}), bundled_store)
    state.start(background=False)
    assert state.loaded is not None, state.load_error
    yield state
    state.stop()


@pytest.fixture(scope="session")
def api_keys(service_state) -> dict[str, str]:
    """role → key secret."""
    return {role: service_state.keys.create(role, f"test-{role}")[1] for role in ("viewer", "analyst", "admin")}


@pytest.fixture(scope="session")
def live(service_state):
    from chokepoint.service.app import create_app

    server = start_server(create_app(service_state.settings, state=service_state))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def base_url(live) -> str:
    return live.url


def client_for(base_url: str, key: str | None, scheme: str = "Bearer") -> httpx.Client:
    headers = {"Authorization": f"{scheme} {key}"} if key else {}
    return httpx.Client(base_url=base_url, headers=headers, timeout=60)


@pytest.fixture
def analyst(base_url, api_keys):
    with client_for(base_url, api_keys["analyst"]) as client:
        yield client


@pytest.fixture
def viewer(base_url, api_keys):
    with client_for(base_url, api_keys["viewer"]) as client:
        yield client


@pytest.fixture
def admin(base_url, api_keys):
    with client_for(base_url, api_keys["admin"]) as client:
        yield client


@pytest.fixture
def anonymous(base_url):
    with client_for(base_url, None) as client:
        yield client
