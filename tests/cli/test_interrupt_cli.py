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


# What the console script (bin/storecast) runs, with Ctrl-C pressed while it imports the train command
_SCRIPT_INTERRUPTED_IN_IMPORT = """
import sys

class PressCtrlC:  # a finder asked first for every import: Ctrl-C at this one
    def find_spec(self, name, path=None, target=None):
        if name == "storecast.cli.train":
            raise KeyboardInterrupt
        return None

sys.meta_path.insert(0, PressCtrlC())
sys.argv = ["storecast", "train", "--help"]
from storecast.cli import main
main()
"""


def test_ctrl_c_while_the_cli_still_imports_says_interrupted():
    """Was a Python traceback: the console script imports every command module before ``main`` could catch it."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    import storecast

    env = {**os.environ, "PYTHONPATH": str(Path(storecast.__file__).parents[1])}
    done = subprocess.run([sys.executable, "-c", _SCRIPT_INTERRUPTED_IN_IMPORT], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 130 and "Traceback" not in done.stderr + done.stdout
    assert done.stderr == "interrupted (Ctrl-C): the command stopped before its end\n"


def _press_ctrl_c(*_a, **_k):
    raise KeyboardInterrupt


def test_ctrl_c_while_eda_draws_its_charts_leaves_nothing_behind(run_main, synthetic_dir, tmp_path, monkeypatch):
    """Was an empty report/tables/ (and report/ itself): the directory was made before the first chart."""
    import storecast.eda.render as render

    monkeypatch.setattr(render, "figure_png", _press_ctrl_c)
    code, _, err = run_main("eda", "--data", str(synthetic_dir), "--out", str(tmp_path / "new" / "report"))
    assert code == 130 and "interrupted (Ctrl-C)" in err
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_while_eda_writes_keeps_the_earlier_report(run_main, synthetic_dir, tmp_path, monkeypatch):
    """Was a report of some new tables beside the earlier ones: each file was written in place, one by one."""
    import storecast.eda.render as render

    out = tmp_path / "report"
    (out / "tables").mkdir(parents=True)
    earlier = {"report.html": "earlier", "numbers.json": "{}", "tables/sales__by_month.csv": "a\n1\n"}
    for name, text in earlier.items():
        (out / name).write_text(text)
    written = []

    def write_then_stop(path, *rest):  # Ctrl-C after three files
        if len(written) == 3:
            raise KeyboardInterrupt
        written.append(path)
        return render_write(path, *rest)

    render_write = render._stage_file
    monkeypatch.setattr(render, "_stage_file", write_then_stop)
    code, _, _ = run_main("eda", "--data", str(synthetic_dir), "--out", str(out))
    assert code == 130 and len(written) == 3
    now = {str(p.relative_to(out)): p.read_text() for p in out.rglob("*") if p.is_file()}
    assert now == earlier and sorted(p.name for p in out.iterdir()) == ["numbers.json", "report.html", "tables"]
