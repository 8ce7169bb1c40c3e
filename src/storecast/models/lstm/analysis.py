"""Is the sales series stationary, and which lags matter? The evidence behind the LSTM's set-up.

ADF tests the null "has a unit root" (small p: stationary); KPSS tests the null "is stationary" (small
p: not). A series is called stationary here when ADF rejects and KPSS does not. Sales are not
stationary in level (trend, yearly cycle, December surge) and carry weekly and two-weekly (promo) cycles, so the
LSTM learns log sales minus each store's mean (scaled to (-1, 1)) and gets the calendar as inputs;
the seasonal difference at lag 7 shows what is left once the weekly cycle is removed.
"""

from __future__ import annotations

__all__ = ["stationarity", "chain_daily_sales", "store_daily_sales", "transforms", "write_analysis",
           "autocorrelation"]

import json
import math
import warnings
from html import escape as html_escape
from pathlib import Path

import numpy as np
import pandas as pd

from storecast import schema as s
from storecast.atomic import atomic_write_text, save_figure
from storecast.clean.rows import sales_days
from storecast.errors import WindowError

LAGS_OF_INTEREST = (7, 14, 365)
MIN_CHAIN_DAYS = 28  # four weeks: two of each cycle the report looks for (lags 7 and 14)


def stationarity(series: pd.Series) -> dict[str, float | bool | str | None]:
    """ADF and KPSS on ``series`` (NaN dropped): statistics, p-values and the joint verdict.

    A series the tests cannot take (a store with a few days of history, constant sales) is reported
    ``untested`` with statsmodels' reason and no statistics, rather than ending the whole report.
    """
    from statsmodels.tools.sm_exceptions import InterpolationWarning
    from statsmodels.tsa.stattools import adfuller, kpss

    x = pd.Series(series).dropna().to_numpy(dtype=float)
    try:
        adf_stat, adf_p, *_ = adfuller(x, autolag="AIC", result_object=False)
        with warnings.catch_warnings():  # KPSS p-values are table-interpolated and capped at 0.01 / 0.1
            warnings.simplefilter("ignore", InterpolationWarning)
            warnings.simplefilter("ignore", UserWarning)
            kpss_stat, kpss_p, *_ = kpss(x, regression="c", nlags="auto", result_object=False)
    except (ValueError, np.linalg.LinAlgError) as exc:
        return {"adf_stat": None, "adf_p": None, "kpss_stat": None, "kpss_p": None, "stationary": False,
                "untested": f"{len(x)} values: {exc}"}
    return {"adf_stat": float(adf_stat), "adf_p": float(adf_p), "kpss_stat": float(kpss_stat),
            "kpss_p": float(kpss_p), "stationary": bool(adf_p < 0.05 and kpss_p > 0.05)}


def chain_daily_sales(train: pd.DataFrame) -> pd.Series:
    """Mean sales of the open stores per day: the chain's pulse without Sunday / holiday zeros."""
    rows = sales_days(train)
    return rows.groupby(s.DATE)[s.SALES].mean().astype(float)


def store_daily_sales(train: pd.DataFrame, store: int) -> pd.Series:
    """One store's sales on its open days (closed days and gaps dropped)."""
    rows = sales_days(train[train[s.STORE] == store])
    return rows.set_index(s.DATE)[s.SALES].sort_index().astype(float)


def transforms(series: pd.Series) -> dict[str, pd.Series]:
    """The candidate transforms: level, log, first difference of log, seasonal difference (lag 7) of log.

    Why the lag 7 by date: a store's series holds its open days only, so on a store closed on Sundays seven
    rows back is eight or nine days back, another weekday, and ``diff(7)`` left the weekly cycle in. With
    dates for an index each day is compared with the same weekday a week before (NaN when that day is
    missing); the first difference stays from one sales day to the next.
    """
    log = np.log1p(series)
    weekly = log - log.shift(freq="7D") if isinstance(log.index, pd.DatetimeIndex) else log.diff(7)
    return {"level": series, "log": log, "log, diff 1": log.diff(), "log, diff 7": weekly.reindex(log.index)}


def autocorrelation(series: pd.Series, nlags: int = 400) -> dict[str, list[float]]:
    """ACF (up to ``nlags``) and PACF (up to 60) values; with dates for an index, lag k is k calendar days.

    Why: statsmodels counts lags in values, and a series with days missing (a chain without Sundays, as in
    synthetic data) made "lag 7" eight or nine days, another weekday. The series is reindexed to every day from
    its first to its last; the ACF skips the missing days (``missing="conservative"``), and the PACF, which
    takes no missing values, is computed on the series with them linearly interpolated. A series with every
    day present gives the same numbers as before.
    """
    from statsmodels.tsa.stattools import acf, pacf

    x = pd.Series(series).dropna().astype(float)
    if isinstance(x.index, pd.DatetimeIndex) and len(x):
        x = x.sort_index().asfreq("D")  # every calendar day; a day without a value is NaN
    nlags = min(nlags, len(x) // 2 - 1)
    filled = x.interpolate().to_numpy()
    return {"acf": acf(x.to_numpy(), nlags=nlags, missing="conservative").tolist(),
            "pacf": pacf(filled, nlags=min(60, nlags)).tolist()}


def _png(fig, path: Path) -> str:
    """Save ``fig`` atomically as ``path`` and return the file name (index.html links it)."""
    save_figure(fig, path, dpi=90, bbox_inches="tight")
    return path.name


# The y axis of each transform's panel (``transforms``), in its unit: the charts said only "level", "log, diff 7"
_TRANSFORM_UNITS = {"level": "mean sales per\nopen store", "log": "log(1 + mean sales)",
                    "log, diff 1": "change of log sales\nfrom the last sales day",
                    "log, diff 7": "change of log sales\nfrom a week before"}


def _plots(chain: pd.Series, corr: dict[str, list[float]], out_dir: Path) -> list[tuple[str, str]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = []
    fig, axes = plt.subplots(4, 1, figsize=(10, 8), sharex=True)
    for ax, (name, series) in zip(axes, transforms(chain).items(), strict=True):
        ax.plot(series.index, series.to_numpy(), lw=0.6)
        ax.set_title(f"chain daily sales: {name}", fontsize=9)
        ax.set_ylabel(_TRANSFORM_UNITS[name], fontsize=8)
    axes[-1].set_xlabel("date")
    out.append(("The chain's daily sales before and after each transform", _png(fig, out_dir / "transforms.png")))
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(10, 6))
    a1.bar(range(len(corr["acf"])), corr["acf"], width=1.0)
    a1.set_title("ACF of log chain sales (lags 7, 14, 365 marked)", fontsize=9)
    a1.set(xlabel="lag (days)", ylabel="autocorrelation")
    for lag in LAGS_OF_INTEREST:
        if lag < len(corr["acf"]):
            a1.axvline(lag, color="crimson", lw=0.8, ls="--")
            a1.annotate(str(lag), (lag, corr["acf"][lag]), color="crimson", fontsize=8)
    a2.bar(range(len(corr["pacf"])), corr["pacf"], width=0.8)
    a2.set_title("PACF of log chain sales (lags 7 and 14 marked)", fontsize=9)
    a2.set(xlabel="lag (days)", ylabel="partial autocorrelation")
    for lag in LAGS_OF_INTEREST[:2]:
        a2.axvline(lag, color="crimson", lw=0.8, ls="--")
    fig.tight_layout()
    out.append(("Autocorrelation: which lags matter", _png(fig, out_dir / "acf_pacf.png")))
    return out


def write_analysis(train: pd.DataFrame, out_dir: str | Path, sample_stores: int = 5, seed: int = 0) -> Path:
    """Run the tests on the chain and a sample of stores; write analysis.json, PNG charts and index.html.

    The sample is ``sample_stores`` store ids drawn with ``seed`` from the sorted ids: the same stores whatever
    the order of train.csv's rows.
    """
    out_dir = Path(out_dir)
    chain = chain_daily_sales(train)
    if len(chain) < MIN_CHAIN_DAYS:  # before any file: ADF, KPSS and the ACF need some weeks of days
        span = f" ({chain.index.min():%Y-%m-%d}..{chain.index.max():%Y-%m-%d})" if len(chain) else ""
        raise WindowError(f"train.csv has {len(chain)} day(s) with sales{span}: the series analysis needs at least "
                          f"{MIN_CHAIN_DAYS} (four weeks, for the weekly and two-weekly cycles); add older days.")
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    # drawn from the sorted ids: in order of appearance, reordering train.csv's rows changed the sample
    ids = np.sort(train[s.STORE].unique())
    stores = sorted(rng.choice(ids, size=min(sample_stores, len(ids)), replace=False).tolist())
    results: dict[str, dict[str, dict]] = {"chain": {k: stationarity(v) for k, v in transforms(chain).items()}}
    for store in stores:
        series = store_daily_sales(train, store)
        results[f"store {store}"] = {k: stationarity(v) for k, v in transforms(series).items()}
    corr = autocorrelation(np.log1p(chain))
    lags = {str(lag): corr["acf"][lag] for lag in LAGS_OF_INTEREST if lag < len(corr["acf"])}
    payload = {"stationarity": results, "acf_at": lags}
    atomic_write_text(out_dir / "analysis.json", json.dumps(payload, indent=2))
    rows = "".join(
        f"<tr><td>{series}</td><td>{name}</td><td>{r['adf_p']:.3g}</td><td>{r['kpss_p']:.3g}</td>"
        f"<td>{'yes' if r['stationary'] else 'no'}</td></tr>" if "untested" not in r else
        f"<tr><td>{series}</td><td>{name}</td><td colspan='3'>untested ({html_escape(str(r['untested']))})</td></tr>"
        for series, by_t in results.items() for name, r in by_t.items()
    )
    # escaped: a title's apostrophe ("The chain's ...") would end the single-quoted alt attribute
    figures = "".join(f"<h2>{html_escape(title)}</h2><img alt='{html_escape(title)}' src='{name}'>"
                      for title, name in _plots(chain, corr, out_dir))
    html = f"""<!doctype html><html><head><meta charset="utf-8"><title>storecast: series analysis</title>
<style>body{{font-family:sans-serif;max-width:60rem;margin:auto}}td,th{{padding:2px 8px}}img{{max-width:100%}}</style>
</head><body><h1>Is the sales series stationary?</h1>{_summary(results, lags, len(chain))}
<table><tr><th>series</th><th>transform</th><th>ADF p</th><th>KPSS p</th><th>stationary</th></tr>{rows}</table>
<p>Stationary here: ADF rejects a unit root (p &lt; 0.05) and KPSS does not reject stationarity (p &gt; 0.05).
KPSS p-values come from a table and are capped at 0.01 and 0.10.</p>
{figures}</body></html>"""
    index = out_dir / "index.html"
    atomic_write_text(index, html)
    return index


def _yearly_echo(acf_365: float, days: int) -> str:
    """What lag 365 says, against the ACF's 95% band for white noise (1.96 / sqrt(days)); NaN: not computed."""
    if math.isnan(acf_365):
        return f"the {days:,} days are too short for lag 365 (it needs about two years)"
    band = 1.96 / math.sqrt(days)
    if acf_365 > band:
        return "the yearly echo is visible"
    return f"no yearly echo stands out of the noise band (+-{band:.2f})"


def _summary(results: dict[str, dict[str, dict]], lags: dict[str, float], days: int) -> str:
    """The report's reading, written from the numbers (so it stays true on other data); ``days``: the chain's."""
    verdicts = {name: [series for series, by_t in results.items() if by_t[name]["stationary"]]
                for name in results["chain"]}
    n = len(results)
    listing = "; ".join(f"{name}: {len(ok)} of {n}" for name, ok in verdicts.items())
    a7, a14, a365 = (lags.get(k, float("nan")) for k in ("7", "14", "365"))
    cycle = ("lag 14 is stronger than lag 7: promotions run every other week, so the same weekday two weeks "
             "apart shares its promo status and one week apart does not" if a14 > a7 else
             "the weekly cycle (lag 7) dominates")
    return f"""
<p>Stationary series (chain + sampled stores) per transform: {listing}. In level, sales carry trend, the
yearly cycle and the December surge; compare how many series pass after the log alone and after
differencing (lag 1, or the seasonal lag 7). ACF of log chain sales at lag 7 = {a7:.2f},
lag 14 = {a14:.2f}, lag 365 = {a365:.2f}: {cycle}; {_yearly_echo(a365, days)}.</p>
<p>Why it matters: a network fitted on non-stationary levels learns the level of its training years
and extrapolates it badly, and a global model across stores needs inputs on one scale. The LSTM
therefore learns log sales minus each store's fit-window mean, scaled to (-1, 1); instead of
differencing (which would chain forecast errors over 6 weeks) it gets the cycles as inputs: a
weekday x promo level from the store's own look-back window, and day-of-week, day-of-year and
Christmas run-up features for every forecast day.</p>"""
