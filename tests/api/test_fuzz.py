"""Property-based fuzzing of the OpenAPI schema with schemathesis: no input may cause a 5xx.

Schemathesis generates valid and invalid bodies for every operation from ``/openapi.json`` and
calls the app in-process (its ASGI transport runs the lifespan, so the real model is loaded).
Bounded: ``max_examples`` per operation keeps the whole file well under two minutes on 2 cores.

The schema is built at import (``schemathesis.pytest.from_fixture`` fails on pytest 9: it reads
the removed ``node._nodeid``) from ``app.openapi()`` with the app attached, which is what
``from_asgi`` does minus its request, whose client would start the lifespan before any model exists.
The lifespan starts on the first generated call, after the ``_fuzz_model`` fixture has put the
session's trained model into the app's models directory.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from storecast.api import create_app
from storecast.config import Settings

MAX_EXAMPLES = 150
_MODELS = Path(tempfile.mkdtemp(prefix="storecast-fuzz-models-"))

_APP = create_app(Settings(models_dir=_MODELS, model_path=None, api_token=None))
schema = schemathesis.openapi.from_dict(_APP.openapi())
schema.app = _APP
schema.location = "/openapi.json"


@pytest.fixture(scope="module")
def _fuzz_model(model_path: Path):
    for path in (model_path, model_path.with_suffix(".json")):
        shutil.copy(path, _MODELS / path.name)
    yield
    shutil.rmtree(_MODELS, ignore_errors=True)


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_input_makes_a_5xx_and_answers_match_the_schema(case, _fuzz_model):
    # positive_data_acceptance is left out on purpose: a schema-valid body may still name a store
    # this model does not know (or a schedule day outside the window), which is a 422 by design.
    response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
    assert response.status_code < 500, response.text
