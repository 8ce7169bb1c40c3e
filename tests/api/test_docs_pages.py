"""``/docs`` and ``/redoc`` work offline: their scripts, style sheet and favicon come from this server.

FastAPI's pages loaded Swagger UI and ReDoc from cdn.jsdelivr.net (ReDoc its fonts from Google too), so on a
serving machine without internet both pages were blank.
"""

from __future__ import annotations

import re

import pytest


@pytest.mark.parametrize(("path", "script"), [("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")])
def test_the_docs_pages_load_nothing_from_outside_the_server(client, path, script):
    r = client.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert not re.findall(r"https?://[^\s\"'<>]*", r.text)  # no CDN, no Google fonts, no favicon elsewhere
    refs = re.findall(r'(?:src|href|spec-url)="([^"]+)"', r.text) + re.findall(r"url: '([^']+)'", r.text)
    assert f"/docs/assets/{script}" in refs and "/openapi.json" in refs
    for ref in refs:
        asset = client.get(ref)
        assert asset.status_code == 200 and len(asset.content) > 0, ref
    js = client.get(f"/docs/assets/{script}")
    assert js.headers["content-type"].startswith("text/javascript")
    assert js.headers["x-content-type-options"] == "nosniff"


def test_swagger_ui_asks_no_outside_validator(client):
    # Swagger UI's default validatorUrl sends the description's URL to validator.swagger.io
    assert '"validatorUrl": null' in client.get("/docs").text


def test_a_docs_asset_not_in_the_table_is_404_naming_those_served(client):
    r = client.get("/docs/assets/..%2F..%2Fcore.py")
    assert r.status_code == 404
    r = client.get("/docs/assets/swagger-ui.js")
    assert r.status_code == 404 and r.json()["detail"] == (
        "no asset 'swagger-ui.js': the assets are favicon.png, redoc.standalone.js, swagger-ui-bundle.js, "
        "swagger-ui.css")


def test_the_docs_pages_stay_open_when_a_token_is_set(guarded):
    page = guarded.get("/docs")
    assert page.status_code == 200 and guarded.get("/docs/assets/swagger-ui.css").status_code == 200


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_docs_pages_allow_only_their_own_files_and_inline_code_by_nonce(client, path):
    # the pages were served without a Content-Security-Policy: markup that reached them could run as the API's origin
    pages = [client.get(path) for _ in range(2)]
    nonces = []
    for page in pages:
        policy = dict(d.strip().split(" ", 1) for d in page.headers["content-security-policy"].split(";"))
        assert policy["default-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
        nonce = re.fullmatch(r"'self' 'nonce-([\w-]{16,})'", policy["script-src"]).group(1)
        assert policy["style-src"].startswith(f"'self' 'nonce-{nonce}'")
        assert not re.search(r"unsafe|https?:|\*", page.headers["content-security-policy"])
        inline = re.findall(r"<(script|style)( [^>]*)?>", page.text)
        assert any(f'nonce="{nonce}"' in attrs for _, attrs in inline), inline
        assert all(f'nonce="{nonce}"' in attrs or "src=" in attrs for _, attrs in inline), inline
        nonces.append(nonce)
    assert nonces[0] != nonces[1]  # drawn for each answer
