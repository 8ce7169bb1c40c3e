"""How well the ``holidays`` package's German school calendar matches train.csv's SchoolHoliday flags.

Why: features/school.py and /forecast's default plan take school breaks from that calendar instead of
the request's rows; this measures, per state, how often the calendar says what the data say.

Usage: ``python bench/school_calendar_agreement.py --data ../shared/rossmann``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import holidays
import pandas as pd

from storecast import schema as s


def agreement(train: pd.DataFrame, store: pd.DataFrame) -> pd.DataFrame:
    """Per state: rows, share agreeing (all days, Monday..Friday), calendar 1 / data 0 and the reverse."""
    rows = train.merge(store[[s.STORE, s.STATE]], on=s.STORE)
    rows["subdiv"] = rows[s.STATE].map(s.state_subdivision)
    years = range(rows[s.DATE].dt.year.min(), rows[s.DATE].dt.year.max() + 1)
    out = []
    for subdiv, g in rows.groupby("subdiv"):
        cal = holidays.country_holidays("DE", subdiv=subdiv, categories=("school",), years=years)
        flag = g[s.DATE].isin(pd.to_datetime(list(cal))).astype(int)
        data = g[s.SCHOOL_HOLIDAY].astype(int)
        weekday = g[s.DATE].dt.day_of_week < 5
        out.append({"state": subdiv, "rows": len(g), "agree": (flag == data).mean(),
                    "agree_weekdays": (flag == data)[weekday].mean(),
                    "calendar_only": ((flag == 1) & (data == 0)).mean(),
                    "data_only": ((flag == 0) & (data == 1)).mean()})
    table = pd.DataFrame(out)
    total = {"state": "all", "rows": table["rows"].sum()}
    total.update({c: (table[c] * table["rows"]).sum() / table["rows"].sum() for c in table.columns[2:]})
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, required=True)
    args = parser.parse_args()
    if not (args.data / s.TRAIN_FILE).is_file():
        print(f"no train.csv in {args.data}: pass --data DIR with the Rossmann files", file=sys.stderr)
        return 2
    from storecast.data.contract import load_dataset

    ds = load_dataset(args.data)
    print(agreement(ds.train, ds.store).to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
