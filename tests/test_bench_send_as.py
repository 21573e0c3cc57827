"""bench.send_as still runs end to end (tiny sizes; no assertions on timing)."""

from __future__ import annotations

import pytest

from bench import send_as

pytestmark = pytest.mark.e2e


def test_send_as_bench_prints_its_tables(capsys: pytest.CaptureFixture[str]) -> None:
    assert send_as.main(["--rtt-ms", "0", "--runs", "1", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "refused: read-and-draft level |        0" in out  # no request at all
    assert "send_as alias, signed" in out and "10,000-character" in out
