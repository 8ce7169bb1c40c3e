"""A local worker's crash notes, as the one line quotes them: the crash and where, not every thread's stack."""

from __future__ import annotations

import pytest

pytest.importorskip("distributed")

FAULTHANDLER_DUMP = """\
distributed.worker WARNING: a warning before the crash
Fatal Python error: Segmentation fault

Thread 0x00007f2a1b7fe640 (most recent call first):
  File "/usr/lib/python3.11/threading.py", line 327 in wait
  File "/usr/lib/python3.11/threading.py", line 629 in wait

Current thread 0x00007f2a2a1fc640 (most recent call first):
  File "/venv/lib/python3.11/site-packages/lightgbm/basic.py", line 4145 in update
  File "/venv/lib/python3.11/site-packages/lightgbm/engine.py", line 322 in train
  File "/venv/lib/python3.11/site-packages/lightgbm/sklearn.py", line 1398 in fit

Thread 0x00007f2a3c9b1740 (most recent call first):
  File "/usr/lib/python3.11/selectors.py", line 468 in select

Extension modules: numpy.core._multiarray_umath, lightgbm (total: 2)
"""


def test_a_crash_is_quoted_as_its_fatal_line_and_the_crashed_threads_innermost_frames(tmp_path):
    from storecast.distributed.crash_notes import last_notes

    (tmp_path / "worker-4242.txt").write_text(FAULTHANDLER_DUMP, encoding="utf-8")
    assert last_notes(tmp_path, 4242) == ("Fatal Python error: Segmentation fault", "lightgbm/basic.py:4145 in update",
                                          "lightgbm/engine.py:322 in train")


def test_without_a_crash_the_last_records_are_quoted_and_a_missing_file_is_none(tmp_path):
    from storecast.distributed.crash_notes import last_notes

    records = [f"storecast.data WARNING: record {i}" for i in range(5)] + ["x" * 500]
    (tmp_path / "worker-7.txt").write_text("\n".join(records) + "\n", encoding="utf-8")
    notes = last_notes(tmp_path, 7)
    assert notes[:2] == ("storecast.data WARNING: record 3", "storecast.data WARNING: record 4")
    assert len(notes) == 3 and notes[2].endswith("...") and len(notes[2]) == 160  # one line: a long note is cut
    assert last_notes(tmp_path, 8) == ()


@pytest.mark.parametrize("handler_before", [True, False])
def test_teardown_gives_back_the_fault_handler_that_was_there(tmp_path, handler_before):
    """A worker started with PYTHONFAULTHANDLER=1 reports a fatal signal on its stderr; teardown turned that
    handler off for good (``faulthandler.disable``) and kept its closed file. It now puts back what was there."""
    import faulthandler
    import logging
    import sys

    from storecast.distributed.crash_notes import CrashNotes

    was = faulthandler.is_enabled()
    try:
        if handler_before:
            faulthandler.enable(file=sys.__stderr__)  # as PYTHONFAULTHANDLER=1 sets it
        else:
            faulthandler.disable()
        notes = CrashNotes(tmp_path)
        notes.setup(worker=None)
        notes_handler = notes._handler
        assert faulthandler.is_enabled()  # while the worker runs: its notes get a crash's stack
        notes.teardown(worker=None)
        assert faulthandler.is_enabled() == handler_before
        assert notes._file is None and notes._handler is None  # closed: nothing kept to close again
        assert notes_handler not in logging.getLogger("distributed").handlers
        notes.teardown(worker=None)  # a second teardown is a no-op
        assert faulthandler.is_enabled() == handler_before
    finally:
        if was:
            faulthandler.enable(file=sys.__stderr__)
        else:
            faulthandler.disable()
