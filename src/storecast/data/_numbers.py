"""Whole numbers of every input, read one way: one text rule, and exact int64 values.

Why one home: the file contract parsed whole-number text exactly, but ``validate_rows`` (the rows of a file
read in chunks, a Python caller's frame) went through float64. An Id of 2**53 + 1 came back one lower and the
int64 maximum as the int64 minimum, in the forecasts written for them; and "1e2", ".0" or an Id of 20 digits
passed there, while the same file read in one piece refused them.
"""

from __future__ import annotations

__all__ = ["INT_TEXT", "whole_numbers", "thousands_dots", "number_hint"]

import re

import numpy as np
import pandas as pd

# What a whole-number cell may look like: ASCII digits, optionally written "12.0" or "12.00" (spreadsheets export
# 1 as "1.0"), padded with spaces or tabs. Never "1.000", a German thousands separator (it was read as 1); nor
# Unicode digits ("١" is 1 to Python's int), "1_000", "1e3", or other whitespace (int() also strips "\n", "\f"
# and "\x1c".."\x1f").
INT_TEXT = r"[ \t]*[+-]?0*[0-9]{1,19}(\.0{0,2})?[ \t]*"  # 19 digits: int64 has no more
_LOW, _HIGH = -(2**63), 2**63 - 1


def whole_numbers(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``values`` as exact int64, and the mask of cells that hold no whole number within int64's range.

    Any dtype: integers and booleans as they are, floats when whole, anything else as text by `INT_TEXT`.
    A missing cell is in the mask; callers that allow one (test.csv's Open) take ``values.isna()`` apart.
    Bad cells hold 0. Integers and text never pass through float64, so every int64 comes back as written.
    """
    n = len(values)
    missing = values.isna().to_numpy()
    kind = values.dtype.kind
    if kind in "iub" and not missing.any():  # numpy integers: the API's frames, parquet columns
        raw = values.to_numpy()
        bad = raw > _HIGH if kind == "u" else np.zeros(n, dtype=bool)
        return np.where(bad, 0, raw).astype(np.int64), bad
    if kind == "f":
        num = values.to_numpy(dtype=np.float64, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            bad = ~np.isfinite(num) | (num % 1 != 0) | (num < _LOW) | (num >= 2.0**63)
        return np.where(bad, 0, num).astype(np.int64), bad
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        return _arrow_text_numbers(values, missing)  # a CSV file's cells
    if isinstance(values.dtype, pd.StringDtype):
        text = values
    else:  # Python objects (a parquet column with nulls, a caller's list): True/False as 1/0, ints as digits
        text = values.astype(object).map(lambda v: int(v) if isinstance(v, bool | np.bool_) else v).astype(str)
    return _text_numbers(text, missing)


def _arrow_text_numbers(values: pd.Series, missing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`whole_numbers` of Arrow-backed text: plain digits at Arrow's speed, every other cell by `INT_TEXT`.

    Why: the regex and pandas' ``astype("int64")`` cost about a quarter of a second per million cells, most
    of ``storecast validate``'s parse of train.csv. Nearly every cell is 1..18 ASCII digits (at most
    999,999,999,999,999,999, so within int64), which Arrow's string-to-int64 cast reads exactly; the other
    cells (signs, spaces, "12.0", 19+ digits, anything refused) go through `_text_numbers` as before.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.chunked_array(values.array.__arrow_array__())  # the column's own buffers, no copy
    plain = pc.and_(pc.ascii_is_decimal(arr), pc.less_equal(pc.binary_length(arr), 18))
    bad = ~pc.fill_null(plain, False).to_numpy(zero_copy_only=False)
    if not bad.any():  # the usual file: every cell plain digits
        return _writable(pc.cast(arr, pa.int64()).to_numpy()), bad
    ints = np.zeros(len(values), dtype=np.int64)
    ints[~bad] = pc.cast(arr.filter(pa.array(~bad)), pa.int64()).to_numpy()
    rest = np.flatnonzero(bad)  # only the cells that are not plain digits (empty ones included): the full rule
    ints[rest], bad[rest] = _text_numbers(values.iloc[rest], missing[rest])
    return ints, bad


def _writable(ints: np.ndarray) -> np.ndarray:
    """``ints`` itself when the caller may write into it, else a copy (Arrow's buffers are read-only)."""
    return ints if ints.flags.writeable else ints.copy()


def _text_numbers(text: pd.Series, missing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`whole_numbers` of text cells by `INT_TEXT`, each int64 parsed exactly."""
    n = len(text)
    ok = text.str.fullmatch(INT_TEXT).fillna(False).to_numpy(dtype=bool) & ~missing
    ints = np.zeros(n, dtype=np.int64)
    if not ok.any():
        return ints, ~ok
    good = text[ok]
    if good.str.contains(".", regex=False).any():
        good = good.str.replace(r"\.0*[ \t]*$", "", regex=True)
    at = np.flatnonzero(ok)
    try:
        ints[at] = good.astype("int64").to_numpy()
    except (OverflowError, ValueError):  # some beyond int64: each value on its own (rare, so Python is fast enough)
        exact = [_in_range(v) for v in good]
        fits = np.array([v is not None for v in exact], dtype=bool)
        ints[at[fits]] = np.array([v for v in exact if v is not None], dtype=np.int64)
        ok[at[~fits]] = False
    return ints, ~ok


def _in_range(text: str) -> int | None:
    try:
        value = int(text)
    except ValueError:  # more digits (leading zeros) than Python converts: no int64 has them
        return None
    return value if _LOW <= value <= _HIGH else None


# Digits in groups of three after a dot ("8.750", "1.234.567"): a German thousands separator. A decimal cell
# (CompetitionDistance, the Since columns) read it as 8.75 without a word; Kaggle's distances are whole metres.
# A leading 0 ("0.250") is no thousands group: a decimal, read as written.
_GROUPED_DOT = r"[+-]?[1-9][0-9]{0,2}(\.[0-9]{3})+"  # the one pattern of the refusal and of `number_hint`
_THOUSANDS_DOT = rf"[ \t]*{_GROUPED_DOT}[ \t]*"


def thousands_dots(values: pd.Series) -> np.ndarray:
    """The mask of text cells written with a thousands dot (``8.750``), which a float parse reads as 8.75.

    Text only: a number stored as a number (a parquet float 8.125) says what it is.
    """
    if isinstance(values.dtype, pd.StringDtype):
        return values.str.fullmatch(_THOUSANDS_DOT).fillna(False).to_numpy(dtype=bool)
    if values.dtype == object:
        return values.map(lambda v: isinstance(v, str) and re.fullmatch(_THOUSANDS_DOT, v) is not None).to_numpy(
            dtype=bool)
    return np.zeros(len(values), dtype=bool)


def number_hint(text: str, *, whole: bool) -> str:
    """`` (a thousands separator? write 8529)``: what a number written another way most likely is; "" if unknown.

    Why: "expected a whole number, got '8,529'" leaves the user to find the separator a spreadsheet added.
    ``whole``: the column holds whole numbers, so a comma between digits cannot be a decimal comma.
    """
    t = text.strip(" \t")
    if re.fullmatch(_GROUPED_DOT, t):
        plain = t.replace(".", "")
        if whole or t.count(".") > 1:
            return f" (a thousands separator? write {plain})"
        decimal = t.rstrip("0").rstrip(".")
        if decimal == t:  # no zeros to drop ("570.125"): a fourth decimal is the spelling no dot rule refuses
            return f" (a thousands separator, or a decimal? write {plain}, or {t}0 for the decimal)"
        return f" (a thousands separator, or a decimal? write {plain}, or {decimal} without the zeros)"
    if re.fullmatch(r"[+-]?[0-9]{1,3}(,[0-9]{3})+", t):
        plain = t.replace(",", "")
        if whole or t.count(",") > 1:
            return f" (a thousands separator? write {plain})"
        return f" (a thousands separator or a decimal comma? write {plain} or {t.replace(',', '.')})"
    if re.fullmatch(r"[+-]?[0-9]+,[0-9]+", t):
        return f" (a decimal comma? write {t.replace(',', '.')})"
    if re.fullmatch(_GROUPED_SPACE, t):  # no decimal is written so: a thousands separator whatever the column
        return f" (a thousands separator? write {re.sub(_GROUP_MARKS, '', t)})"
    return ""


# Digit groups of three after a space, a no-break space (U+00A0, U+202F: French and Excel's grouping) or an
# apostrophe (Swiss, also typed as U+2019): "8 436", "8'436". Refused as every text that is no number is; the hint
# says why, as a no-break space does not even show in the refused value.
_GROUP_MARKS = "[ \u00a0\u202f'\u2019]"
_GROUPED_SPACE = rf"[+-]?[1-9][0-9]{{0,2}}({_GROUP_MARKS}[0-9]{{3}})+"
