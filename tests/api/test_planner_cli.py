"""`storecast plan` (one store's table) and `storecast plan rank` (the CSV), against the tiny session model."""

from __future__ import annotations

import re

import pandas as pd
import pytest

START = "2015-08-01"


@pytest.fixture
def plan(run_main, model_path, synthetic_dir):
    def run(*args: str) -> tuple[int, str]:
        code, out, err = run_main("plan", *args, "--model", str(model_path), "--data", str(synthetic_dir))
        if code == 2 and "error: " in err:
            message = err[err.index("error: "):]
            assert message.strip().count("\n") == 0 and "Traceback" not in err, err
        return code, out + err

    return run


def test_plan_prints_both_plans_day_by_day_with_totals(plan, client):
    code, text = plan("--store", "1", "--start", START, "--days", "14", "--promo-days", "none",
                      "--closed-days", "2015-08-03..2015-08-04")
    assert code in (0, None), text
    assert "store 1: usual plan vs scenario" in text and "Sat 2015-08-01" in text and "Fri 2015-08-14" in text
    assert "closed *" in text and "total" in text
    api = client.post("/plan", json={"store": 1, "start": START, "days": 14, "promo_days": [],
                                     "closed_days": ["2015-08-03", "2015-08-04"]}).json()
    # the footer adds up the days as printed (the page's rule), not the unrounded total rounded on its own
    usual = [round(d["sales"] + 1e-9) for d in api["usual"]["days"]]  # no x.5 here; whole_units' own test has them
    scenario = [round(d["sales"] + 1e-9) for d in api["scenario"]["days"]]
    assert f"{sum(scenario):,}" in text and f"{sum(scenario) - sum(usual):+,}" in text


def test_plan_columns_add_up_to_their_totals(plan):
    # each day rounded on its own and the total rounded on its own: the total was 1 off the column's sum, and
    # a day's diff 1 off its scenario minus usual
    code, text = plan("--store", "2", "--start", START, "--days", "42", "--promo-days", "2015-08-03..2015-08-07")
    assert code in (0, None), text
    number = r"([+-]?[\d,]+)"
    rows = re.findall(rf"^\s*\w{{3}} \d{{4}}-\d\d-\d\d .*?{number}\s.*?{number}\s+{number}-{number}\s+{number}\s*$",
                      text, flags=re.M)
    assert len(rows) == 42, text
    value = [[int(v.replace(",", "")) for v in row] for row in rows]
    footer = re.search(rf"^\s*total\s+{number}\s+{number}\s+{number}\s*$", text, flags=re.M)
    assert footer, text
    usual, scenario, diff = (int(v.replace(",", "")) for v in footer.groups())
    assert usual == sum(r[0] for r in value) and scenario == sum(r[1] for r in value)
    assert diff == scenario - usual == sum(r[4] for r in value)
    assert all(r[4] == r[1] - r[0] for r in value)


def test_plan_rank_writes_the_ranking_as_csv(run_main, model_path, synthetic_dir, tmp_path, client):
    out = tmp_path / "rank.csv"
    code, _, err = run_main("plan", "rank", "--model", str(model_path), "--data", str(synthetic_dir), "--start", START,
                            "--out", str(out))
    assert code in (0, None), err
    table = pd.read_csv(out)
    assert list(table.columns) == ["rank", "store", "store_type", "assortment", "gain", "gain_pct", "usual_total",
                                   "week"]
    assert table["rank"].tolist() == list(range(1, len(table) + 1))
    api = client.post("/plan/rank", json={"start": START, "top": 3}).json()["stores"]
    assert table["store"].head(3).tolist() == [st["store"] for st in api]
    assert table["gain"].head(3).tolist() == pytest.approx([st["gain"] for st in api], abs=0.01)
    assert f"wrote {len(table)} stores to {out}" in err


def test_plan_rank_refuses_an_input_as_out_before_any_work(run_main, model_path, synthetic_dir):
    store_csv = synthetic_dir / "store.csv"
    before = store_csv.read_bytes()
    code, _, err = run_main("plan", "rank", "--model", str(model_path), "--data", str(synthetic_dir), "--start", START,
                            "--out", str(store_csv))
    assert code == 2 and "--out" in err
    assert store_csv.read_bytes() == before


@pytest.mark.parametrize(("args", "said"), [
    (["--store", "1", "--start", START, "--promo-days", "2015-10-01"], "outside the planning window"),
    (["--store", "1", "--start", START, "--closed-days", "2015-08-03,2015-08-03"], "listed twice"),
    (["--store", "1", "--start", "2015-8-1"], "YYYY-MM-DD"),
    (["--store", "1", "--start", "2015-02-30"], "must be a calendar date"),  # was "must look like YYYY-MM-DD"
    (["--store", "1", "--start", START, "--promo-days", ""], "empty value"),  # was read as `none`: no promo
    (["--store", "1", "--start", START, "--closed-days", ",,"], "empty value"),
    # `none` beside dates: `none` was dropped without a word, the dates kept
    (["--store", "1", "--start", START, "--promo-days", "none,2015-08-03"],
     "`--promo-days`: `none` (no day at all) cannot be combined with dates; got 'none' and '2015-08-03'"),
    (["--store", "1", "--start", START, "--closed-days", "2015-08-03", "--closed-days", "NONE"],
     "`--closed-days`: `none` (no day at all) cannot be combined with dates; got 'NONE' and '2015-08-03'"),
    (["--store", "99999", "--start", START], "99999"),
    (["--start", START], "missing --store"),
])
def test_plan_user_errors_exit_2_with_one_line(plan, args, said):
    code, text = plan(*args)
    assert code == 2 and said in " ".join(text.replace("│", " ").split())  # the message as one line, box undone


def test_a_store_in_store_csv_the_model_never_saw_names_the_option(run_main, model_path, synthetic_dir, tmp_path):
    """Was the API's "store: unknown store 13: ... remove the row or serve a model", which names no option."""
    import shutil

    data = shutil.copytree(synthetic_dir, tmp_path / "data")
    with open(data / "store.csv", "a", encoding="utf-8") as fh:
        fh.write('13,"a","a",100,,,0,,,\n')
    with open(data / "external" / "store_states.csv", "a", encoding="utf-8") as fh:
        fh.write("13,NW\n")
    code, _, err = run_main("plan", "--model", str(model_path), "--data", str(data), "--store", "13", "--start", START)
    said = f"error: `--store` 13 is listed in {data / 'store.csv'} but unknown to {model_path.name}"
    assert code == 2 and said in err, err


def test_a_store_missing_from_store_parquet_names_that_file(run_main, model_path, synthetic_dir, tmp_path):
    """The stores are read from store.parquet when there is no store.csv; the message named store.csv."""
    import shutil

    data = shutil.copytree(synthetic_dir, tmp_path / "data")
    text = dict.fromkeys(("StoreType", "Assortment", "PromoInterval"), str)
    pd.read_csv(data / "store.csv", dtype=text).to_parquet(data / "store.parquet", index=False)
    (data / "store.csv").unlink()
    code, _, err = run_main("plan", "--model", str(model_path), "--data", str(data), "--store", "99", "--start", START)
    assert code == 2 and f"error: `--store` 99 is not in {data / 'store.parquet'}: pick a store it lists" in " ".join(
        err.split()), err


@pytest.mark.parametrize("command", [["plan", "--store", "1"], ["plan", "rank", "--out", "{tmp}/rank.csv"]],
                         ids=["plan", "rank"])
def test_a_period_past_the_last_date_served_names_start_and_its_range(run_main, tmp_path, command):
    """Was a data-contract error listing row dates ("correct it"); now refused before the model is read."""
    code, _, err = run_main(*(a.format(tmp=tmp_path) for a in command), "--start", "2099-12-31", "--days", "42",
                            "--model", str(tmp_path / "absent.skops"), "--data", str(tmp_path))
    said = " ".join(err.replace("│", " ").split())
    assert code == 2 and "`--start` must be a date 2000-01-01..2099-11-20 with --days 42" in said, err


def _promo_every_weekday(monkeypatch, stores: set[int] | None = None) -> None:
    """Make the usual plan of ``stores`` (all when None) promote every weekday: no free promo week is left."""
    import numpy as np

    from storecast.api import planner

    usual = planner.default_plan

    def plan(facts, store, start, n):
        day_plan = usual(facts, store, start, n)
        if stores is None or store in stores:
            day_plan.promo = (day_plan.promo | (np.asarray(planner.weekday(day_plan.days)) < 5)).astype(np.int8)
        return day_plan

    monkeypatch.setattr(planner, "default_plan", plan)


def test_plan_rank_leaves_out_stores_without_a_free_promo_week(run_main, model_path, synthetic_dir, tmp_path,
                                                               monkeypatch):
    """Was a CSV row of empty gain and week for such a store; ``POST /plan/rank`` drops it, so the CSV does too."""
    _promo_every_weekday(monkeypatch, stores={1})
    out = tmp_path / "rank.csv"
    code, _, err = run_main("plan", "rank", "--model", str(model_path), "--data", str(synthetic_dir), "--start", START,
                            "--out", str(out))
    assert code in (0, None), err
    table = pd.read_csv(out)
    assert 1 not in table["store"].tolist() and not table.isna().any().any()
    assert "1 store has no free promo week in the period and is left out: 1" in " ".join(err.split())


def test_plan_says_when_the_period_lies_outside_what_the_model_knows(plan):
    """As `storecast predict` warns of its rows: days before the training data, days past the calibrated horizon."""
    code, text = plan("--store", "1", "--start", "2012-12-25", "--days", "14")
    assert code in (0, None), text
    assert "7 day(s) lie before 2013-01-01, the first day the model was trained on" in " ".join(text.split())
    code, text = plan("--store", "1", "--start", "2015-02-05", "--days", "14")
    assert code in (0, None), text
    assert "7 day(s) lie after 2015-02-11" in " ".join(text.split())
    code, text = plan("--store", "1", "--start", "2014-06-02", "--days", "14")
    assert code in (0, None) and "warning" not in text, text


def test_plan_rank_with_no_free_promo_week_anywhere_is_one_clear_error(
        run_main, model_path, synthetic_dir, tmp_path, monkeypatch):
    _promo_every_weekday(monkeypatch)
    out = tmp_path / "rank.csv"
    code, _, err = run_main("plan", "rank", "--model", str(model_path), "--data", str(synthetic_dir), "--start", START,
                            "--out", str(out))
    assert code == 2 and "holds no Monday..Friday week without a usual promo" in err and not out.exists(), err


def test_plan_day_errors_count_the_problems_not_shown(plan):
    """Was the first 5 problems and nothing more, as if there were no others."""
    days = ",".join(f"2015-10-{d:02d}" for d in range(1, 9))  # 8 days, each outside the 42-day window
    code, text = plan("--store", "1", "--start", START, "--promo-days", days)
    said = " ".join(text.replace("│", " ").split())
    assert code == 2 and "2015-10-05 is outside the planning window" in said, said
    assert "2015-10-06" not in said and "list only days inside it; ... and 3 more" in said, said


def test_first_and_more_sets_the_count_apart_from_sentences():
    from storecast.errors import first_and_more

    assert first_and_more([3, 7, 9, 12], 2) == "3, 7 and 2 more"
    assert first_and_more(["a is bad", "b is bad", "c is bad"], 2, sep="; ") == "a is bad; b is bad; ... and 1 more"
    assert first_and_more(["a is bad"], 2, sep="; ") == "a is bad"
