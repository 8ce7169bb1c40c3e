"""Atomic writes: the target is either the old file or the complete new one, never half of either."""

from __future__ import annotations

import stat

import pytest

from storecast.atomic import atomic_write, atomic_write_text


def test_a_write_replaces_the_file_and_leaves_it_readable(tmp_path):
    target = tmp_path / "report.json"
    target.write_text("old")
    atomic_write_text(target, "new")
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_a_failing_write_keeps_the_old_file_and_no_temp_file(tmp_path):
    target = tmp_path / "model.skops"
    target.write_text("old")

    def broken(tmp):
        tmp.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, broken)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.skops"]
