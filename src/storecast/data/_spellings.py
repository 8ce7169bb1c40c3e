"""Kaggle's values as people write them: a PromoInterval or a one-letter code in other spaces or letter case.

Why: a file edited by hand or saved from a spreadsheet says " Jan,Apr,Jul,Oct", "jan,apr,jul,oct",
"Jan, Apr, Jul, Oct" or "Mar,Jun,Sep,Dec" (PromoInterval), "A" or " a " (StoreType, Assortment, StateHoliday),
"by" or " BY" (external/store_states.csv's State, a German state code): one of Kaggle's values without doubt.
Stopping a run over it helps nobody, so the contract reads such a cell as Kaggle's spelling and says so once per
column, counting the rows and naming the first one's place (`Respellings`); the file itself is never changed.
Only the writing may differ: "Jan,Feb", "Apr,Jan,Jul,Oct", "Jan;Apr;Jul;Oct", a StoreType "e" or "ab" or a code
beside another invisible character ("0\u2028") are still refused by the value rules, with the file, line and
column (a State that is no state code, "Bayern", is still read with its warning). A cell of only spaces is an
empty cell (``_csvfile.blank_cells``), read by the empty-cell rules.

A Date written with a time of exactly midnight ("2015-07-31 00:00:00", "2015-07-31T00:00", as Excel and
pandas export a date column) is read the same way, as the date alone: a parquet timestamp at midnight was
accepted while the same date in a CSV file was refused. Any other time of day is still refused, in both. So is
a Date with spaces or tabs around it (" 2015-07-31", as a file written with ", " between its fields has):
every number and code of such a line was read, and its Date alone refused.

Files only, read whole (``contract``) or in chunks (``batch.iter_rows``, before ``validate_rows``): the same
rows and the same warning either way. A program's rows (the API's JSON, a frame given to ``validate_rows``)
must send the exact codes and dates.
"""

from __future__ import annotations

__all__ = ["RESPELLED_COLUMNS", "Respellings", "respell"]

import logging
import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from storecast import schema as s
from storecast.data._filecheck import problem
from storecast.data._parquetfile import as_rows
from storecast.data._schemas import shown_text

log = logging.getLogger(__name__)

_ALIASES = {"sep": "sept"}  # Kaggle writes September "Sept", the other months in three letters
# Spaces as a whole number may have them (data/_numbers.INT_TEXT): not "\u2028", "\x1c" or a no-break space,
# which str.strip also takes away but which no one types around a value (a damaged file, or a copy from a page)
_SPACES = " \t"


def _months(text: str) -> tuple[str, ...]:
    """The month tokens of a cell, stripped and in lower case, with "sep" read as Kaggle's "sept"."""
    tokens = (part.strip(_SPACES).lower() for part in text.split(","))
    return tuple(_ALIASES.get(t, t) for t in tokens)


def _code(text: str) -> str:
    return text.strip(_SPACES).lower()


@dataclass(frozen=True)
class _Spelling:
    """Kaggle's values of a column by what each writing of them shares (``key``), and how a writing may differ."""

    kaggle: dict[Hashable, str]
    key: Callable[[str], Hashable]
    differs: str  # the warning's words: "written with {differs}"


def _spelling(values: tuple[str, ...], key: Callable[[str], Hashable], differs: str) -> _Spelling:
    return _Spelling({key(v): v for v in values}, key, differs)


_SPELLINGS = {
    s.STORE_TYPE: _spelling(s.STORE_TYPES, _code, "other spaces or letter case"),
    s.ASSORTMENT: _spelling(s.ASSORTMENTS, _code, "other spaces or letter case"),
    s.PROMO_INTERVAL: _spelling(s.PROMO_INTERVALS, _months, 'other spaces, letter case or "Sep"'),
    s.STATE_HOLIDAY: _spelling(s.STATE_HOLIDAY_CODES, _code, "other spaces or letter case"),
    # external/store_states.csv: "by" was warned of as "no German state code" and got the nationwide holidays
    s.STATE: _spelling(s.GERMAN_STATES, _code, "other spaces or letter case"),
}
RESPELLED_COLUMNS = (*_SPELLINGS, s.DATE)
_READ_AS = {s.DATE: ("the date alone", "")}  # else Kaggle's spelling, _Spelling.differs; a Date's: _date_ways
# YYYY-MM-DD and a midnight as Excel, pandas and ISO 8601 write it, or spaces around it; ASCII digits only, as the
# date rule reads
_MIDNIGHT = re.compile(r"[ \t]*([0-9]{4}-[0-9]{2}-[0-9]{2})([ T]00:00(:00(\.0+)?)?)?[ \t]*")
_ISO_LENGTH = 10


def _dates_alone(text: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """``text`` with each date written with a midnight time or spaces around it replaced by the date alone, and the
    cells replaced.

    Only a date that exists (not "2015-02-30 00:00:00", which the date rule refuses with its hint) and only an
    exact midnight: "2015-07-31 13:00" names a time within the day, which the contract refuses. Cells of 10
    characters or fewer are never looked at, so train.csv's million plain dates cost one length check.
    """
    try:
        longer = (text.str.len() > _ISO_LENGTH).fillna(False).to_numpy(dtype=bool)
    except AttributeError:  # no text (a parquet timestamp column read by batch.iter_rows): datetimes are checked
        return text, np.zeros(len(text), dtype=bool)
    if not longer.any():
        return text, longer
    alone = {}
    for value in text[longer].unique().tolist():
        found = _MIDNIGHT.fullmatch(value) if isinstance(value, str) else None
        if found and value != found[1] and not pd.isna(pd.to_datetime(found[1], format="%Y-%m-%d", errors="coerce")):
            alone[value] = found[1]
    if not alone:
        return text, np.zeros(len(text), dtype=bool)
    changed = text.isin(list(alone)).to_numpy()
    if isinstance(text.dtype, pd.CategoricalDtype):  # a parquet dictionary column: the dates alone are no category
        text = text.astype(object)
    return text.mask(changed, text.map(alone)), changed


def _date_ways(written: list[str]) -> set[str]:
    """How Dates read as the date alone were written: the warning's "written with ..." words."""
    ways = set()
    for value in written:
        if value != value.strip(_SPACES):
            ways.add("spaces around the date")
        if len(value.strip(_SPACES)) > _ISO_LENGTH:
            ways.add("a time of day of midnight")
    return ways


def respell(column: str, text: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """``text`` with each other writing of a Kaggle value of ``column`` replaced by Kaggle's, and the cells replaced.

    Cells that already are Kaggle's spelling, missing cells, values that are no text (a parquet column of
    numbers) and cells naming no Kaggle value are left as they are (the value rules then refuse the last).
    Looked up once per distinct value: a column holds a handful, also in train.csv's million rows. A Date is
    read as the date alone when written with a midnight time (`_dates_alone`).
    """
    if column == s.DATE:
        return _dates_alone(text)
    spelling = _SPELLINGS[column]
    respelled = {}
    for value in text.dropna().unique().tolist():
        if isinstance(value, str) and value not in spelling.kaggle.values():
            kaggle = spelling.kaggle.get(spelling.key(value))
            if kaggle is not None:
                respelled[value] = kaggle
    if not respelled:
        return text, np.zeros(len(text), dtype=bool)
    changed = text.isin(list(respelled)).to_numpy()
    if isinstance(text.dtype, pd.CategoricalDtype):  # a parquet dictionary column: its new values are no category
        text = text.astype(object)
    return text.replace(respelled), changed


@dataclass
class _Found:
    count: int
    written: str  # the first such cell, as written
    read: str  # and as read
    line: int  # its CSV line (header = line 1) or parquet row (from 1)
    ways: set[str] = field(default_factory=set)  # a Date's: how it was written (`_date_ways`)


class Respellings:
    """The cells of one file read as Kaggle's spelling (`respell`), column by column, over one or many chunks.

    ``respell`` each part of the file in file order, then ``warn`` once: one warning per column, with the total
    and the first cell's place, the same whether the file was read whole or in chunks.
    """

    def __init__(self) -> None:
        self.found: dict[str, _Found] = {}

    def respell(self, frame: pd.DataFrame, lines: np.ndarray) -> pd.DataFrame:
        """``frame`` with every column of ``RESPELLED_COLUMNS`` it has respelled (a copy when any cell changed).

        ``lines``: each row's place as the messages give it, a CSV line (header = line 1) or a parquet row.
        """
        for column in RESPELLED_COLUMNS:
            if column not in frame.columns:
                continue
            text, changed = respell(column, frame[column])
            if not changed.any():
                continue
            first = int(changed.argmax())
            if column not in self.found:
                self.found[column] = _Found(0, str(frame[column].iat[first]), str(text.iat[first]), int(lines[first]))
            self.found[column].count += int(changed.sum())
            if column == s.DATE:
                self.found[column].ways |= _date_ways(frame[column][changed].unique().tolist())
            frame = frame.assign(**{column: text})
        return frame

    def warn(self, path: Path, *, parquet: bool) -> None:
        """Log the one warning per column of cells read as Kaggle's spelling, naming the first (parquet: its row)."""
        for column in RESPELLED_COLUMNS:
            found = self.found.get(column)
            if found is None:
                continue
            what, differs = _READ_AS.get(column) or ("Kaggle's spelling", _SPELLINGS[column].differs)
            differs = differs or " or ".join(sorted(found.ways, reverse=True))
            first = problem(path, f"{shown_text(found.written)} is read as \"{found.read}\", {what} "
                                  f"({found.count} row(s) in all written with {differs}); the "
                                  "file is left as it is", found.line, column)
            log.warning("%s", as_rows(first) if parquet else first)
