"""long_lived: what lives until exit is hidden from the collector, new garbage is still collected."""

from __future__ import annotations

import gc
import subprocess
import sys
import weakref

import pytest

from storecast.long_lived import freeze_long_lived, no_collections, thaw


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only a collection frees it


def test_objects_alive_at_the_freeze_are_skipped_and_new_cycles_still_collected():
    before = _Node()
    gone_before = weakref.ref(before)
    try:
        assert freeze_long_lived() > 0
        after = _Node()
        gone_after = weakref.ref(after)
        del before, after
        gc.collect()
        assert gone_after() is None  # garbage made after the freeze: collected as usual
        assert gone_before() is not None  # frozen: a collection does not walk it
    finally:
        thaw()
    gc.collect()
    assert gone_before() is None  # thawed: collected again


def test_a_console_process_freezes_after_the_load_and_after_every_other_exit_hook():
    """``skip_final_collection`` runs last among the atexit hooks (registered first): a hook registered before it
    runs after it and already sees everything frozen, so the interpreter's closing collections walk nothing."""
    code = ("import atexit, gc\n"
            "atexit.register(lambda: print('frozen at exit:', gc.get_freeze_count() > 0))\n"
            "from storecast.long_lived import freeze_until_exit, skip_final_collection\n"
            "freeze_until_exit()\n"
            "print('frozen in a process that goes on:', gc.get_freeze_count() > 0)\n"
            "skip_final_collection(); skip_final_collection()\n"
            "print('frozen before exit:', gc.get_freeze_count() > 0)\n"
            "freeze_until_exit()\n"
            "print('frozen in a console process:', gc.get_freeze_count() > 0)\n"
            "gc.unfreeze()\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["frozen in a process that goes on: False", "frozen before exit: False",
                                "frozen in a console process: True", "frozen at exit: True"]


def test_no_collections_inside_the_block_and_the_previous_state_after_it():
    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        with no_collections():
            assert not gc.isenabled()
            raise RuntimeError("a failing load")
    assert gc.isenabled()  # back on, even after an error
    gc.disable()
    try:
        with no_collections():
            pass
        assert not gc.isenabled()  # a caller that turned collections off keeps them off
    finally:
        gc.enable()
