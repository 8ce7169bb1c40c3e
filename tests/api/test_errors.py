"""The error map of ``api/errors.py``, for errors the routes check before they could arise.

A ``/predict`` body is checked by its schema, so its rows keep the data contract before ``predict_frame`` sees
them; the 422 of a ``DataContractError`` is what a future path (or a rule the schema lacks) would get.
"""

from __future__ import annotations

import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from storecast.api.errors import install_error_handlers
from storecast.data.contract import validate_rows
from storecast.errors import DataContractError


def _answer_to(exc: Exception) -> list[dict]:
    """The 422 items an app with storecast's error map answers when handling a request raises ``exc``."""
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/predict")
    async def predict() -> None:
        raise exc

    with TestClient(app) as client:
        r = client.post("/predict", json={"rows": []})
    assert r.status_code == 422
    return r.json()["detail"]


def _contract_error(**columns) -> DataContractError:
    rows = {"Store": [1, 2], "Date": ["2015-08-03", "2015-08-03"], "Promo": [1, 0], "StateHoliday": ["0", "0"],
            "SchoolHoliday": [0, 0], **columns}
    with pytest.raises(DataContractError) as caught:
        validate_rows(pd.DataFrame(rows))
    return caught.value


def test_a_rows_contract_problem_is_answered_at_that_rows_field():
    # before: at `rows.StateHoliday`, a field the body does not have, without saying which row
    detail = _answer_to(_contract_error(StateHoliday=["0", "x"], Store=[0, 2]))
    assert [(item["loc"], item["field"], item["type"]) for item in detail] == [
        (["body", "rows", 0, "store"], "rows[0].store", "data_contract"),
        (["body", "rows", 1, "state_holiday"], "rows[1].state_holiday", "data_contract"),
    ]
    assert detail[1]["msg"].startswith("row 1: expected one of 0 (none), a (public holiday)")


def test_a_problem_of_no_one_row_is_answered_at_the_rows_column(bundle):
    from storecast.predict import predict_frame

    rows = pd.DataFrame({"Store": [1, 9999], "Date": ["2015-08-03", "2015-08-03"], "Promo": [1, 0],
                         "StateHoliday": ["0", "0"], "SchoolHoliday": [0, 0]})
    with pytest.raises(DataContractError) as caught:  # a store the model was not trained with: every row of it
        predict_frame(bundle, rows)
    detail = _answer_to(caught.value)
    assert [(item["loc"], item["field"]) for item in detail] == [(["body", "rows", "store"], "rows.store")]
    assert detail[0]["msg"].startswith("the model was not trained with store(s) 9999 (1 row(s))")
