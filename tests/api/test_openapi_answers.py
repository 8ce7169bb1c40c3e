"""Each route's OpenAPI ``responses`` list every status the server can answer it, and no other.

The statuses of the layers every request passes (the protocol and the ASGI middleware) are read from their code, so a
refusal added there and not to ``api.answers`` fails here; a route's own answers are written out below.
"""

from __future__ import annotations

import inspect
import re
from types import ModuleType

import pytest
from api_helpers import TOKEN

from storecast.api import body, deps, errors, http_rules, middleware, protocol, unprocessable
from storecast.api.routes import health, plan
from storecast.api.schemas import ErrorItem

# A status where a layer answers: send_json(send, 413, ...), HTTPException(413, ...), _refuse(431, ...),
# JSONResponse(..., status_code=503), super().__init__(415, ...)
_ANSWER = re.compile(r"(?:send_json\(send, |_refuse(?:_after_answer)?\(|HTTPException\((?:status_code=)?|"
                     r"status_code=|super\(\)\.__init__\()(\d{3})\b")
# Answers about a path or a method, not of a route: a path no route serves (or one holding %2F), a method it does not
# take.
_NOT_OF_A_ROUTE = {404, 405}


def _answered(module: ModuleType) -> set[int]:
    return {int(status) for status in _ANSWER.findall(inspect.getsource(module))}


# Whatever the route: the protocol's and the ASGI layers' refusals, and errors' 500 for a bug.
_EVERY_ROUTE = (_answered(protocol) | _answered(middleware) | _answered(http_rules)) - _NOT_OF_A_ROUTE | {500}
_TOKEN = _answered(deps)  # 401
_BODY = _answered(body) | {422}  # 415 for another Content-Type; errors' 422 for a body it refuses
_MODEL = {503}  # errors' NotReadyError and ArtifactError
_ROUTES = {
    ("get", "/health"): set(),
    ("get", "/ready"): _TOKEN | _answered(health),
    ("get", "/model"): _TOKEN | _MODEL,
    ("post", "/predict"): _TOKEN | _BODY | _MODEL,
    ("post", "/forecast"): _TOKEN | _BODY | _MODEL,
    ("post", "/plan"): _TOKEN | _BODY | _MODEL,
    ("post", "/plan/rank"): _TOKEN | _BODY | _MODEL | _answered(plan),
}


def test_the_statuses_are_read_from_the_code():
    # the reading above finds what the layers answer (a pattern gone stale would make the test below pass on nothing)
    assert {400, 408, 413, 414, 415, 417, 431, 501, 503} <= _EVERY_ROUTE
    assert _TOKEN == {401} and 415 in _BODY and _answered(errors) | _answered(unprocessable) >= {400, 422, 500, 503}


@pytest.mark.parametrize(("method", "path"), sorted(_ROUTES))
def test_each_route_lists_every_status_it_can_answer_and_no_other(guarded, method, path):
    # the description listed 401, 413, 415 and 503: not the 400 of a bad Host, the 408 of a slow body, the 431 ...
    responses = guarded.get("/openapi.json").json()["paths"][path][method]["responses"]
    assert {int(status) for status in responses} == {200} | _EVERY_ROUTE | _ROUTES[(method, path)]
    for status, answer in responses.items():
        if status != "200":
            assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}


def test_every_route_of_the_app_is_checked(guarded):
    paths = guarded.get("/openapi.json").json()["paths"]
    assert {(method, path) for path, ops in paths.items() for method in ops} == set(_ROUTES)


def test_a_422_answer_has_the_shape_the_description_gives(client):
    # the 422 was described as FastAPI's HTTPValidationError (loc, msg, type, input, ctx): the answer's items are
    # {loc, field, msg, type}, ErrorBody's
    items = client.post("/predict", json={"rows": [{"store": "x"}]}).json()["detail"]
    assert items and all(set(item) == set(ErrorItem.model_fields) for item in items)


def test_a_get_route_is_answered_what_every_route_may_be(guarded):
    # GET /model said it could not get a 415 ("it takes no body"): the compressed-body guard answers any request
    # that carries a body, a GET's included
    r = guarded.request("GET", "/model", content=b"x",
                        headers={"Content-Encoding": "gzip", "Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 415
