"""Atomic writes: the target is either the old file or the complete new one, never half of either."""

from __future__ import annotations

import stat

import pytest

from storecast.atomic import atomic_write, atomic_write_set, atomic_write_text


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



def test_a_set_of_files_is_all_new_or_all_as_before(tmp_path):
    names = ["data.parquet", "report.csv", "report.json"]
    for name in names:
        (tmp_path / name).write_text(f"old {name}")

    def broken(tmp):
        tmp.write_text("half")
        raise OSError("disk full")

    writes = {tmp_path / name: (lambda tmp, name=name: tmp.write_text(f"new {name}")) for name in names[:-1]}
    with pytest.raises(OSError, match="disk full"):
        atomic_write_set({**writes, tmp_path / names[-1]: broken})  # the last write fails
    assert {p.name: p.read_text() for p in tmp_path.iterdir()} == {name: f"old {name}" for name in names}
    assert atomic_write_set({**writes, tmp_path / names[-1]: lambda tmp: tmp.write_text("new")}) == [
        tmp_path / name for name in names]
    assert {p.name: p.read_text() for p in tmp_path.iterdir()} == {
        "data.parquet": "new data.parquet", "report.csv": "new report.csv", "report.json": "new"}

def test_a_replaced_file_keeps_its_mode_and_a_new_one_is_0644(tmp_path):
    private, fresh = tmp_path / "private.csv", tmp_path / "new.csv"
    private.write_text("old")
    private.chmod(0o600)
    atomic_write_text(private, "new")
    atomic_write_text(fresh, "new")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600 and private.read_text() == "new"
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o644


def test_target_problem_says_why_a_path_cannot_take_a_write(tmp_path):
    from storecast.atomic import target_problem

    source = tmp_path / "train.csv"
    source.write_text("x")
    (tmp_path / "link.csv").symlink_to(source)
    assert target_problem(tmp_path / "out.csv", inputs=[source]) is None
    assert target_problem(tmp_path / "new" / "dir" / "out.csv") is None  # made at write time
    assert "an input file (data, model or card)" in target_problem(source, inputs=[source])
    assert "is a symbolic link to a regular file" in target_problem(tmp_path / "link.csv")
    assert "is a directory" in target_problem(tmp_path)
    assert "is a file, not a directory" in target_problem(source / "out.csv")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # the probe is gone


def test_a_figure_is_saved_whole_readable_and_closed(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from storecast.atomic import save_figure

    fig, ax = plt.subplots()
    ax.plot([1, 2, 3])
    path = save_figure(fig, tmp_path / "chart.png", dpi=50)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert oct(path.stat().st_mode & 0o777) == oct(0o644)
    assert not plt.fignum_exists(fig.number)


def test_a_figure_that_fails_to_render_leaves_nothing(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from storecast.atomic import save_figure

    fig, _ = plt.subplots()
    with pytest.raises(ValueError):
        save_figure(fig, tmp_path / "chart.png", dpi=-1)
    assert list(tmp_path.iterdir()) == []


def test_the_new_bytes_reach_the_disk_before_the_rename_and_the_rename_after(tmp_path, monkeypatch):
    """Without the fsync a power loss just after the rename could leave an empty file under the new name."""
    import os

    events = []
    fsync, replace = os.fsync, os.replace

    def record_fsync(fd):
        info = os.fstat(fd)
        events.append(("dir" if stat.S_ISDIR(info.st_mode) else "file", info.st_ino))
        fsync(fd)

    def record_replace(src, dst):
        events.append(("rename", os.stat(src).st_ino))
        replace(src, dst)

    monkeypatch.setattr(os, "fsync", record_fsync)
    monkeypatch.setattr(os, "replace", record_replace)
    target = tmp_path / "forecast.csv"
    atomic_write_text(target, "Id,Sales\n1,5\n")

    written = target.stat().st_ino  # the temp file's inode, renamed into place
    assert events[:2] == [("file", written), ("rename", written)]
    if os.name == "posix":  # then the rename itself (Windows cannot open a directory to sync it)
        assert events[2:] == [("dir", tmp_path.stat().st_ino)]
