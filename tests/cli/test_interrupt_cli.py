"""Ctrl-C in the middle of a command: exit 130 with a line saying so, no traceback."""

from __future__ import annotations


def test_ctrl_c_says_interrupted(run_main, tmp_path, monkeypatch):
    """Was exit 130 and nothing at all on the terminal."""
    import storecast.data.contract as contract

    def press_ctrl_c(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr(contract, "load_dataset", press_ctrl_c)
    code, out, err = run_main("validate", "--data", str(tmp_path))
    assert code == 130 and "Traceback" not in out + err
    assert "interrupted (Ctrl-C): the command stopped before its end" in err
