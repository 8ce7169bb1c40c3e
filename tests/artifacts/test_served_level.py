"""served_level: one rule for the interval level a tree or LSTM model file serves, whatever its card says."""

from __future__ import annotations

from pathlib import Path

import pytest

from storecast.artifacts.files import served_level
from storecast.errors import ArtifactError

MODEL = Path("models/storecast-lgbm-2015-01-01T00-00-00Z.skops")


def _card(levels, default):
    return {"intervals": {"levels": levels, "default_level": default}}


def test_the_cards_default_unless_a_level_is_asked_for():
    assert served_level([0.8, 0.95], _card([0.8, 0.95], 0.8), MODEL, None) == 0.8
    assert served_level([0.8, 0.95], _card([0.8, 0.95], 0.8), MODEL, 0.95) == 0.95
    assert served_level([0.8, 0.95], _card([0.8, 0.95], 0.8), MODEL, 0.95 + 1e-12) == pytest.approx(0.95)


@pytest.mark.parametrize(("card", "said"), [
    (_card([0.8, 0.95], 0.5), "says intervals.default_level 0.5, but the model file calibrated only [0.8, 0.95]"),
    (_card([0.8, 0.5], 0.8), "says intervals.levels 0.5, but the model file calibrated only [0.8, 0.95]"),
    (_card([0.8], 0.95), "says intervals.default_level 0.95, not one of its intervals.levels [0.8]"),
], ids=["uncalibrated-default", "uncalibrated-level", "default-not-listed"])
def test_an_edited_card_is_named_with_what_the_file_calibrated(card, said):
    with pytest.raises(ArtifactError) as caught:
        served_level([0.8, 0.95], card, MODEL, None, retrain="retrain it with `storecast lstm train`")
    assert f"model card {MODEL.with_suffix('.json')} {said}" in str(caught.value)
    assert str(caught.value).endswith("the card was edited; restore it or retrain it with `storecast lstm train`.")


def test_a_level_asked_for_must_be_one_the_card_lists():
    with pytest.raises(ArtifactError, match=r"`level` must be one of the model's interval levels \[0.8\]; got 0.95"):
        served_level([0.8, 0.95], _card([0.8], 0.8), MODEL, 0.95)
