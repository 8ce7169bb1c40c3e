"""Dates of every input, read one way: ``YYYY-MM-DD`` inside ``schema.MIN_DATE .. schema.MAX_DATE``.

Why a range: pandas' nanosecond timestamps only span 1677-09-22 .. 2262-04-11, so a date such as
9999-12-31 used to raise ``OutOfBoundsDatetime`` from deep inside a command, and 1800-01-01 broke the
features after the model had loaded. The API refused such dates already; files and frames now refuse
the same ones, as an ordinary bad cell that names its line, instead of raising.
"""

from __future__ import annotations

__all__ = ["parse_dates", "date_values", "out_of_range", "date_hint", "DATE_RANGE"]

import datetime as dt
import re

import numpy as np
import pandas as pd

from storecast.schema import MAX_DATE, MIN_DATE

DATE_RANGE = f"{MIN_DATE:%Y-%m-%d}..{MAX_DATE:%Y-%m-%d}"
_LOW = np.datetime64(MIN_DATE, "D")
_HIGH = np.datetime64(MAX_DATE, "D")


def out_of_range(dates: pd.Series) -> np.ndarray:
    """Mask of dates (any datetime resolution) before MIN_DATE or after MAX_DATE; NaT is not flagged."""
    days = dates.to_numpy().astype("datetime64[D]")
    return (days < _LOW) | (days > _HIGH)


def date_values(dates: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Datetimes (any resolution, any zone) as the dates they name, and the mask of those that are no date here:
    missing, with a time of day, or outside the range. A zone-aware value names its own wall-clock date.

    Why: a parquet timestamp or a frame's datetime at 13:00 was read as that day without a word, where a CSV
    file refuses "2015-08-01 13:00"; and a zone-aware one was taken in UTC, so midnight in Europe/Berlin
    became the day before (and its DayOfWeek "wrong").
    """
    if isinstance(dates.dtype, pd.DatetimeTZDtype):
        dates = dates.dt.tz_localize(None)
    bad = dates.isna().to_numpy() | out_of_range(dates) | (dates != dates.dt.normalize()).to_numpy()
    return dates, bad


def _not_iso_text(text: pd.Series) -> np.ndarray:
    """Text cells that parse with ``%Y-%m-%d`` yet are not written ``YYYY-MM-DD``.

    The format also reads "2015-6-1" and Arabic-Indic digits ("٢٠١٥-06-19"); the API refuses both, so
    files and frames do too. Two Arrow kernels (ASCII, length 10), not a regex: this runs on train.csv.
    """
    try:
        ascii_text, length = text.str.isascii(), text.str.len()
    except AttributeError:  # no text at all (date objects from a Python caller): nothing to check
        return np.zeros(len(text), dtype=bool)
    plain = ascii_text.fillna(True).astype(bool) & (length.fillna(10) == 10)
    return (~plain & text.notna()).to_numpy()


def parse_dates(text: pd.Series, iso_length: bool = False) -> tuple[pd.Series, np.ndarray]:
    """``YYYY-MM-DD`` text -> datetime64[ns] and the mask of cells that do not parse or lie out of range.

    Never raises on a far date: the text is parsed at a resolution that holds it, checked against the
    range, and only in-range dates are cast to nanoseconds (bad cells become NaT).
    """
    values, bad = date_values(pd.to_datetime(text, format="%Y-%m-%d", errors="coerce"))  # objects keep a time
    if not iso_length:  # unless the reader knows every cell to be 10 ASCII characters (parquet)
        bad |= _not_iso_text(text)
    return values.where(~bad).astype("datetime64[ns]"), bad


_EXCEL_SERIALS = (36526, 73050)  # Excel's day numbers of 2000-01-01 .. 2099-12-31


def date_hint(text: str) -> str:
    """`` (day.month.year?)``: what a date written another way most likely is, so a message can say; "" if unknown.

    Why: "expected YYYY-MM-DD, got '42216'" leaves the user to work out that Excel wrote its day number.
    """
    text = text.strip()
    # a zone (+01:00, Z) too: a parquet timestamp of Europe/Berlin at 13:00 is quoted "... 13:00:00+01:00"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?", text):
        return " (a date with a time of day: write the date alone)"
    if re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{4}", text):
        return " (day.month.year)"
    if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", text):
        return " (month/day/year or day/month/year)"
    if re.fullmatch(r"\d{4}/\d{1,2}/\d{1,2}", text):
        return " (year/month/day)"
    if re.fullmatch(r"\d{8}", text):
        return " (YYYYMMDD without dashes)"
    if (short := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)) and (padded := _padded(*short.groups())):
        return f" (a month or day without its leading zero: write {padded})"
    if re.fullmatch(r"\d{5}(\.0+)?", text) and _EXCEL_SERIALS[0] <= float(text) <= _EXCEL_SERIALS[1]:
        return " (an Excel day number: format the column as a date, yyyy-mm-dd, before saving)"
    return ""


def _padded(year: str, month: str, day: str) -> str | None:
    """``2015-7-1`` as ``2015-07-01`` when that is a date in `DATE_RANGE`, else None (no hint for 2015-13-1)."""
    try:
        date = dt.date(int(year), int(month), int(day))
    except ValueError:
        return None
    return f"{date:%Y-%m-%d}" if MIN_DATE <= date <= MAX_DATE else None
