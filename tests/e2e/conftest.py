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
    proc = PluginProcess(env={**fake.env(), "GMAIL_TIME_BUDGET_SECONDS": "20"})
    yield proc
    proc.close()


@pytest.fixture(scope="module")
def file_server() -> Iterator[FileServer]:
    server = FileServer()
    yield server
    server.close()
