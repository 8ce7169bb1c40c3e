"""``GET /`` (the promotion planner page) and ``GET /web/{name}`` (its scripts and style sheet).

Outside the token guard on purpose: the files hold no data. The page asks for a token when the server
wants one and sends it as ``Authorization: Bearer`` on its API calls, which are guarded as usual. The
assets ship inside the package (``storecast/web``), so the page works offline: no CDN, no library.
A query string is ignored (``/web/planner.js?v=2`` is that file): browsers and caches add them to bust caches,
and the answer cannot depend on one (``body.QUERY_STRING_RULE``).
"""

from __future__ import annotations

__all__ = ["router", "PAGE_PATHS", "fixed_asset"]

from collections.abc import Callable, Mapping
from functools import lru_cache
from importlib import resources

from fastapi import APIRouter, HTTPException, Response

router = APIRouter(tags=["page"], include_in_schema=False)

# The only files served: a fixed table, so no request path ever reaches the file system. The script is ES
# modules (planner.js imports the others by relative path, no bundler): each one is listed here, as
# text/javascript (a module served with another type is refused by the browser), and default-src 'self'
# below already lets the page load them from this origin, nothing else.
_MODULES = ("planner.js", "common.js", "api.js", "chart.js", "plan.js", "rank.js", "tabs.js", "csv.js")
_ASSETS = dict.fromkeys(_MODULES, "text/javascript; charset=utf-8") | {"planner.css": "text/css; charset=utf-8"}
# Every path this router serves, the assets spelled out: what a 404 may suggest (no typo matches ``/web/{name}``).
PAGE_PATHS = ("/", *(f"/web/{name}" for name in sorted(_ASSETS)))
# Everything from this origin only: no inline script, no CDN, no frames (the page is never embedded).
# base-uri and form-action do not fall back to default-src: the page has no <base> and its forms never
# submit (the script plans instead), so both are 'none'.
_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
                               "base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}


@lru_cache(maxsize=16)
def _read(name: str) -> bytes:
    return resources.files("storecast").joinpath("web", name).read_bytes()


@router.get("/")
async def page() -> Response:
    """The promotion planner: a store's forecast with bands, promo/closure weeks to switch, the ranking."""
    return Response(_read("index.html"), media_type="text/html; charset=utf-8", headers=_HEADERS)


@router.get("/web/{name}")
async def asset(name: str) -> Response:
    """One of the page's script modules or its style sheet."""
    return fixed_asset(name, _ASSETS, _read, _HEADERS)


def fixed_asset(name: str, table: Mapping[str, str], read: Callable[[str], bytes],
                headers: Mapping[str, str]) -> Response:
    """The file ``name`` of a fixed table (name -> media type), else a 404 listing the table: the one rule of the
    planner's assets and the API docs' (``routes.docs``)."""
    media = table.get(name)
    if media is None:
        # cut like every other echo of the client's input: the whole name made a 60 kB path a 60 kB answer
        # (24 characters, not 40, since the assets are named after it: 24 NULs still answer under 300 bytes)
        raise HTTPException(404, f"no asset {name[:24]!r}: the assets are {', '.join(sorted(table))}")
    return Response(read(name), media_type=media, headers=dict(headers))
