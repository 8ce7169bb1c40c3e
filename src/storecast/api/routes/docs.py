"""``GET /docs`` (Swagger UI) and ``GET /redoc`` (ReDoc) with their scripts served by this server, not a CDN.

Why: FastAPI's pages load Swagger UI and ReDoc from cdn.jsdelivr.net (and ReDoc its fonts from Google), so on
a serving machine without internet, as many are, both pages stayed blank. The files come from the
``fastapi-offline`` package (a dependency: Swagger UI, its style sheet, ReDoc and a favicon, no code of its
that runs here), served from a fixed table at ``/docs/assets/{name}`` like the planner's (``routes.page``).
Swagger UI's validator badge, which asks an outside service about the description, is off.
Each page carries a Content-Security-Policy that lets it load this server's files only (``_policy``): its inline
script and style sheet run by a nonce drawn for the answer, as do the style sheets ReDoc writes while it draws
(its ``nonce`` option, which is why the ReDoc page is written here: ``Redoc.init`` gets the nonce from its script).
Outside the token guard, as FastAPI's own pages are: they hold no data, and the description they read
(``/openapi.json``) is open too.
"""

from __future__ import annotations

__all__ = ["DOCS_ASSETS", "DOCS_PATHS", "router"]

import html
import secrets
from functools import lru_cache
from importlib import resources

from fastapi import APIRouter, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html

from storecast.api.routes.page import fixed_asset

router = APIRouter(include_in_schema=False)

_JS = "text/javascript; charset=utf-8"
# The only files served, each from fastapi_offline/static: no request path reaches the file system.
DOCS_ASSETS = {"swagger-ui-bundle.js": _JS, "swagger-ui.css": "text/css; charset=utf-8",
               "redoc.standalone.js": _JS, "favicon.png": "image/png"}
_ASSET_PATH = "/docs/assets/"
# Every path this router serves, for a 404 to suggest (FastAPI lists an included router without its paths).
DOCS_PATHS = ("/docs", "/redoc", *(_ASSET_PATH + name for name in sorted(DOCS_ASSETS)))
# The files change only with the package: a browser keeps them an hour instead of fetching 2.8 MB each visit.
_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=3600"}

# FastAPI's ReDoc page starts ReDoc from a <redoc spec-url> element, whose options come from its attributes, and a
# browser hides a nonce attribute from scripts: ReDoc drew without one and every style sheet it wrote was refused.
_REDOC_PAGE = """<!DOCTYPE html>
<html>
<head>
<title>{title}</title>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="shortcut icon" href="{favicon}">
<style nonce="{nonce}">body {{ margin: 0; padding: 0; }}</style>
</head>
<body>
<noscript>ReDoc requires Javascript to function. Please enable it to browse the documentation.</noscript>
<div id="redoc" data-spec-url="{openapi}"></div>
<script src="{script}"></script>
<script nonce="{nonce}">
const element = document.getElementById("redoc");
Redoc.init(element.dataset.specUrl, {{nonce: document.currentScript.nonce}}, element);
</script>
</body>
</html>
"""


# The style sheet of perfect-scrollbar (ReDoc's side menu), which ReDoc's script writes as it loads, before
# Redoc.init can hand it the nonce, and the empty sheet it is written into: allowed by their sha256 instead.
# Another ReDoc with other styles shows in tests/api/test_docs_browser.py as a refused style.
_REDOC_STYLES = ("'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc=' "
                 "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='")


def _policy(nonce: str, *, redoc: bool = False) -> dict[str, str]:
    """The headers of a docs page: its files from this origin only, its inline script and styles by ``nonce``.

    Why: without a policy, anything injected into the page (markup in a description, a proxy's script) would run
    with the page's origin, the API's, and could send the token typed into Swagger UI anywhere. ``img-src data:``:
    both style sheets draw icons from data URLs. ReDoc (``redoc``) also writes the styles of ``_REDOC_STYLES``, and
    builds the worker of its search box from a blob of its own script (``worker-src blob:``).
    """
    own = f"'self' 'nonce-{nonce}'"  # this server's files and the page's inline code: scripts and styles alike
    return {"Content-Security-Policy": (
        f"default-src 'self'; script-src {own}; style-src {own}{' ' + _REDOC_STYLES if redoc else ''}; "
        f"img-src 'self' data:; {'worker-src blob:; ' if redoc else ''}"
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"),
        "X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}


def _page(text: str, nonce: str, *, redoc: bool = False) -> Response:
    return Response(text, media_type="text/html; charset=utf-8", headers=_policy(nonce, redoc=redoc))


@lru_cache(maxsize=len(DOCS_ASSETS))
def _read(name: str) -> bytes:
    return resources.files("fastapi_offline").joinpath("static", name).read_bytes()


def _urls(request: Request) -> tuple[str, str]:
    """The description's URL and the assets' prefix, under the app's ``root_path`` (behind a proxy's prefix)."""
    root = request.scope.get("root_path", "").rstrip("/")
    return f"{root}{request.app.openapi_url}", f"{root}{_ASSET_PATH}"


@router.get("/docs")
async def swagger_ui(request: Request) -> Response:
    """Swagger UI: every route, tried from the browser."""
    openapi, assets = _urls(request)
    page = get_swagger_ui_html(
        openapi_url=openapi, title=f"{request.app.title} - Swagger UI", swagger_js_url=f"{assets}swagger-ui-bundle.js",
        swagger_css_url=f"{assets}swagger-ui.css", swagger_favicon_url=f"{assets}favicon.png",
        swagger_ui_parameters={"validatorUrl": None})
    text, nonce = bytes(page.body).decode(), secrets.token_urlsafe(16)
    if text.count("<script>") != 1:  # FastAPI's page changed: fail here, not with a blank page in the browser
        raise RuntimeError("FastAPI's Swagger UI page no longer holds one inline <script>: update routes.docs")
    return _page(text.replace("<script>", f'<script nonce="{nonce}">'), nonce)


@router.get("/redoc")
async def redoc(request: Request) -> Response:
    """ReDoc: the same description as one page to read."""
    openapi, assets = _urls(request)
    nonce = secrets.token_urlsafe(16)
    return _page(_REDOC_PAGE.format(
        title=html.escape(f"{request.app.title} - ReDoc"), favicon=html.escape(f"{assets}favicon.png"),
        openapi=html.escape(openapi), script=html.escape(f"{assets}redoc.standalone.js"), nonce=nonce),
        nonce, redoc=True)


@router.get(_ASSET_PATH + "{name}")
async def asset(name: str) -> Response:
    """One of the pages' scripts, their style sheet or the favicon."""
    return fixed_asset(name, DOCS_ASSETS, _read, _HEADERS)
