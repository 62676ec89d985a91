"""A built knowledge value kept on disk: reused by a new process, rebuilt when a file changes or the pickle is
broken, never fatal when the home cannot be written."""

from __future__ import annotations

import os

from assistant.knowledge import files


def _builder(calls: list[int]):
    def build(paths):
        calls.append(1)
        return {p.name: p.read_text(encoding="utf-8") for p in paths}

    return build


def _fresh_process() -> None:
    files.clear_cache()  # what a new process starts with: nothing in memory


def test_a_new_process_reads_the_built_value_from_disk(tmp_path):
    src, disk = tmp_path / "kb", tmp_path / "home" / "cache"
    src.mkdir()
    (src / "a.yaml").write_text("甲", encoding="utf-8")
    calls: list[int] = []
    first = files.cached("t", src, "*.yaml", _builder(calls), disk=disk)
    _fresh_process()
    second = files.cached("t", src, "*.yaml", _builder(calls), disk=disk)
    assert first == second == {"a.yaml": "甲"}
    assert len(calls) == 1
    assert len(list(disk.glob("t-*.pickle"))) == 1


def test_a_changed_file_rebuilds_and_replaces_the_old_pickle(tmp_path):
    src, disk = tmp_path / "kb", tmp_path / "cache"
    src.mkdir()
    f = src / "a.yaml"
    f.write_text("甲", encoding="utf-8")
    calls: list[int] = []
    files.cached("t", src, "*.yaml", _builder(calls), disk=disk)
    _fresh_process()
    f.write_text("乙乙", encoding="utf-8")
    os.utime(f, ns=(f.stat().st_atime_ns, f.stat().st_mtime_ns + 10**9))
    assert files.cached("t", src, "*.yaml", _builder(calls), disk=disk) == {"a.yaml": "乙乙"}
    assert len(calls) == 2
    assert len(list(disk.glob("t-*.pickle"))) == 1


def test_a_broken_pickle_is_rebuilt(tmp_path):
    src, disk = tmp_path / "kb", tmp_path / "cache"
    src.mkdir()
    (src / "a.yaml").write_text("甲", encoding="utf-8")
    calls: list[int] = []
    files.cached("t", src, "*.yaml", _builder(calls), disk=disk)
    for p in disk.glob("t-*.pickle"):
        p.write_bytes(b"not a pickle")
    _fresh_process()
    assert files.cached("t", src, "*.yaml", _builder(calls), disk=disk) == {"a.yaml": "甲"}
    assert len(calls) == 2


def test_an_unwritable_cache_directory_is_not_fatal(tmp_path):
    src = tmp_path / "kb"
    src.mkdir()
    (src / "a.yaml").write_text("甲", encoding="utf-8")
    blocked = tmp_path / "file"
    blocked.write_text("x", encoding="utf-8")  # a file where the cache directory should be
    calls: list[int] = []
    assert files.cached("t", src, "*.yaml", _builder(calls), disk=blocked / "cache") == {"a.yaml": "甲"}
    assert len(calls) == 1
