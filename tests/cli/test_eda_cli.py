"""`storecast eda`: the report an analyst opens reads as words, not as code."""

from __future__ import annotations

import re


def test_report_table_headers_are_words(run_main, synthetic_dir, tmp_path):
    """Were the CSV column names ("extra_sales_per_promo_day"); the tables/*.csv keep those names."""
    code, _, err = run_main("eda", "--data", str(synthetic_dir), "--out", str(tmp_path))
    assert code in (0, None), err
    headers = re.findall(r"<th[^>]*>([^<]*)</th>", (tmp_path / "report.html").read_text(encoding="utf-8"))
    assert "extra sales per promo day" in headers
    assert [h for h in headers if "_" in h] == []
    assert "extra_sales_per_promo_day" in (tmp_path / "tables" / "promo-stores__promo_uplift_top.csv").read_text()


def test_promo_gain_finding_names_its_unit(run_main, synthetic_dir, tmp_path):
    """Was "the top 10 stores add 2,684 per promo day": 2,684 of what was left to guess."""
    code, _, err = run_main("eda", "--data", str(synthetic_dir), "--out", str(tmp_path))
    assert code in (0, None), err
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert re.search(r"the top \d+ stores add [\d,]+ in sales per promo day vs [\d,]+ for the median store", html)
    assert re.search(r"[\d,]+ extra sales per promo day on average", html)
