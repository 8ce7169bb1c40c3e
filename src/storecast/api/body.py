"""JSON request bodies parsed strictly: an object that names a key twice is refused, not read last-wins.

Why: ``json.loads`` keeps the last of two equal keys, so ``{"store": 1, "store": 2}`` would forecast store 2
and ``{"rows": [], "rows": [...]}`` would pass, while the sender may well have meant the first. The
schemas refuse unknown fields for the same reason: a body is answered as written or not at all. The
routes that take a body use :class:`StrictJSONRoute`; ``errors`` answers :class:`DuplicateKeyError` 422.
"""

from __future__ import annotations

__all__ = ["DuplicateKeyError", "StrictJSONRoute"]

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute


class DuplicateKeyError(ValueError):
    """A JSON object of the body names the same key more than once."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"duplicate key {key!r}")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKeyError(key)
            seen.add(key)
    return obj


class _StrictJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = json.loads(await self.body(), object_pairs_hook=_unique_keys)
        return self._json


class StrictJSONRoute(APIRoute):
    """An ``APIRoute`` whose JSON body refuses duplicate keys (FastAPI's custom request class pattern)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            return await handler(_StrictJSONRequest(request.scope, request.receive))

        return strict
