"""A tiny Chrome DevTools Protocol client: drive headless Chromium, record console errors, take screenshots.

Why not Playwright: no browser download is possible here; Debian's chromium plus the ``websockets``
package is enough to click, read the DOM and capture a full page.
"""

from __future__ import annotations

import base64
import itertools
import json
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import connect

# --lang: the page writes numbers the browser's way ("1,234" here), so the tests read the same figures whatever the
# machine's language; a test of another language asks for it (Emulation.setLocaleOverride).
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         "--lang=en-US"]


class Chromium:
    """One headless Chromium process whose ``page()`` is a fresh page in a browser context of its own.

    Why: a test module shares one Chromium (starting one took about a second a test, over a minute for the
    planner's 47), while each test still gets a clean page: a new context has its own sessionStorage (the
    token), cookies and downloads, and the emulation a test sets (language, screen, touch) is its page's only.
    """

    def __init__(self, chromium: str, profile: Path, *, width: int = 1280, height: int = 900) -> None:
        self.width, self.height = width, height
        self.proc = subprocess.Popen([chromium, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0",
                                      f"--window-size={width},{height}", "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.is_file() and port_file.read_text().count("\n") >= 1):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.close()
                raise RuntimeError("chromium did not open its DevTools port within 60 s")
            time.sleep(0.1)
        port, path = port_file.read_text().split()[:2]
        self.port = int(port)
        self._session = Browser.attach(f"ws://127.0.0.1:{port}{path}", domains=())

    def first_page(self) -> str:
        """The DevTools address of the page Chromium opened with (``about:blank``)."""
        pages = [t for t in httpx.get(f"http://127.0.0.1:{self.port}/json/list", timeout=10).json()
                 if t["type"] == "page"]
        return str(pages[0]["webSocketDebuggerUrl"])

    def page(self) -> Browser:
        """A new page in a new browser context (close it with ``close_page``)."""
        context = self._session.send("Target.createBrowserContext")["browserContextId"]
        target = self._session.send("Target.createTarget", url="about:blank", browserContextId=context,
                                    width=self.width, height=self.height)["targetId"]
        return Browser.attach(f"ws://127.0.0.1:{self.port}/devtools/page/{target}", context=context)

    def close_page(self, page: Browser) -> None:
        """Close ``page`` and drop its context (its storage, downloads setting and pages)."""
        page.close()
        if page.context is not None:
            self._session.send("Target.disposeBrowserContext", browserContextId=page.context)

    def close(self) -> None:
        session = getattr(self, "_session", None)
        if session is not None:
            session.close()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=15)


class Browser:
    """One page of headless Chromium; ``errors`` collects console errors, exceptions and failed loads.

    ``Browser(chromium, profile)`` starts a Chromium of its own and closes it with the page; ``Chromium.page()``
    gives a page of a shared one.
    """

    def __init__(self, chromium: str, profile: Path, *, width: int = 1280, height: int = 900) -> None:
        self._own: Chromium | None = Chromium(chromium, profile, width=width, height=height)
        self.context: str | None = None
        self._connect(self._own.first_page(), ("Page", "Runtime", "Log"))

    @classmethod
    def attach(cls, url: str, *, context: str | None = None,
               domains: tuple[str, ...] = ("Page", "Runtime", "Log")) -> Browser:
        """A DevTools session on ``url`` (a page's, or the browser's with no ``domains``)."""
        self = cls.__new__(cls)
        self._own, self.context = None, context
        self._connect(url, domains)
        return self

    def _connect(self, url: str, domains: tuple[str, ...]) -> None:
        self.ws = connect(url, max_size=64 * 2**20, open_timeout=30).__enter__()
        self._ids = itertools.count(1)
        self.errors: list[str] = []
        for domain in domains:
            self.send(f"{domain}.enable")

    def allow_downloads(self, folder: Path) -> None:
        """Save this page's downloads into ``folder`` (its own context's setting, when it has one)."""
        where = {} if self.context is None else {"browserContextId": self.context}
        self.send("Browser.setDownloadBehavior", behavior="allow", downloadPath=str(folder), **where)

    def _event(self, msg: dict[str, Any]) -> None:
        method, p = msg.get("method"), msg.get("params", {})
        if method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            self.errors.append("console: " + " ".join(str(a.get("value", a.get("description"))) for a in p["args"]))
        elif method == "Runtime.exceptionThrown":
            d = p["exceptionDetails"]
            self.errors.append(f"exception: {d.get('exception', {}).get('description') or d.get('text')}")
        elif method == "Log.entryAdded" and p["entry"]["level"] == "error":
            self.errors.append(f"log: {p['entry']['text']} {p['entry'].get('url', '')}")

    def send(self, method: str, timeout: float = 60, **params: Any) -> dict[str, Any]:
        """Call a DevTools method and return its result (events met on the way are recorded)."""
        ident = next(self._ids)
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            msg = json.loads(self.ws.recv(timeout=max(deadline - time.monotonic(), 0.01)))
            if msg.get("id") == ident:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self._event(msg)

    def js(self, expression: str) -> Any:
        """Evaluate ``expression`` in the page (awaiting a promise) and return its JSON value."""
        out = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in out:
            raise RuntimeError(f"{expression}: {out['exceptionDetails']}")
        return out["result"].get("value")

    def wait(self, expression: str, timeout: float = 60) -> Any:
        """Poll ``expression`` until it is truthy (an error while the page loads counts as false); return it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                value = self.js(expression)
            except RuntimeError:
                value = None
            if value:
                return value
            time.sleep(0.1)
        raise TimeoutError(f"still false after {timeout} s: {expression}")

    def open(self, url: str) -> None:
        self.send("Page.navigate", url=url)

    def screenshot(self, path: Path, *, width: int = 1280) -> Path:
        """A PNG of the whole page (not only the viewport)."""
        height = int(self.js("Math.ceil(document.documentElement.scrollHeight)"))
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)
        shot = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def close(self) -> None:
        ws = getattr(self, "ws", None)
        if ws is not None:
            ws.close()
        if getattr(self, "_own", None) is not None:
            self._own.close()
