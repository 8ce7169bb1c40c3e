"""Assemble the exploration report: one self-contained HTML file plus numbers.json and a CSV per table.

The HTML embeds every chart as a base64 PNG and carries no external CSS, fonts or scripts, so it opens
offline and can be mailed as one file. Every file is written through a temp file and renamed, so an
interrupted run never leaves a half-written report behind.
"""

from __future__ import annotations

__all__ = ["ReportSection", "build_report", "column_kinds", "compute_sections", "render_html", "table_rows"]

import base64
import datetime as dt
import json
import logging
import math
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape

from storecast import __version__
from storecast.atomic import ready_to_replace, sync_folder
from storecast.data.contract import Dataset
from storecast.eda._base import QuestionResult, figure_png, pct
from storecast.eda.questions import SECTIONS, run_section

log = logging.getLogger(__name__)

_TEMPLATES = Path(__file__).parent / "templates"
_MAX_SHOWN_ROWS = 12
_LONG_TEXT = 30  # characters: a text column with longer cells may wrap in the HTML table
_PCT_HINTS = ("share", "uplift", "change", "lift", "effect")


@dataclass
class ReportSection:
    """A section's results, ready to render."""

    number: int
    key: str
    title: str
    results: list[QuestionResult]


def _cleaning_report(dataset: Dataset):
    """The cleaning pipeline's report on this data (what the missing-value section quotes), when available."""
    try:
        from storecast.clean.pipeline import clean_dataset
    except ImportError:  # the EDA still works from the data's own rules
        return None
    return clean_dataset(dataset).report


def compute_sections(dataset: Dataset, progress: Callable[[str], None] | None = None) -> list[ReportSection]:
    """Answer every question of every section, calling ``progress(title)`` before each section."""
    step = progress or (lambda _msg: None)
    step("Cleaning report")
    report = _cleaning_report(dataset)
    out = []
    for i, section in enumerate(SECTIONS, start=1):
        step(section.title)
        out.append(ReportSection(i, section.key, section.title, run_section(section, dataset, report)))
    return out


def _fmt(value: Any, column: str) -> str:
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            return ""
        if any(h in column.lower() for h in _PCT_HINTS):
            return f"{value:+.1%}" if "share" not in column.lower() else pct(float(value), signed=False)
        return f"{value:,.2f}" if abs(float(value)) < 100 else f"{value:,.0f}"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return f"{value:,}" if column != "Store" else str(value)
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def table_rows(frame: pd.DataFrame, limit: int = _MAX_SHOWN_ROWS) -> tuple[list[str], list[list[str]]]:
    """Header and formatted cells of ``frame``'s first ``limit`` rows (shares and changes as percentages)."""
    head = frame.head(limit)
    cols = [str(c) for c in head.columns]
    rows = [[_fmt(v, c) for v, c in zip(row, cols, strict=True)] for row in head.itertuples(index=False)]
    return cols, rows


def column_kinds(frame: pd.DataFrame) -> list[str]:
    """How each column of ``frame`` is set in the HTML table: "num" (right-aligned), "text" or "long" text.

    Numbers line up on the right, words read from the left; "long" text (a sentence, as in the cleaning
    treatments) may wrap, everything else stays on one line so a date or a number is never split.
    """
    kinds = []
    for col in frame.columns:
        series = frame[col]
        if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            kinds.append("num")
        else:
            kinds.append("long" if series.astype(str).str.len().max() > _LONG_TEXT else "text")
    return kinds


def _jsonable(obj: Any) -> Any:
    """Plain JSON values: numpy scalars unwrapped, NaN/inf as null (JSON has no NaN)."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, (pd.Timestamp, dt.date)):
        return obj.isoformat()
    return obj


def render_html(sections: list[ReportSection], meta: dict[str, Any]) -> str:
    """The report's HTML: findings first, then each section's questions with chart, answer and table."""
    env = Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    items = []
    for sec in sections:
        questions = []
        for r in sec.results:
            image, alt = None, f"Chart: {r.question}"
            if r.draw is not None:
                fig = r.draw()
                # the alt text says what the picture shows, panel by panel, not the question again
                titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
                alt = f"Chart: {'; '.join(titles)}" if titles else alt
                image = base64.b64encode(figure_png(fig)).decode("ascii")
            table = None
            if r.shown_table:
                shown = r.tables[r.shown_table]
                table = (*table_rows(shown), column_kinds(shown.head(_MAX_SHOWN_ROWS)))
            questions.append({"key": r.key, "question": r.question, "answer": r.answer, "image": image, "alt": alt,
                              "table": table, "table_name": r.shown_table})
        items.append({"number": sec.number, "key": sec.key, "title": sec.title, "questions": questions})
    findings = [{"key": r.key, "text": r.finding, "section": sec.title}
                for sec in sections for r in sec.results if r.finding]
    return env.get_template("report.html.j2").render(sections=items, findings=findings, meta=meta)


def build_report(dataset: Dataset, out_dir: str | Path, progress: Callable[[str], None] | None = None) -> Path:
    """Write ``report.html``, ``numbers.json`` and ``tables/*.csv`` for ``dataset`` into ``out_dir``.

    Returns
    -------
    Path of the HTML file.
    """
    out = Path(out_dir)
    sections = compute_sections(dataset, progress)
    train = dataset.train
    meta = {"data": str(dataset.root), "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "version": __version__, "rows": len(train), "stores": int(train["Store"].nunique()),
            "first_date": f"{train['Date'].min():%Y-%m-%d}", "last_date": f"{train['Date'].max():%Y-%m-%d}"}
    if progress:
        progress("Writing the report")
    html = render_html(sections, meta)
    numbers = {"meta": meta,
               "findings": [{"key": r.key, "text": r.finding} for sec in sections for r in sec.results if r.finding],
               "questions": {r.key: {"section": sec.title, "question": r.question, "answer": r.answer,
                                     "numbers": r.numbers, "tables": sorted(r.tables), "chart": r.draw is not None}
                             for sec in sections for r in sec.results}}
    files = {f"tables/{r.key}__{name}.csv": frame.to_csv(index=False).encode()
             for sec in sections for r in sec.results for name, frame in r.tables.items()}
    files["numbers.json"] = json.dumps(_jsonable(numbers), indent=2).encode()
    files["report.html"] = html.encode("utf-8")  # last: the file a reader opens
    _publish(out, files)
    path = out / "report.html"
    log.info("wrote %s", path)
    return path


def _publish(out: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` (relative paths under ``out``) into a temp directory in ``out``, then rename each into place.

    Why: Ctrl-C while the charts were drawn left an empty ``tables/`` (and ``out`` itself) behind, and one
    while the files were written a report of some new tables beside the old ones. Now nothing is created
    before every byte is ready, the renames are the only step that touches the report, and on any
    interruption the directories this run created are removed again. (An interruption amid the renames
    themselves, microseconds, leaves an earlier report in ``out`` partly replaced.) The stage is each file's
    temp file: an ``atomic_write`` into it would add a second temp file, rename and directory flush per file.
    """
    created = next((p for p in [*reversed(out.parents), out, out / "tables"] if not p.exists()), None)
    stage: Path | None = None
    try:
        out.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(dir=out, prefix=".report-", suffix=".tmp"))
        (stage / "tables").mkdir()
        for name, data in files.items():  # the stage is the temp file's place: written once, renamed once
            _stage_file(stage / name, data, out / name)
        (out / "tables").mkdir(exist_ok=True)
        for name in files:
            os.replace(stage / name, out / name)
        sync_folder(out / "tables")
        sync_folder(out)
    except BaseException:
        if created is not None:
            shutil.rmtree(created, ignore_errors=True)
        raise
    finally:
        if stage is not None:
            shutil.rmtree(stage, ignore_errors=True)


def _stage_file(path: Path, data: bytes, target: Path) -> None:
    """Write one file of the stage with the mode of the ``target`` it replaces (0644 when new), as
    ``atomic_write`` leaves an output, and flush it to the disk before it is renamed into the report."""
    path.write_bytes(data)
    ready_to_replace(path, target)
