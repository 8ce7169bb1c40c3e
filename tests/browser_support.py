"""Where the browser tests find headless Chromium (shared by conftest's report header and the tests)."""

from __future__ import annotations

import os
import shutil

import pytest


def find_chromium() -> str | None:
    """Path of a headless-capable Chromium on PATH, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def browser_required() -> bool:
    """CI (``CI=true``) must run the browser tests; elsewhere a missing browser is a loud skip."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def chromium_or_skip() -> str:
    """The browser for a test: on a developer's machine without one a loud skip, under CI a failure."""
    found = find_chromium()
    if found:
        return found
    message = ("chromium not found on PATH: the browser tests need it (`apt-get install -y chromium` as root; "
               ".ci/run installs it)")
    if browser_required():
        pytest.fail(message, pytrace=False)
    pytest.skip(f"SKIPPED BROWSER TESTS: {message}")
