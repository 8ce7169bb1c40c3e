"""The report's questions, section by section: the one list `render.build_report` walks through.

Each question is a function in a topic module (overview, promotions, holidays, seasonality, customers,
stores) that takes the frames and returns a `QuestionResult`; this module only orders them into
sections and re-exports them, so a new question is one function plus one line here.
"""

from __future__ import annotations

__all__ = [
    "Section", "SECTIONS", "run_section",
    "data_overview", "missing_values", "outlier_counts", "find_gaps",
    "promo_train_vs_test", "promo_effect", "promo_uplift_by_store", "promo2_effect",
    "state_holiday_window", "school_holiday_effect", "christmas_easter",
    "weekly_pattern", "monthly_pattern", "sales_vs_customers", "store_correlations", "closure_effects", "trading_days",
    "type_assortment", "competition_distance", "competitor_opening",
]

from collections.abc import Callable
from dataclasses import dataclass

from storecast.clean.report import CleaningReport
from storecast.data.contract import Dataset
from storecast.eda._base import QuestionResult
from storecast.eda.competition import competition_distance, competitor_opening
from storecast.eda.customers import closure_effects, sales_vs_customers, store_correlations, trading_days
from storecast.eda.holidays import christmas_easter, school_holiday_effect, state_holiday_window
from storecast.eda.overview import data_overview, find_gaps, missing_values, outlier_counts
from storecast.eda.promotions import promo2_effect, promo_effect, promo_train_vs_test, promo_uplift_by_store
from storecast.eda.seasonality import monthly_pattern, weekly_pattern
from storecast.eda.stores import type_assortment

_Ask = Callable[[Dataset, CleaningReport | None], QuestionResult | None]


@dataclass(frozen=True)
class Section:
    """A numbered part of the report: an anchor, a title and its questions in order."""

    key: str
    title: str
    questions: tuple[_Ask, ...]


SECTIONS: tuple[Section, ...] = (
    Section("quality", "Data overview and quality", (
        lambda d, r: data_overview(d.train, d.store, d.test),
        lambda d, r: missing_values(d.train, d.store, d.test, r),
        lambda d, r: outlier_counts(d.train),
    )),
    Section("promotions", "Promotions", (
        lambda d, r: promo_train_vs_test(d.train, d.test),
        lambda d, r: promo_effect(d.train),
        lambda d, r: promo_uplift_by_store(d.train, d.store),
        lambda d, r: promo2_effect(d.train, d.store),
    )),
    Section("holidays", "Holidays", (
        lambda d, r: state_holiday_window(d.train),
        lambda d, r: school_holiday_effect(d.train),
        lambda d, r: christmas_easter(d.train),
    )),
    Section("seasonality", "Seasonality", (
        lambda d, r: weekly_pattern(d.train, d.store),
        lambda d, r: monthly_pattern(d.train, d.store),
    )),
    Section("customers", "Sales and customers", (
        lambda d, r: sales_vs_customers(d.train, d.store),
    )),
    Section("opening", "Opening behaviour", (
        lambda d, r: closure_effects(d.train),
        lambda d, r: trading_days(d.train),
    )),
    Section("stores", "Store type and assortment", (
        lambda d, r: type_assortment(d.train, d.store),
    )),
    Section("competition", "Competition", (
        lambda d, r: competition_distance(d.train, d.store),
        lambda d, r: competitor_opening(d.train, d.store),
    )),
)


def run_section(section: Section, dataset: Dataset, report: CleaningReport | None = None) -> list[QuestionResult]:
    """Answer every question of ``section`` (questions that do not apply, e.g. no test.csv, are skipped)."""
    results = [ask(dataset, report) for ask in section.questions]
    return [r for r in results if r is not None]
