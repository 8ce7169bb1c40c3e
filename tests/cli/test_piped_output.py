"""What the CLI prints when stderr is no terminal (piped, redirected, captured as here): plain lines only.

Was: rich drew each live display once when it stopped, so `storecast train ... 2>&1 | cat` ended its steps
with a stray spinner line ("⠸ train rf: done 0:00:05"), `predict` in chunks with a bar of box characters, and
`eda` began with an empty line.
"""

from __future__ import annotations

import re

_SPINNER = re.compile("[\u2800-\u28ff]")  # the braille dots rich's spinner is drawn with
_BAR = "\u2501"  # ━, a bar's filled part


def test_progress_steps_are_plain_lines_with_their_times(capsys):
    from storecast.cli._model_options import progress_steps

    long = "read rows (loading storecast-lgbm-2026-12-06T21-29-45Z.skops meanwhile) " * 2
    with progress_steps("train rf") as say:
        say("load data")
        say(long)
    lines = capsys.readouterr().err.splitlines()
    # one line per step, whole (not padded to the width nor wrapped), then the spinner's last state as a line
    assert [re.sub(r"^\d\d:\d\d:\d\d +\d+\.\ds ", "", line, count=1) for line in lines] == [
        "load data", long, "train rf: done"]


def test_a_count_within_a_step_is_a_line_when_piped_and_only_the_spinners_text_on_a_terminal(capsys, monkeypatch):
    """``predict --engine dask`` counts its parts: a line each in a log, no line per part above a spinner."""
    import storecast.cli._progress as p
    from storecast.cli._model_options import progress_steps

    def run() -> list[str]:
        with progress_steps("predict on dask") as say:
            say("forecast 2 part(s) on 2 worker(s)")
            say("part 1/2 done: part-00000.parquet", count=True)
            say("part 2/2 done: part-00001.parquet", count=True)
        return [re.sub(r"^\d\d:\d\d:\d\d +\d+\.\ds ", "", line, count=1)
                for line in capsys.readouterr().err.splitlines()]

    assert run() == ["forecast 2 part(s) on 2 worker(s)", "part 1/2 done: part-00000.parquet",
                     "part 2/2 done: part-00001.parquet", "predict on dask: done"]
    monkeypatch.setattr(p, "live_display", lambda: True)
    drawn = "\n".join(run())
    assert "forecast 2 part(s) on 2 worker(s)" in drawn and "part 1/2" not in drawn and "part 2/2" not in drawn


def test_a_long_step_says_it_is_still_running_when_piped(capsys, monkeypatch):
    """Piped, a step of minutes (a full-data fit) printed nothing until it ended: a log that read like a hang."""
    import time

    import storecast.cli._model_options as options

    monkeypatch.setattr(options, "HEARTBEAT_S", 0.05)
    with options.progress_steps("train lgbm") as say:
        say("fit calibration-stage model")
        time.sleep(0.3)
    lines = [re.sub(r"^\d\d:\d\d:\d\d +\d+\.\ds ", "", line, count=1)
             for line in capsys.readouterr().err.splitlines()]
    assert lines[0] == "fit calibration-stage model" and lines[-1] == "train lgbm: done"
    assert set(lines[1:-1]) == {"fit calibration-stage model: still running"} and len(lines) >= 4, lines


def test_the_heartbeat_stops_quietly_when_its_output_is_closed(monkeypatch):
    """Piped into `head`, a heartbeat line met a closed stderr: "Exception in thread storecast-heartbeat" and its
    traceback, beside the main thread's own message about the closed pipe."""
    import threading
    import time

    import storecast.cli._model_options as options

    monkeypatch.setattr(options, "HEARTBEAT_S", 0.02)
    failures: list[BaseException] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: failures.append(args.exc_value))
    beats: list[int] = []

    def closed() -> None:
        beats.append(1)
        raise BrokenPipeError(32, "Broken pipe")

    stop = options._heartbeat(closed)
    time.sleep(0.2)
    stop()
    assert beats == [1] and failures == []


def test_predict_in_chunks_draws_no_bar(run_main, model_path, synthetic_dir, tmp_path):
    code, _, err = run_main("predict", "--model", str(model_path), "--data", str(synthetic_dir),
                            "--chunk-rows", "100", "--out", str(tmp_path / "preds.csv"))
    assert code in (0, None), err
    steps = err.split("wrote ", 1)[0]  # the table after it is drawn with box characters on purpose
    assert "forecast" in steps and not _SPINNER.search(steps) and _BAR not in steps, steps
    assert "\x1b" not in err


def test_eda_begins_with_no_empty_line(run_main, synthetic_dir, tmp_path, monkeypatch):
    import storecast.eda.render as render

    def report(_dataset, out, progress):  # the steps the progress shows, without the ten seconds of charts
        for title in ("cleaning report", "sales", "writing"):
            progress(title)
        out.mkdir(parents=True, exist_ok=True)
        return out / "report.html"

    monkeypatch.setattr(render, "build_report", report)
    code, _, err = run_main("eda", "--data", str(synthetic_dir), "--out", str(tmp_path / "report"))
    assert code in (0, None), err
    assert err.splitlines()[0].startswith(f"report written to {tmp_path / 'report' / 'report.html'} "), err


def test_the_progress_helper_draws_only_on_a_terminal_and_says_steps_as_plain_lines_when_piped(capsys, monkeypatch):
    """One rule for every command's progress (cli/_progress.py): captured here, so piped."""
    from rich.progress import BarColumn, TextColumn

    import storecast.cli._progress as p

    with p.progress(TextColumn("steps"), BarColumn(), transient=True) as bar:
        task = bar.add_task("steps", total=3)
        p.say_step(bar, "read [data]")  # no markup read into it: the brackets stay
        bar.advance(task)
        p.say_step(bar, "fit", since=0.0)
    err = capsys.readouterr().err
    assert bar.disable and not _SPINNER.search(err) and _BAR not in err and "\x1b" not in err
    lines = err.splitlines()
    assert len(lines) == 2 and re.fullmatch(r"\d\d:\d\d:\d\d read \[data\]", lines[0]), lines
    assert re.fullmatch(r"\d\d:\d\d:\d\d +\d+\.\ds fit", lines[1]), lines
    monkeypatch.setattr(p, "live_display", lambda: True)  # a terminal: drawn, unless there is nothing to follow
    assert not p.progress(TextColumn("x"), transient=True).disable
    assert p.progress(TextColumn("x"), transient=True, shown=False).disable
