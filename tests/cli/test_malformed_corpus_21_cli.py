"""Malformed model files, paths and options, round 21: each case one command a user types, in-process.

The bar for every case: exit code 2, one message naming the file (or the option) and what to do, no
traceback, and nothing written where the command writes (its --out, its --models-dir). Cases already met stay
as regression tests; those that were not say "was: ..." with what they said before.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class Case:
    """``args(ctx)``: the command (``ctx`` holds ``model``, ``data``, ``tmp`` and ``out``); ``said``: a regex of its
    one message, with ``{tmp}`` for the scratch folder."""

    args: Callable[[dict], list[str]]
    said: str


def copy_model(model: Path, into: Path, name: str | None = None) -> Path:
    """The session's model file and its card, copied into ``into`` (under ``name``)."""
    target = into / (name or model.name)
    shutil.copy(model, target)
    shutil.copy(model.with_suffix(".json"), target.with_suffix(".json"))
    return target


def truncated(ctx: dict) -> Path:
    target = copy_model(ctx["model"], ctx["tmp"])
    target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    return target


def write(name: str, content: bytes | str | Callable[[dict], bytes | str]) -> Callable[[dict], Path]:
    def make(ctx: dict) -> Path:
        body = content(ctx) if callable(content) else content
        path = ctx["tmp"] / name
        path.write_bytes(body if isinstance(body, bytes) else body.encode())
        return path
    return make


def zip_of_junk(ctx: dict) -> Path:
    path = ctx["tmp"] / "x.skops"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("schema.json", "{}")
    return path


def with_card(card: str | None) -> Callable[[dict], Path]:
    """A copy of the model whose card holds ``card`` (None: the card replaced by a folder)."""
    def made(ctx: dict) -> Path:
        path = copy_model(ctx["model"], ctx["tmp"])
        path.with_suffix(".json").unlink()
        if card is None:
            path.with_suffix(".json").mkdir()
        else:
            path.with_suffix(".json").write_text(card)
        return path
    return made


def skops_named_pt(ctx: dict) -> Path:
    return copy_model(ctx["model"], ctx["tmp"], "x.pt")


def link_to_itself(ctx: dict) -> Path:
    path = ctx["tmp"] / "x.skops"
    path.symlink_to(path)
    return path


def fifo(ctx: dict) -> Path:
    path = ctx["tmp"] / "x.skops"
    os.mkfifo(path)
    return path


def looping(ctx: dict) -> Path:
    (ctx["tmp"] / "loop").symlink_to("loop")
    return ctx["tmp"] / "loop"


def dangling(ctx: dict) -> Path:
    (ctx["tmp"] / "gone").symlink_to(ctx["tmp"] / "nowhere")
    return ctx["tmp"] / "gone"


def predict_with(model: Callable[[dict], Path]) -> Callable[[dict], list[str]]:
    return lambda ctx: ["predict", "--model", str(model(ctx)), "--data", str(ctx["data"]),
                        "--out", str(ctx["out"] / "p.csv")]


def predict_input(rows: Callable[[dict], Path], *extra: str) -> Callable[[dict], list[str]]:
    return lambda ctx: ["predict", "--model", str(ctx["model"]), "--data", str(ctx["data"]), "--input",
                        str(rows(ctx)), "--out", str(ctx["out"] / "p.csv"), *extra]


def lines_of_test(ctx: dict) -> list[str]:
    return (ctx["data"] / "test.csv").read_text().splitlines()


def edited_test(change: Callable[[list[str]], list[str]]) -> Callable[[dict], str]:
    """test.csv's header and rows, edited as lists of cells by ``change``."""
    def text(ctx: dict) -> str:
        lines = lines_of_test(ctx)
        rows = change([line.split(",") for line in lines[1:]])
        return "\n".join([lines[0], *(",".join(r) for r in rows)]) + "\n"
    return text


def cell(row: int, column: int, value: str) -> Callable[[list[list[str]]], list[list[str]]]:
    def change(rows: list[list[str]]) -> list[list[str]]:
        rows[row][column] = value
        return rows
    return change


_MISMATCH = (r"error: model file {tmp}/\S+\.skops does not match its card \(sha256 \w+\.\.\. != \w+\.\.\.\): the file "
             r"was modified or truncated; retrain or restore it\.$")
_NO_CARD = r"error: model card {tmp}/x\.json not found: a model file is loaded only with its card\.$"

CASES: dict[str, Case] = {
    # ---- a model file whose bytes are not its card's (was: "model file X cannot be read (model file X does not
    # match its card (...)): give this user read access to it (and its card), or run as its owner": the path twice
    # and a remedy for permissions, for a file that reads fine)
    "predict: a truncated model": Case(predict_with(truncated), _MISMATCH),
    "plan: a truncated model": Case(lambda ctx: ["plan", "--model", str(truncated(ctx)), "--data", str(ctx["data"]),
                                                 "--store", "1", "--start", "2015-01-05"], _MISMATCH),
    "plan rank: a truncated model": Case(lambda ctx: ["plan", "--model", str(truncated(ctx)), "--data",
                                                      str(ctx["data"]), "--start", "2015-01-05", "rank", "--out",
                                                      str(ctx["out"] / "r.csv")], _MISMATCH),
    "models upgrade: a truncated model": Case(
        lambda ctx: ["models", "upgrade", "--model", str(truncated(ctx)), "--out", str(ctx["out"])],
        _MISMATCH.replace("$", "") + "?$"),
    # ---- a card that is a folder (was: "model card X.json not found", for a name `ls` shows)
    "predict: a card that is a folder": Case(
        predict_with(with_card(None)),
        r"error: model card {tmp}/\S+\.json is a directory: expected the JSON card saved beside the model file; "
        r"restore it or retrain\.$"),
    # ---- other files given as the model (already met)
    "a CSV file named .skops": Case(predict_with(write("x.skops", lambda ctx: (ctx["data"] / "train.csv").read_text())),
                                    _NO_CARD),
    "a model file of zero bytes": Case(predict_with(write("x.skops", b"")), _NO_CARD),
    "a zip archive of junk named .skops": Case(predict_with(zip_of_junk), _NO_CARD),
    "random bytes named .pt": Case(predict_with(write("x.pt", os.urandom(64))), _NO_CARD),
    "the card given as the model": Case(
        predict_with(lambda ctx: copy_model(ctx["model"], ctx["tmp"]).with_suffix(".json")),
        r"error: unknown model file {tmp}/\S+\.json: expected a \.skops \(trees\) or \.pt \(LSTM\) file\. \S+\.json is "
        r"the card of {tmp}/\S+\.skops: give the model file itself\.$"),
    "a pickle": Case(predict_with(lambda ctx: copy_model(ctx["model"], ctx["tmp"], "x.pkl")),
                     r"error: unknown model file {tmp}/x\.pkl: expected a \.skops \(trees\) or \.pt \(LSTM\) file\.$"),
    "a gzip-compressed model": Case(
        predict_with(write("x.skops.gz", lambda ctx: gzip.compress(ctx["model"].read_bytes()))),
        r"error: unknown model file {tmp}/x\.skops\.gz: expected a \.skops \(trees\) or \.pt \(LSTM\) file\.$"),
    "a tree model named .pt": Case(predict_with(skops_named_pt),
                                   r"error: model card {tmp}/x\.json says kind 'lgbm', but a \.pt file holds an lstm "
                                   r"model; restore the card or retrain\.$"),
    "a card that is not JSON": Case(predict_with(with_card("{not json")),
                                    r"error: model card {tmp}/\S+\.json: not valid JSON \(.*\); restore the card or "
                                    r"retrain\.$"),
    "a card of zero bytes": Case(predict_with(with_card("")), r"not valid JSON \(Expecting value"),
    "a card that is a JSON array": Case(predict_with(with_card("[]")),
                                        r"error: model card {tmp}/\S+\.json: expected a JSON object, got a list; "
                                        r"restore the card or retrain\.$"),
    "a model link to itself": Case(predict_with(link_to_itself),
                                   r"error: model file {tmp}/x\.skops is a symbolic link that loops"),
    "a named pipe as the model": Case(predict_with(fifo), r"error: model file {tmp}/x\.skops is not a regular file"),
    "a folder as the model": Case(predict_with(lambda ctx: ctx["tmp"]),
                                  r"error: model file {tmp} is a directory: expected a \.skops or \.pt model file"),
    # ---- where predict writes
    "--out in /proc": Case(lambda ctx: ["predict", "--model", str(ctx["model"]), "--data", str(ctx["data"]), "--out",
                                        "/proc/storecast-none/p.csv"], r"error: --out: cannot write in /proc"),
    "--out under a file": Case(
        lambda ctx: ["predict", "--model", str(ctx["model"]), "--data", str(ctx["data"]), "--out",
                     str(write("plain", "x")(ctx) / "p.csv")], r"error: --out: {tmp}/plain/p\.csv cannot be created: "
                                                               r"{tmp}/plain is a file, not a directory$"),
    "--out a folder": Case(lambda ctx: ["predict", "--model", str(ctx["model"]), "--data", str(ctx["data"]), "--out",
                                        str(ctx["tmp"])], r"error: --out: {tmp} is a directory: give the path of the "
                                                          r"file to write"),
    "--out the model file": Case(
        lambda ctx: ["predict", "--model", str(copy_model(ctx["model"], ctx["tmp"])), "--data", str(ctx["data"]),
                     "--out", str(ctx["tmp"] / ctx["model"].name)],
        r"an input file \(data, model or card\): writing there would overwrite it; choose another file$"),
    "--out the --input file": Case(
        lambda ctx: ["predict", "--model", str(ctx["model"]), "--data", str(ctx["data"]), "--input",
                     str(write("rows.csv", lambda c: (c["data"] / "test.csv").read_text())(ctx)), "--out",
                     str(ctx["tmp"] / "rows.csv")], r"error: --out: {tmp}/rows\.csv is {tmp}/rows\.csv, an input file"),
    # a folder of --out a link that loops or leads nowhere (was: a traceback, "OSError: [Errno 40] Too many levels of
    # symbolic links", for predict; "is a file, not a directory" for the folders of the others)
    "predict --out through a link that loops": Case(
        lambda ctx: ["predict", "--model", str(ctx["model"]), "--data", str(ctx["data"]), "--out",
                     str(looping(ctx) / "p.csv")],
        r"error: --out: {tmp}/loop/p\.csv cannot be created: {tmp}/loop is a symbolic link that loops \(it leads back "
        r"to itself\): remove it, or give another path$"),
    "plan rank --out through a link that loops": Case(
        lambda ctx: ["plan", "--model", str(ctx["model"]), "--data", str(ctx["data"]), "--start", "2015-01-05",
                     "rank", "--out", str(looping(ctx) / "r.csv")], r"{tmp}/loop is a symbolic link that loops"),
    "eda --out under a link that loops": Case(
        lambda ctx: ["eda", "--data", str(ctx["data"]), "--out", str(looping(ctx) / "report")],
        r"error: --out: {tmp}/loop/report cannot be created: {tmp}/loop is a symbolic link that loops"),
    "train --models-dir under a link to nothing": Case(
        lambda ctx: ["train", "--data", str(ctx["data"]), "--seeds", "1", "--models-dir", str(dangling(ctx) / "m")],
        r"error: --models-dir: {tmp}/gone/m cannot be created: {tmp}/gone is a symbolic link to {tmp}/nowhere, which "
        r"is not there: fix the link, or give another path$"),
    # --data a link that loops or leads nowhere (was: "data directory not found", for a name `ls` shows)
    "validate --data a link that loops": Case(
        lambda ctx: ["validate", "--data", str(looping(ctx))],
        r"error: {tmp}/loop: is a broken symbolic link \(to loop, which is missing or a loop\): fix the link, or pass "
        r"--data DIR with train\.csv and store\.csv, and test\.csv, the rows to forecast$"),
    "eda --data a link to nothing": Case(
        lambda ctx: ["eda", "--data", str(dangling(ctx)), "--out", str(ctx["out"])],
        r"error: {tmp}/gone: is a broken symbolic link \(to {tmp}/nowhere, which is missing or a loop\)"),
    # ---- rows to forecast
    "--input of zero bytes": Case(predict_input(write("rows.csv", "")),
                                  r"error: {tmp}/rows\.csv, line 1: file is empty"),
    "--input of a header only": Case(predict_input(write("rows.csv", lambda ctx: lines_of_test(ctx)[0] + "\n")),
                                     r"error: {tmp}/rows\.csv, line 2: no data rows"),
    "--input with a store the model does not know": Case(
        predict_input(write("rows.csv", edited_test(lambda rows: cell(0, 1, "999")(rows)[:1]))),
        r"error: {tmp}/rows\.csv, line 2, column `Store`: expected a store the model knows, got 999"),
    "--input a folder": Case(predict_input(lambda ctx: ctx["tmp"]),
                             r"error: --input: {tmp} is a directory: give the CSV or parquet file"),
    "--input gzip bytes named .csv": Case(
        predict_input(write("rows.csv", lambda ctx: gzip.compress((ctx["data"] / "test.csv").read_bytes()))),
        r"error: {tmp}/rows\.csv, line 1: gzip-compressed data: unpack it first"),
    "--input JSON": Case(predict_input(write("rows.json", '[{"Store": 1}]')),
                         r"error: {tmp}/rows\.json, line 1: JSON, expected comma-separated text"),
    "--input junk named .parquet": Case(predict_input(write("rows.parquet", b"PAR1junkjunk")),
                                        r"error: {tmp}/rows\.parquet: cannot be read as parquet"),
    "--input store.csv": Case(predict_input(lambda ctx: ctx["data"] / "store.csv"),
                              r"store\.csv, line 1, column `Id`: column is missing"),
    "--input dated 1999": Case(predict_input(write("rows.csv", edited_test(cell(0, 3, "1999-01-14")))),
                               r"error: {tmp}/rows\.csv, line 2, column `Date`: expected a date "
                               r"2000-01-01\.\.2099-12-31"),
    "--input with a store and day twice": Case(
        predict_input(write("rows.csv", edited_test(lambda rows: [rows[0], [str(10**6), *rows[0][1:]]]))),
        r"error: {tmp}/rows\.csv, line 3, column `Store/Date`: expected each \(Store, Date\) once"),
    "--input with a bad value in its last chunk": Case(
        predict_input(write("rows.csv", edited_test(cell(-1, 4, "7"))), "--chunk-rows", "50"),
        r"error: {tmp}/rows\.csv, line \d+, column `Open`: expected 0 or 1, got '7'"),
    "--input with a line break in its last value": Case(
        predict_input(write("rows.csv", lambda ctx: "\n".join(lines_of_test(ctx))[:-1] + '\n"\n'),
                      "--chunk-rows", "50"),
        r"error: {tmp}/rows\.csv, line \d+: expected one line per row, got a quoted value that runs on"),
    # ---- training and the other writers
    "train --until before the data": Case(
        lambda ctx: ["train", "--data", str(ctx["data"]), "--until", "2010-01-01", "--seeds", "1", "--models-dir",
                     str(ctx["out"])], r"error: --until 2010-01-01 leaves too little history"),
    "train --models-dir a file": Case(
        lambda ctx: ["train", "--data", str(ctx["data"]), "--seeds", "1", "--models-dir",
                     str(write("plain", "x")(ctx))], r"error: --models-dir: {tmp}/plain is a file, not a directory"),
    "eda --out a file": Case(lambda ctx: ["eda", "--data", str(ctx["data"]), "--out", str(write("plain", "x")(ctx))],
                             r"error: --out: {tmp}/plain is a file, not a directory"),
    "evaluate --out a file": Case(
        lambda ctx: ["evaluate", "--data", str(ctx["data"]), "--folds", "1", "--out", str(write("plain", "x")(ctx))],
        r"error: --out: {tmp}/plain is a file, not a directory"),
    "plan rank --out a folder": Case(
        lambda ctx: ["plan", "--model", str(ctx["model"]), "--data", str(ctx["data"]), "--start", "2015-01-05",
                     "rank", "--out", str(ctx["tmp"])], r"error: --out: {tmp} is a directory"),
    "plan --store not in store.csv": Case(
        lambda ctx: ["plan", "--model", str(ctx["model"]), "--data", str(ctx["data"]), "--store", "999", "--start",
                     "2015-01-05"], r"error: `--store` 999 is not in \S+store\.csv: pick a store it lists\.$"),
    "plan --promo-days listed twice": Case(
        lambda ctx: ["plan", "--model", str(ctx["model"]), "--data", str(ctx["data"]), "--store", "1", "--start",
                     "2015-01-05", "--promo-days", "2015-01-06,2015-01-06"],
        r"error: `--promo-days`: 2015-01-06 is listed twice$"),
    "plan --promo-days outside the period": Case(
        lambda ctx: ["plan", "--model", str(ctx["model"]), "--data", str(ctx["data"]), "--store", "1", "--start",
                     "2015-01-05", "--days", "7", "--promo-days", "2015-03-01"],
        r"error: `--promo-days`: 2015-03-01 is outside the planning window 2015-01-05\.\.2015-01-11"),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_a_malformed_input_is_one_clear_error_and_nothing_written(run_main, model_path, synthetic_dir, tmp_path,
                                                                   case):
    ctx = {"model": model_path, "data": synthetic_dir, "tmp": tmp_path / "scratch", "out": tmp_path / "out"}
    ctx["tmp"].mkdir()
    code, out, err = run_main(*CASES[case].args(ctx))
    said = " ".join(err.split())
    assert code == 2, said
    assert "Traceback" not in out + err
    assert said.count("error:") == 1, said
    pattern = CASES[case].said.replace("{tmp}", re.escape(str(ctx["tmp"])))
    assert re.search(pattern, said), said
    assert "give this user read access" not in said  # the remedy of a file that cannot be read, only there
    assert not ctx["out"].exists() or not any(ctx["out"].iterdir())


USAGE: dict[str, tuple[list[str], str]] = {
    "train --until in 1999": (["train", "--until", "1999-12-31"], r"`--until` must be a date 2000-01-01\.\.2099-12-31"),
    "train --until with slashes": (["train", "--until", "2014/06/01"], r"`--until` must look like YYYY-MM-DD"),
    "train --until month 13": (["train", "--until", "2014-13-01"], r"`--until` must be a calendar date"),
    "train --until with a time": (["train", "--until", "2014-06-01T00:00"], r"`--until` must look like YYYY-MM-DD"),
    "lstm train --until in 1999": (["lstm", "train", "--until", "1999-01-01"], r"`--until` must be a date"),
    "plan --promo-days reversed": (["plan", "--store", "1", "--start", "2015-01-05", "--promo-days",
                                    "2015-01-09..2015-01-06", "--model", "m.skops"],
                                   r"`--promo-days` range '2015-01-09\.\.2015-01-06' ends before it starts"),
    "plan --closed-days in words": (["plan", "--store", "1", "--start", "2015-01-05", "--closed-days", "sundays",
                                     "--model", "m.skops"], r"`--closed-days` must look like YYYY-MM-DD"),
}


@pytest.mark.parametrize("case", list(USAGE), ids=list(USAGE))
def test_a_malformed_option_is_a_usage_error(run_main, tmp_path, case):
    args, said = USAGE[case]
    code, out, err = run_main(*args, "--data", str(tmp_path))
    text = " ".join(err.replace("│", " ").split())
    assert code == 2 and "Traceback" not in out + err
    assert "Invalid value" in text and re.search(said, text), text
    assert list(tmp_path.iterdir()) == []


def test_serve_refuses_a_truncated_model_in_one_line(model_path, tmp_path):
    """Was: "cannot be read (... does not match its card ...): give this user read access"; the real entry point,
    in a subprocess (a server that started would not return)."""
    target = copy_model(model_path, tmp_path)
    target.write_bytes(target.read_bytes()[:1000])
    done = subprocess.run([sys.executable, "-m", "storecast", "serve", "--model", str(target), "--port", "0"],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "300", "STORECAST_COMPILE": "0"})
    said = " ".join(done.stderr.split())
    assert done.returncode == 2 and "Traceback" not in said
    assert re.fullmatch(_MISMATCH.replace("{tmp}", re.escape(str(tmp_path))).replace("error: ", "error: ", 1),
                        said[said.index("error:"):]), said



LONG = "n" * 300  # past the 255 bytes a file name may have on Linux's and macOS's file systems
LONG_NAME = {  # was: a traceback ending in "OSError: [Errno 36] File name too long", exit code 1, for each
    "validate --data": ["validate", "--data", "{tmp}/" + LONG],
    "eda --out": ["eda", "--data", "{data}", "--out", "{tmp}/" + LONG],
    "clean --out": ["clean", "--data", "{data}", "--out", "{tmp}/" + LONG],
    "train --models-dir": ["train", "--data", "{data}", "--seeds", "1", "--models-dir", "{tmp}/" + LONG],
    "evaluate --out": ["evaluate", "--data", "{data}", "--folds", "1", "--out", "{tmp}/" + LONG],
    "predict --model": ["predict", "--model", "{tmp}/" + LONG + ".skops", "--data", "{data}", "--out", "{tmp}/p.csv"],
    "predict --input": ["predict", "--model", "{model}", "--data", "{data}", "--input", "{tmp}/" + LONG + ".csv",
                        "--out", "{tmp}/p.csv"],
    "predict --out": ["predict", "--model", "{model}", "--data", "{data}", "--out", "{tmp}/" + LONG + ".csv"],
    "plan --data": ["plan", "--model", "{model}", "--data", "{tmp}/" + LONG, "--store", "1", "--start", "2015-01-05"],
    "plan rank --out": ["plan", "--model", "{model}", "--data", "{data}", "--start", "2015-01-05", "rank", "--out",
                        "{tmp}/" + LONG + ".csv"],
    "models list --models-dir": ["models", "list", "--models-dir", "{tmp}/" + LONG],
    "models upgrade --out": ["models", "upgrade", "--model", "{model}", "--out", "{tmp}/" + LONG],
    "synth --out": ["synth", "--stores", "2", "--out", "{tmp}/" + LONG],
    "a path of 5,000 bytes": ["validate", "--data", "{tmp}/" + "/".join(["d" * 200] * 25)],
}


@pytest.mark.parametrize("case", list(LONG_NAME), ids=list(LONG_NAME))
def test_a_name_too_long_for_the_file_system_is_one_line(run_main, model_path, synthetic_dir, tmp_path, case):
    args = [a.format(tmp=tmp_path, data=synthetic_dir, model=model_path) for a in LONG_NAME[case]]
    code, out, err = run_main(*args)
    said = " ".join(err.split())
    assert code == 2, said
    assert "Traceback" not in out + err and said.count("error:") == 1
    if "5,000" in case:
        assert re.search(r"error: \S+…: the path is 5,\d{3} bytes long, more than a path may be \(4,096 bytes on "
                         r"Linux\): choose a shorter path$", said), said
    else:
        assert re.search(rf"error: {re.escape(str(tmp_path))}/n{{40}}…(\.\w+|/store\.csv)?: the name n{{40}}… is "
                         r"30\d bytes long, more than a file name may be \(255 bytes on most file systems\): choose a "
                         r"shorter name$", said), said
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def lstm_path(dataset, tmp_path_factory) -> Path:
    """A tiny LSTM model file (one network, one epoch) and its card."""
    pytest.importorskip("torch")
    from storecast.artifacts.lstm import save_lstm
    from storecast.models.lstm.forecaster import LSTMConfig, LSTMForecaster

    tiny = LSTMConfig(lookback=28, horizon=14, hidden=8, emb=2, epochs=1, origins_per_store=2, batch_size=64,
                      networks=1)
    model = LSTMForecaster(tiny).fit(dataset.train, "2014-11-19")
    return save_lstm(model, tmp_path_factory.mktemp("lstm"), {"training": {"start": "2013-01-01", "end": "2014-11-19"}})


@pytest.mark.torch
@pytest.mark.parametrize("args", [["--store", "1", "--start", "2014-11-20"],
                                  ["--start", "2014-11-20", "rank", "--out", "{out}/r.csv"]], ids=["plan", "plan rank"])
def test_plan_given_an_lstm_says_so_in_its_own_words(run_main, lstm_path, synthetic_dir, tmp_path, args):
    """Was "... from recent history the API does not take; serve a tree model": the words of `storecast serve`,
    from the loader plan shares with it."""
    out = tmp_path / "out"
    code, _, err = run_main("plan", "--model", str(lstm_path), "--data", str(synthetic_dir),
                            *(a.format(out=out) for a in args))
    said = " ".join(err.split())
    assert code == 2 and "Traceback" not in said and said.count("error:") == 1
    path = re.escape(str(lstm_path))
    assert re.search(rf"error: model file {path} is an LSTM: it forecasts only the days after its cut, from recent "
                     r"history that serve and plan do not take; give them a tree model \(`storecast train`\), or "
                     rf"forecast with `storecast predict --model {path}`\.$", said), said
    assert not out.exists()


def test_models_list_names_a_folder_or_a_dead_link_under_a_models_name(run_main, model_path, tmp_path):
    """Was: both left out without a word, though `ls` shows them beside the models."""
    models = tmp_path / "models"
    models.mkdir()
    copy_model(model_path, models)
    (models / "storecast-lgbm-2016-01-01T00-00-00Z.skops").mkdir()
    (models / "storecast-rf-2017-01-01T00-00-00Z.skops").symlink_to(tmp_path / "deleted.skops")
    code, out, err = run_main("models", "list", "--models-dir", str(models))
    said = " ".join((out + err).split())
    assert code in (0, None) and "Traceback" not in said
    assert model_path.name in said
    for name in ("storecast-lgbm-2016-01-01T00-00-00Z.skops", "storecast-rf-2017-01-01T00-00-00Z.skops"):
        assert f"skipped: {name} (not a regular file (a directory, or a link to a file that is not there))" in said
