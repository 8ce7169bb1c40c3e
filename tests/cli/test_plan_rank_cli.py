"""`storecast plan rank` takes `plan`'s options written before `rank`, and says which ones it has no use for."""

from __future__ import annotations

import pandas as pd
import pytest

START = "2015-08-01"


def test_options_before_rank_are_used(run_main, model_path, synthetic_dir, tmp_path):
    """`plan --model M --data D --start X rank --out O`: was "Missing option '--model'" about a typed option."""
    out = tmp_path / "rank.csv"
    code, _, err = run_main("plan", "--model", str(model_path), "--data", str(synthetic_dir), "--start", START,
                            "--days", "14", "rank", "--out", str(out), "--top", "2")
    assert code in (0, None), err
    assert pd.read_csv(out)["rank"].tolist() == [1, 2]
    assert f"wrote 2 stores to {out}" in " ".join(err.split())


@pytest.mark.parametrize(("before", "after", "said"), [
    (["--store", "1"], [], "--store: a scenario of `storecast plan`, not used by `plan rank`"),
    (["--promo-days", "none"], [], "--promo-days: a scenario of `storecast plan`"),
    (["--start", "2015-08-08"], ["--start", START], "`--start` given twice, '2015-08-08' before `rank`"),
    (["--days", "3"], ["--start", START], "`--days` must be 7..92 for `plan rank`; got 3"),
    ([], [], "missing --start"),
], ids=["store", "promo-days", "start-twice", "days-too-short", "start-missing"])
def test_options_rank_cannot_use_are_refused(run_main, model_path, synthetic_dir, tmp_path, before, after, said):
    out = tmp_path / "rank.csv"
    code, _, err = run_main("plan", *before, "rank", "--model", str(model_path), "--data", str(synthetic_dir),
                            *after, "--out", str(out))
    assert code == 2 and said in " ".join(err.replace("│", " ").split()), err
    assert not out.exists()


def test_a_best_store_with_a_usual_total_of_0_prints_no_nan(run_main, model_path, synthetic_dir, tmp_path,
                                                            monkeypatch):
    """Every store closed all period: each usual total is 0, so the best store's percent gain has no value.

    Was "(+0, +nan%, week of ...)"; the CSV leaves the cell blank and POST /plan/rank answers null.
    """
    import numpy as np

    from storecast.api import planner

    usual = planner.default_plan

    def closed(facts, store, start, n):
        day_plan = usual(facts, store, start, n)
        day_plan.open = np.zeros_like(day_plan.open)
        return day_plan

    monkeypatch.setattr(planner, "default_plan", closed)
    out = tmp_path / "rank.csv"
    code, _, err = run_main("plan", "rank", "--model", str(model_path), "--data", str(synthetic_dir), "--start", START,
                            "--out", str(out))
    said = " ".join(err.split())
    assert code in (0, None), err
    assert "nan" not in said.lower() and ", n/a, week of 2015-08-" in said, said
    assert pd.read_csv(out)["gain_pct"].isna().all()
