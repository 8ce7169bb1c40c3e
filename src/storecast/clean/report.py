"""What a cleaning step found and changed, as data: one row per (step, column, rule).

Analysts read it as a table, the CLI writes it as JSON and CSV, and tests assert on the counts.
"""

from __future__ import annotations

__all__ = ["CleaningAction", "CleaningReport", "number_text"]

from dataclasses import asdict, dataclass, field

import pandas as pd

from storecast import schema as s

# columns whose numbers are labels, not amounts: a year, a month or week number, an id or a 0/1 code
_CODE_COLS = frozenset({s.STORE, s.ID, s.DAY_OF_WEEK, s.OPEN, s.PROMO, s.SCHOOL_HOLIDAY, s.PROMO2,
                        s.COMPETITION_OPEN_SINCE_MONTH, s.COMPETITION_OPEN_SINCE_YEAR, s.PROMO2_SINCE_WEEK,
                        s.PROMO2_SINCE_YEAR})


def number_text(col: str, value: float) -> str:
    """A number as its column is read: a year or code as is ("2012", "13"), an amount with separators ("2,325").

    One format for both would print either "2325 m" or a Sales bound "52750" (hard to read) or the year
    "2,012" (wrong). Used by every step's report detail: fill values, outlier bounds.
    """
    if col in _CODE_COLS or str(col).endswith(("Year", "Month", "Week")):
        return f"{value:.6g}"
    return f"{value:,.0f}" if value.is_integer() and abs(value) < 1e15 else f"{value:,.6g}"


@dataclass(frozen=True)
class CleaningAction:
    """One rule applied to one column: how many values it detected and how many it changed."""

    step: str
    column: str
    rule: str
    detected: int
    changed: int
    detail: str = ""


@dataclass
class CleaningReport:
    """An ordered list of `CleaningAction` rows; reports of several steps merge by concatenation."""

    actions: list[CleaningAction] = field(default_factory=list)

    def add(self, step: str, column: str, rule: str, detected: int, changed: int, detail: str = "") -> None:
        """Record one rule's outcome."""
        self.actions.append(CleaningAction(step, column, rule, int(detected), int(changed), detail))

    def merge(self, *others: CleaningReport) -> CleaningReport:
        """A new report with this report's rows followed by the others'."""
        out = CleaningReport(list(self.actions))
        for other in others:
            out.actions.extend(other.actions)
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per action with columns step, column, rule, detected, changed, detail."""
        cols = ["step", "column", "rule", "detected", "changed", "detail"]
        return pd.DataFrame([asdict(a) for a in self.actions], columns=cols)

    def to_dict(self) -> dict[str, object]:
        """JSON-able form: the rows plus totals per column."""
        frame = self.to_frame()
        totals = frame.groupby("column")[["detected", "changed"]].sum() if len(frame) else frame
        return {
            "actions": [asdict(a) for a in self.actions],
            "totals_by_column": {k: {c: int(v) for c, v in row.items()} for k, row in totals.iterrows()},
        }

    def __len__(self) -> int:
        return len(self.actions)
