from __future__ import annotations

from collections.abc import Iterator

import pytest

from devkit.fakegoogle import FakeGoogle
from devkit.file_service import FileServer
from devkit.plugin_process import PluginProcess


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeGoogle]:
    with FakeGoogle(seed=3) as server:
        yield server


@pytest.fixture(scope="module")
def plugin(fake: FakeGoogle) -> Iterator[PluginProcess]:
    # The stand-in for Dify's file service runs on loopback: allowed only when configured.
    env = {**fake.env(), "GMAIL_TIME_BUDGET_SECONDS": "20", "GMAIL_DIFY_FILE_HOSTS": "127.0.0.1"}
    proc = PluginProcess(env=env)
    yield proc
    proc.close()


@pytest.fixture(scope="module")
def file_server() -> Iterator[FileServer]:
    server = FileServer()
    yield server
    server.close()
