"""memory.release: cycles collected at once, free heap pages returned where glibc allows."""

from __future__ import annotations

import gc
import mmap
import platform
import weakref
from pathlib import Path

import pytest

from gmail_core import memory


class _Node:
    def __init__(self) -> None:
        self.payload = bytes(1_000_000)
        self.me = self  # a cycle: reference counting alone never frees it


def test_release_frees_what_only_a_cycle_keeps_alive() -> None:
    gc.disable()  # as if the collector's thresholds had not been reached
    try:
        node = _Node()
        alive = weakref.ref(node)
        del node
        assert alive() is not None
        memory.release()
        assert alive() is None
    finally:
        gc.enable()


def test_glibc_trims_and_other_c_libraries_just_collect() -> None:
    if platform.libc_ver()[0] == "glibc":
        assert memory._malloc_trim is not None
    memory.release()  # never raises, whichever C library


def test_tune_allocator_fixes_glibcs_mmap_threshold_at_one_megabyte(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[int, int]] = []
    monkeypatch.setattr(memory, "_mallopt", lambda option, value: calls.append((option, value)))
    memory.tune_allocator()
    assert calls == [(-3, 1024 * 1024)]  # M_MMAP_THRESHOLD in glibc's <malloc.h>
    monkeypatch.setattr(memory, "_mallopt", None)
    memory.tune_allocator()  # no glibc: nothing to tune, no error


def test_the_plugin_process_tunes_its_allocator_before_it_serves() -> None:
    source = (Path(__file__).resolve().parents[2] / "main.py").read_text()
    assert source.index("memory.tune_allocator()") < source.index("plugin.run()")


def test_startup_objects_are_frozen_out_of_full_collections() -> None:
    loaded = object.__new__(_Node)  # stands for a module-level object of the SDK or a tool
    gc.unfreeze()
    try:
        memory.freeze_startup_objects()
        assert gc.get_freeze_count() > 0
        assert not any(obj is loaded for obj in gc.get_objects())  # not walked any more
    finally:
        gc.unfreeze()


def test_the_plugin_process_freezes_what_it_loaded_before_it_serves() -> None:
    source = (Path(__file__).resolve().parents[2] / "main.py").read_text()
    plugin = source.index("plugin = Plugin(")
    assert plugin < source.index("memory.freeze_startup_objects()") < source.index("plugin.run()")


def test_young_collections_wait_for_more_new_objects() -> None:
    before = gc.get_threshold()
    try:
        memory.tune_collector()
        assert gc.get_threshold() == (memory.YOUNG_COLLECTION_THRESHOLD, *before[1:])
        assert memory.YOUNG_COLLECTION_THRESHOLD > 700  # CPython's default
    finally:
        gc.set_threshold(*before)


def test_the_plugin_process_tunes_its_collector_before_it_serves() -> None:
    source = (Path(__file__).resolve().parents[2] / "main.py").read_text()
    assert source.index("memory.tune_collector()") < source.index("plugin.run()")


def test_a_call_gives_back_free_memory_once_the_process_grew_past_its_floor(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    released: list[bool] = []
    monkeypatch.setattr(memory, "release", lambda: released.append(True))
    monkeypatch.setattr(memory, "_started_with", 80 << 20)
    held = {"now": (80 << 20) + memory.KEEP_ABOVE_START_BYTES}
    monkeypatch.setattr(memory, "resident_bytes", lambda: held["now"])
    memory.release_if_grown()
    assert released == []  # at the limit: kept
    held["now"] += 1
    memory.release_if_grown()
    assert released == [True]
    monkeypatch.setattr(memory, "_started_with", 0)  # never marked (tests, no /proc)
    memory.release_if_grown()
    assert released == [True]


@pytest.mark.skipif(platform.system() != "Linux", reason="/proc/self/statm")
def test_resident_bytes_reads_this_process() -> None:
    # Fresh pages from the kernel: a bytearray may be carved out of free heap memory that
    # earlier tests left resident, and then touching it adds nothing (seen once in CI).
    with mmap.mmap(-1, 64 << 20) as block:
        before = memory.resident_bytes()
        for offset in range(0, len(block), mmap.PAGESIZE):
            block[offset] = 1
        assert memory.resident_bytes() >= before + (60 << 20)


def test_the_plugin_process_marks_its_floor_when_ready_to_serve() -> None:
    source = (Path(__file__).resolve().parents[2] / "main.py").read_text()
    assert (
        source.index("memory.freeze_startup_objects()")
        < source.index("memory.mark_start()")
        < source.index("plugin.run()")
    )
