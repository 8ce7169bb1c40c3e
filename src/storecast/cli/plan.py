"""`storecast plan`: one store's usual plan against a scenario (a table); `storecast plan rank`: where to promote (CSV).

Both run ``api.planner``, the code behind ``POST /plan`` and ``POST /plan/rank``, so the command line and
the API give the same numbers. ``--data`` supplies store.csv: the stores to plan are the ones it lists
that the model knows, and the ranking CSV carries their type and assortment.
"""

from __future__ import annotations

__all__ = ["plan", "rank"]

import datetime as dt
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from storecast.atomic import atomic_write
from storecast.cli._app import StorecastTyper, app, check_out, console, examples, table_console
from storecast.cli._app import date_option as _date
from storecast.cli._model_options import outside_training
from storecast.errors import StorecastError, first_and_more

if TYPE_CHECKING:
    import pandas as pd

plan_app = StorecastTyper(
    help="What-if forecasts: a store's plan vs a scenario, and where an extra promo week gains most.",
    epilog=examples(
        "# X.skops: a model file `storecast models list` shows",
        "storecast plan --model models/X.skops --data ../shared/rossmann --store 1 --start 2015-08-01",
        "storecast plan --model models/X.skops --data ../shared/rossmann --store 1 --start 2015-08-01 "
        "--promo-days 2015-08-10..2015-08-14   # that week's promo instead of the usual ones",
        "storecast plan rank --model models/X.skops --data ../shared/rossmann --start 2015-08-01 --out rank.csv",
    ))
app.add_typer(plan_app, name="plan")

_DAYS = 42  # the period `plan` and `plan rank` forecast when --days is left out (six weeks)
_MODEL_HELP = "Tree model file (.skops) from `storecast train`."
_DATA_HELP = "Directory with store.csv or store.parquet (and external/store_states.csv)."


def _period_start(start: str, days: int) -> dt.date:
    """``--start`` as a date whose ``days``-day period ends by the last date served, checked before any work.

    Why here: past ``schema.MAX_DATE`` the planner's rows failed the data contract, whose message lists row
    dates and says "correct it" instead of naming the option and the starts allowed.
    """
    from storecast.schema import MAX_DATE, MIN_DATE

    first = _date(start, "--start")
    last = first + dt.timedelta(days=days - 1)
    if last > MAX_DATE:
        latest = MAX_DATE - dt.timedelta(days=days - 1)
        raise typer.BadParameter(f"`--start` must be a date {MIN_DATE}..{latest} with --days {days}: the period "
                                 f"from {first} would run to {last}, past {MAX_DATE}, the last date served; "
                                 f"got {start!r}.")
    return first


def _days(values: list[str] | None, option: str) -> list[dt.date] | None:
    """Dates from repeated or comma-separated values; ``A..B`` is every day from A to B; ``none`` is no day.

    None when the option was not given (the usual days); ``[]`` for ``none`` (no day at all).
    """
    if not values:
        return None
    out: list[dt.date] = []
    if any(not value.replace(",", "").strip() for value in values):  # "" must not read as `none`, no promo at all
        raise typer.BadParameter(f"`{option}` got an empty value: give dates (YYYY-MM-DD), ranges A..B, or `none`.")
    items = [part.strip() for value in values for part in value.split(",")]
    nones = [item for item in items if item.lower() == "none"]
    dates = [item for item in items if item and item.lower() != "none"]
    if nones and dates:  # which one is meant? dropping `none` without a word would guess
        raise typer.BadParameter(f"`{option}`: `none` (no day at all) cannot be combined with dates; got "
                                 f"{nones[0]!r} and {dates[0]!r}.")
    for item in dates:
        first, sep, last = item.partition("..")
        a = _date(first, option)
        b = _date(last, option) if sep else a
        if b < a:
            raise typer.BadParameter(f"`{option}` range {item!r} ends before it starts.")
        out.extend(a + dt.timedelta(days=k) for k in range((b - a).days + 1))
    return out


def _load(model: Path, data: Path) -> tuple[Any, pd.DataFrame]:
    """The served model (bundle + store facts, warm-up checked) and store.csv."""
    from storecast import schema as s
    from storecast.api.serving import load_served
    from storecast.artifacts.files import require_model_file
    from storecast.config import Settings
    from storecast.data.contract import data_file, load_store

    # checked first: fast, and a typo is common; store.csv, else store.parquet
    stores = load_store(data_file(data, s.STORE_FILE), data / s.STATES_FILE)
    require_model_file(model)  # here, not in load_served: its error names STORECAST_MODEL_PATH, which plan never reads
    served = load_served(Settings(model_path=model, api_token=None))
    return served, stores


def _warn_outside_training(bundle: Any, first: dt.date, days: int) -> None:
    """Say so when days of the period lie before the training data or past the calibrated horizon (as
    `storecast predict` does for its rows): their forecasts, or their bands, were never measured there."""
    from storecast.predict import calibrated_through, training_start

    period = [first + dt.timedelta(days=k) for k in range(days)]
    through, begin = calibrated_through(bundle), training_start(bundle)
    late = 0 if through is None else sum(day > through.date() for day in period)
    early = 0 if begin is None else sum(day < begin.date() for day in period)
    note = outside_training(bundle, late, early, unit="day")
    if note:
        console.print(f"[yellow]warning:[/yellow] {note}", highlight=False, markup=True, soft_wrap=True)


# Day problems one option's error names before "... and N more": it stays one readable line.
MAX_DAY_PROBLEMS_LISTED = 5


def _check_days(name: str, days: list[dt.date] | None, start: dt.date, n: int) -> None:
    from storecast.api.planner import day_problems

    problems = day_problems(days or [], start, n)
    if problems:
        raise StorecastError(f"`{name}`: " + first_and_more([msg for _, msg, _ in problems], MAX_DAY_PROBLEMS_LISTED,
                                                             sep="; "))


@plan_app.callback(invoke_without_command=True)
def plan(
    ctx: typer.Context,
    model: Path | None = typer.Option(None, "--model", help=f"{_MODEL_HELP} Required."),
    data: Path | None = typer.Option(None, "--data", help=f"{_DATA_HELP} Required."),
    store: int | None = typer.Option(None, "--store", min=1, help="Store number. Required."),
    start: str | None = typer.Option(None, "--start", help="First day of the period (YYYY-MM-DD). Required."),
    days: int = typer.Option(_DAYS, "--days", min=1, max=92, help="Length of the period in days."),
    promo_days: list[str] | None = typer.Option(
        None, "--promo-days", help="Every promo day of the scenario: dates, A..B ranges, comma-separated or "
        "repeated; `none` = no promo. Default: the usual promos."),
    closed_days: list[str] | None = typer.Option(
        None, "--closed-days", help="Every closed day of the scenario (same forms); `none` = open every day. "
        "Default: the usual closures (Sundays for most stores, public holidays)."),
) -> None:
    """Forecast a store's usual plan and a scenario side by side, day by day, with totals."""
    if ctx.invoked_subcommand is not None:
        return
    missing = [name for name, value in (("--model", model), ("--data", data), ("--store", store), ("--start", start))
               if value is None]
    if missing:
        raise typer.BadParameter(f"missing {', '.join(missing)} (see `storecast plan --help`).")
    assert model is not None and data is not None and store is not None and start is not None
    from storecast.api.planner import plan_scenario

    first = _period_start(start, days)
    promo, closed = _days(promo_days, "--promo-days"), _days(closed_days, "--closed-days")
    _check_days("--promo-days", promo, first, days)
    _check_days("--closed-days", closed, first, days)
    served, stores = _load(model, data)
    from storecast import schema as s
    from storecast.data.contract import data_file

    listing = data_file(data, s.STORE_FILE)  # the file _load read: store.csv, else store.parquet
    if store not in set(stores[s.STORE].tolist()):
        raise StorecastError(f"`--store` {store} is not in {listing}: pick a store it lists.")
    if store not in served.store_set:  # the API's words name its body field, not this command's --store
        raise StorecastError(f"`--store` {store} is listed in {listing} but unknown to {model.name}, "
                             f"which knows {len(served.store_set):,} stores: pick one of those, or retrain with "
                             "this store's sales history.")
    result = plan_scenario(served.bundle, served.facts, store, first, days, promo_days=promo, closed_days=closed)
    _warn_outside_training(served.bundle, first, days)
    table_console(100).print(_table(result))


def _flags(open_: int, promo: int) -> str:
    return "closed" if not open_ else ("promo" if promo else "")


def _table(result: Any):
    from rich import box
    from rich.table import Table

    from storecast.api.planner import whole_units

    u, sc = result.usual, result.scenario
    # Totals and differences from the days as printed (the page's rule): each day rounded on its own put
    # a total 1 off the sum of its column, and a day's diff 1 off its scenario minus usual.
    usual, scenario = whole_units(u.sales), whole_units(sc.sales)
    level = f"{result.level:.0%} interval" if result.level else "interval"
    table = Table(title=f"store {result.store}: usual plan vs scenario (* = changed)", show_footer=True,
                  box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("date", footer="total", no_wrap=True)
    table.add_column("usual", no_wrap=True)
    table.add_column("sales", justify="right", footer=f"{usual.sum():,.0f}", no_wrap=True)
    table.add_column("scenario", no_wrap=True)
    table.add_column("sales", justify="right", footer=f"{scenario.sum():,.0f}", no_wrap=True)
    table.add_column(level, justify="right", no_wrap=True)
    table.add_column("diff", justify="right", footer=f"{scenario.sum() - usual.sum():+,.0f}", no_wrap=True)
    for k, date in enumerate(u.dates()):
        day = dt.date.fromisoformat(date).strftime("%a")
        before, after = _flags(u.open[k], u.promo[k]), _flags(sc.open[k], sc.promo[k])
        table.add_row(f"{day} {date}", before, f"{usual[k]:,.0f}", after + (" *" if after != before else ""),
                      f"{scenario[k]:,.0f}", f"{sc.lower[k]:,.0f}-{sc.upper[k]:,.0f}",
                      f"{scenario[k] - usual[k]:+,.0f}")
    return table


def _from_plan(ctx: typer.Context, **given: Any) -> dict[str, Any]:
    """``rank``'s options, each taken from ``plan`` when given there (``plan --model M rank ...``).

    Why: ``plan``'s own options come before ``rank`` on the line, so writing them there is natural; they were
    then dropped, and ``rank`` said "Missing option '--model'" about an option the user had just typed.
    """
    parent = ctx.parent
    assert parent is not None
    typed = {name for name in parent.params  # typed, or from the environment: not the option's default
             if getattr(parent.get_parameter_source(name), "name", "DEFAULT") != "DEFAULT"}
    scenario = [f"--{name.replace('_', '-')}" for name in ("store", "promo_days", "closed_days") if name in typed]
    if scenario:
        raise typer.BadParameter(f"{', '.join(scenario)}: a scenario of `storecast plan`, not used by "
                                 "`plan rank` (which tries one extra promo week at every store); leave "
                                 f"{'it' if len(scenario) == 1 else 'them'} out.")
    out: dict[str, Any] = {}
    for name, value in given.items():
        before = parent.params.get(name) if name in typed else None
        if value is not None and before is not None and value != before:
            raise typer.BadParameter(f"`--{name}` given twice, '{before}' before `rank` and '{value}' after it: "
                                     "give it once.")
        out[name] = value if value is not None else before
    missing = [f"--{name}" for name, value in out.items() if value is None and name != "days"]
    if missing:
        raise typer.BadParameter(f"missing {', '.join(missing)} (see `storecast plan rank --help`).")
    out["days"] = _DAYS if out["days"] is None else out["days"]
    if not 7 <= out["days"] <= 92:  # `plan --days` allows 1..92; a ranked week needs seven days
        raise typer.BadParameter(f"`--days` must be 7..92 for `plan rank`; got {out['days']}.")
    return out


@plan_app.command("rank", epilog=examples(
    "# X.skops: a model file `storecast models list` shows",
    "storecast plan rank --model models/X.skops --data ../shared/rossmann --start 2015-08-01 --out rank.csv",
    "storecast plan rank --model models/X.skops --data ../shared/rossmann --start 2015-08-01 --days 28 --top 20 "
    "--out rank.csv",
))
def rank(
    ctx: typer.Context,
    model: Path | None = typer.Option(None, "--model", help=f"{_MODEL_HELP} Required (here or before `rank`)."),
    data: Path | None = typer.Option(None, "--data", help=f"{_DATA_HELP} Required (here or before `rank`)."),
    start: str | None = typer.Option(
        None, "--start", help="First day of the period (YYYY-MM-DD). Required (here or before `rank`)."),
    days: int | None = typer.Option(None, "--days", min=7, max=92,
                                    help="Length of the period in days (7..92); default: the --days given "
                                    f"before `rank`, else {_DAYS}."),
    out: Path = typer.Option(..., "--out", help="CSV to write: rank,store,store_type,assortment,gain,gain_pct,"
                             "usual_total,week (best gain first; a store without a free promo week "
                             "is left out, as in the API)."),
    top: int | None = typer.Option(None, "--top", min=1, help="Keep only the best TOP stores (default: all)."),
) -> None:
    """Rank stores by the forecast gain of one extra promo week (Mon-Fri) in the period; write a CSV."""
    from storecast import schema as s
    from storecast.api.planner import rank_stores
    from storecast.data.contract import data_file

    given = _from_plan(ctx, model=model, data=data, start=start, days=days)
    model, data, start, days = given["model"], given["data"], given["start"], given["days"]
    first = _period_start(start, days)
    check_out(out, model=model, data=data)
    served, stores = _load(model, data)
    listed = [int(x) for x in stores[s.STORE].tolist() if int(x) in served.store_set]
    if not listed:
        raise StorecastError(f"no store of {data_file(data, s.STORE_FILE)} is known to {model.name}: rank with "
                             "the data the model was trained on.")
    ranking = rank_stores(served.bundle, served.facts, first, days, stores=listed)
    # As POST /plan/rank does: a store without a free week has no gain to rank, so no row (not a row of blanks).
    none_free = ranking.table.loc[ranking.table["gain"].isna(), "store"].tolist()
    table = ranking.table.dropna(subset=["gain"]).merge(
        stores[[s.STORE, s.STORE_TYPE, s.ASSORTMENT]].rename(columns={
            s.STORE: "store", s.STORE_TYPE: "store_type", s.ASSORTMENT: "assortment"}), on="store", how="left")
    table = table.head(top) if top else table
    table.insert(0, "rank", range(1, len(table) + 1))
    table = table[["rank", "store", "store_type", "assortment", "gain", "gain_pct", "usual_total", "week"]]
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, lambda tmp: table.to_csv(tmp, index=False, float_format="%.2f"))
    if none_free:
        shown = first_and_more(none_free, 5)
        have = "store has" if len(none_free) == 1 else "stores have"
        console.print(f"{len(none_free):,} {have} no free promo week in the period and "
                      f"{'is' if len(none_free) == 1 else 'are'} left out: {shown}", soft_wrap=True)
    _warn_outside_training(served.bundle, first, days)
    best = table.iloc[0]
    # no percent of a usual total of 0 (a store closed all period): "n/a", as the CSV leaves it blank and the API null
    pct = f"{best['gain_pct']:+.1f}%" if math.isfinite(best["gain_pct"]) else "n/a"
    console.print(f"wrote {len(table):,} stores to {out}; best extra promo week: store {best['store']} "
                  f"({best['gain']:+,.0f}, {pct}, week of {best['week']})", soft_wrap=True)
