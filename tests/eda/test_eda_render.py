"""The EDA report on the synthetic data: one self-contained HTML, numbers.json and a CSV per table."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from storecast.eda.questions import SECTIONS
from storecast.eda.render import build_report, column_kinds, table_rows


@pytest.fixture(scope="module")
def report_dir(dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("eda")
    steps: list[str] = []
    path = build_report(dataset, out, progress=steps.append)
    assert path == out / "report.html"
    assert steps == ["Cleaning report", *[sec.title for sec in SECTIONS], "Writing the report"]
    return out


def test_report_is_one_self_contained_html_with_every_chart(report_dir: Path):
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    numbers = json.loads((report_dir / "numbers.json").read_text())
    charts = sum(q["chart"] for q in numbers["questions"].values())
    images = re.findall(r'<img src="([^"]+)"', html)
    assert charts == len(numbers["questions"]) == 18  # every question of the synthetic data has its chart
    assert len(images) == charts
    assert all(src.startswith("data:image/png;base64,") for src in images)
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing fetched from the network
    assert "<script src" not in html and "<link" not in html
    assert [p.name for p in report_dir.iterdir() if p.suffix == ".html"] == ["report.html"]
    assert not list(report_dir.glob(".*.tmp"))  # atomic writes leave no temp files


def test_findings_link_to_sections_and_numbers_json_holds_them(report_dir: Path):
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    numbers = json.loads((report_dir / "numbers.json").read_text())
    assert len(numbers["findings"]) >= 8
    for f in numbers["findings"]:
        assert f'href="#{f["key"]}"' in html and f'id="{f["key"]}"' in html
        assert re.search(r"\d", f["text"])  # each finding carries its number
    assert numbers["meta"]["stores"] == 12
    assert numbers["questions"]["promo-effect"]["numbers"]["uplift_sales"] > 0


def test_a_csv_per_table(report_dir: Path):
    numbers = json.loads((report_dir / "numbers.json").read_text())
    expected = {f"{k}__{t}.csv" for k, q in numbers["questions"].items() for t in q["tables"]}
    assert {p.name for p in (report_dir / "tables").glob("*.csv")} == expected
    top = pd.read_csv(report_dir / "tables" / "promo-stores__promo_uplift_top.csv")
    # top 10 asked, but the leaders are at most half of the 12 synthetic stores
    assert len(top) == 6 and top["extra_sales_per_promo_day"].is_monotonic_decreasing


def test_table_rows_formats_shares_changes_and_counts():
    frame = pd.DataFrame({"Store": [1001], "share": [0.4567], "uplift": [0.25], "sales": [12345.6], "r": [0.91]})
    header, rows = table_rows(frame)
    assert header == ["Store", "share", "uplift", "sales", "r"]
    assert rows == [["1001", "45.7%", "+25.0%", "12,346", "0.91"]]
    # a share that is neither none nor all never prints as "0.0%" or "100.0%"
    _, rows = table_rows(pd.DataFrame({"share": [11 / 41_088, 0.0, 1.0, 41_087 / 41_088]}))
    assert [r[0] for r in rows] == ["<0.1%", "0.0%", "100.0%", ">99.9%"]


def test_column_kinds_align_numbers_right_and_let_only_sentences_wrap():
    frame = pd.DataFrame({"file": ["store.csv"], "missing": [3], "start": [pd.Timestamp("2014-07-01")],
                          "treatment": ["no known competitor: set to 70289 (2 x q0.99)"]})
    assert column_kinds(frame) == ["text", "num", "text", "long"]


def test_cli_eda_writes_the_report(synthetic_dir: Path, tmp_path: Path):
    from typer.testing import CliRunner

    from storecast.cli import app

    result = CliRunner().invoke(app, ["eda", "--data", str(synthetic_dir), "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r" / "report.html").is_file() and (tmp_path / "r" / "numbers.json").is_file()


def test_a_rewritten_report_keeps_the_mode_its_files_were_given(tmp_path: Path):
    """``storecast eda`` made every report file 0644 again, so a report the user had made private (0640)
    came back readable by everyone; ``atomic_write`` and the model files keep a replaced file's mode."""
    import stat

    from storecast.eda.render import _publish

    out = tmp_path / "report"
    files = {"tables/sales__by_month.csv": b"a\n1\n", "numbers.json": b"{}", "report.html": b"<html></html>"}
    _publish(out, files)
    (out / "report.html").chmod(0o640)
    (out / "tables" / "sales__by_month.csv").chmod(0o600)
    _publish(out, {**files, "tables/new__table.csv": b"b\n2\n", "report.html": b"<html>new</html>"})

    def mode(name: str) -> int:
        return stat.S_IMODE((out / name).stat().st_mode)

    assert (out / "report.html").read_bytes() == b"<html>new</html>"
    assert (mode("report.html"), mode("tables/sales__by_month.csv")) == (0o640, 0o600)
    assert (mode("numbers.json"), mode("tables/new__table.csv")) == (0o644, 0o644)  # new or untouched: 0644


def test_a_chart_alt_text_names_what_each_panel_plots():
    """The alt text repeated the question ("Chart: Is Promo distributed alike in train and test?"), which says
    what was asked, not what the picture shows; a reader without the image now gets each panel's title."""
    from storecast.eda._base import QuestionResult, new_figure
    from storecast.eda.render import ReportSection, render_html

    def draw():
        fig, (a1, a2) = new_figure(2)
        a1.set_title("Promo share per store")
        a2.set_title("Promo share by weekday (open days)")
        return fig

    result = QuestionResult("promo-mix", "Is Promo distributed alike?", "Yes.", {}, draw=draw)
    html = render_html([ReportSection(1, "promotions", "Promotions", [result])],
                       {"data": "x", "generated": "now", "version": "0", "rows": 1, "stores": 1,
                        "first_date": "2014-01-01", "last_date": "2014-01-01"})
    assert 'alt="Chart: Promo share per store; Promo share by weekday (open days)"' in html
