"""``GET /docs`` (Swagger UI) and ``GET /redoc`` (ReDoc) with their scripts served by this server, not a CDN.

Why: FastAPI's pages load Swagger UI and ReDoc from cdn.jsdelivr.net (and ReDoc its fonts from Google), so on
a serving machine without internet, as many are, both pages stayed blank. The files come from the
``fastapi-offline`` package (a dependency: Swagger UI, its style sheet, ReDoc and a favicon, no code of its
that runs here), served from a fixed table at ``/docs/assets/{name}`` like the planner's (``routes.page``).
Swagger UI's validator badge, which asks an outside service about the description, is off.
Outside the token guard, as FastAPI's own pages are: they hold no data, and the description they read
(``/openapi.json``) is open too.
"""

from __future__ import annotations

__all__ = ["DOCS_ASSETS", "DOCS_PATHS", "router"]

from functools import lru_cache
from importlib import resources

from fastapi import APIRouter, Request, Response
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html

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
    return get_swagger_ui_html(
        openapi_url=openapi, title=f"{request.app.title} - Swagger UI", swagger_js_url=f"{assets}swagger-ui-bundle.js",
        swagger_css_url=f"{assets}swagger-ui.css", swagger_favicon_url=f"{assets}favicon.png",
        swagger_ui_parameters={"validatorUrl": None})


@router.get("/redoc")
async def redoc(request: Request) -> Response:
    """ReDoc: the same description as one page to read."""
    openapi, assets = _urls(request)
    return get_redoc_html(openapi_url=openapi, title=f"{request.app.title} - ReDoc",
                          redoc_js_url=f"{assets}redoc.standalone.js", redoc_favicon_url=f"{assets}favicon.png",
                          with_google_fonts=False)


@router.get(_ASSET_PATH + "{name}")
async def asset(name: str) -> Response:
    """One of the pages' scripts, their style sheet or the favicon."""
    return fixed_asset(name, DOCS_ASSETS, _read, _HEADERS)
