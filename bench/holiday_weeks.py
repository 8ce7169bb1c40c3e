"""How much more a store sells on the open days of a week that holds a public holiday.

Why: the LSTM's look-back level (``models.lstm.level.lookback_profile``) leaves out the weeks of a
Monday..Saturday public holiday outside Christmas (``holiday_weeks``), because a store closed on a holiday
sells much of that day's demand on its other days of the week, and May-June hold many such weeks while
July holds none. This measures the effect on the data: the mean of log Sales minus the store's mean log
Sales over Monday..Saturday open days with sales, by the number of holidays in the day's Monday..Sunday
week, and per month.

Usage: ``python bench/holiday_weeks.py --data ../shared/rossmann``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from storecast import schema as s
from storecast.data.contract import load_train
from storecast.models.lstm.level import christmas_season


def holiday_week_effect(train: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(by holidays in the week, by year x month and holiday week): mean store-demeaned log sales, days."""
    dow = train[s.DATE].dt.day_of_week
    week = train[s.DATE] - pd.to_timedelta(dow, unit="D")
    holiday = (train[s.STATE_HOLIDAY].astype(str) != "0") & (dow < 6)
    holiday &= ~christmas_season(train[s.DATE].to_numpy())
    per_week = holiday.groupby([train[s.STORE], week]).sum().rename("holidays")
    sold = train[(train[s.OPEN] == 1) & (train[s.SALES] > 0) & (dow < 6)]
    log_sales = np.log(sold[s.SALES].astype(float))
    frame = pd.DataFrame({
        "store": sold[s.STORE], "week": week[sold.index], "date": sold[s.DATE],
        "demeaned": log_sales - log_sales.groupby(sold[s.STORE]).transform("mean"),
    }).join(per_week, on=["store", "week"])
    by_count = frame.groupby("holidays")["demeaned"].agg(["mean", "size"]).rename(columns={"size": "days"})
    frame["holiday_week"] = frame["holidays"] > 0
    by_month = frame.groupby([frame["date"].dt.year.rename("year"), frame["date"].dt.month.rename("month"),
                              "holiday_week"])["demeaned"].mean().unstack()
    return by_count, by_month


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="directory with train.csv")
    args = parser.parse_args(argv)
    train = load_train(args.data / "train.csv")
    by_count, by_month = holiday_week_effect(train)
    pd.set_option("display.width", 120)
    print("mean log Sales minus the store's mean, Monday..Saturday open days, by holidays in the week")
    print(by_count.round(4).to_string())
    print("\nby month: weeks without / with a holiday (Christmas 24 Dec..1 Jan not counted)")
    print(by_month.round(3).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
