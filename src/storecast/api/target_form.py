"""A request target in absolute form (``GET http://host/path``): the path it means, and why one is refused.

Why a module of its own: RFC 9110 lets a client send the whole URL as the target, which uvicorn reads with rules of
its own (a target without a path failed in Python; any scheme, userinfo included, was served as its path);
``protocol.HeaderGuardProtocol`` asks here once a request's head is parsed.
"""

from __future__ import annotations

__all__ = ["target_error", "with_path"]

from storecast.errors import ECHO_LIMIT, clipped


def _authority_start(url: bytes) -> int | None:
    """Where the host part of a request target in absolute form (``http://host/path``) starts, just after its
    ``://``; None for a target in origin form (``/path``) or any other without a ``://``."""
    if url[:1] == b"/" or (sep := url.find(b"://")) == -1:
        return None
    return sep + 3


def _first_of(url: bytes, start: int, stops: bytes) -> int:
    """The index of the first of the bytes ``stops`` in ``url`` from ``start`` on, else ``len(url)``."""
    found = [i for i in (url.find(stop, start) for stop in (bytes([b]) for b in stops)) if i != -1]
    return min(found, default=len(url))


def with_path(url: bytes) -> bytes:
    """A request target in absolute form without a path (``http://host``, ``http://host?q=1``) with the path ``/``
    that it means (RFC 9110 4.2.3: an empty path is ``/``); any other target as sent.

    Why: uvicorn reads the target's path as None there, and its ``.decode()`` failing was answered 400 "the request
    is not valid HTTP/1.1 ('NoneType' object has no attribute 'decode')", a Python error, for a valid request.
    """
    if (start := _authority_start(url)) is None:
        return url
    end = _first_of(url, start, b"/?")
    return url if url[end:end + 1] == b"/" else url[:end] + b"/" + url[end:]


def target_error(url: bytes) -> str | None:
    """Why a request target in absolute form is refused: a scheme other than http/https, or user information
    (``user:password@``) before the host; ``None`` for any other target.

    Why: both were served as their path (``GET ftp://host/health`` 200), yet RFC 9110 4.2.4 has a recipient treat
    userinfo as an error (it carries a password in the clear), and this server speaks only http. The userinfo is
    not repeated.
    """
    if (start := _authority_start(url)) is None:
        return None
    scheme = url[:start - 3].decode("latin-1")
    if scheme.lower() not in ("http", "https"):
        return (f"the request target's scheme {clipped(scheme, ECHO_LIMIT)!r} is not served here: send the path, "
                "such as /health, or an http:// URL")
    if b"@" in url[start:_first_of(url, start, b"/?#")]:
        return ("the request target carries user information (user:password@) before the host, which RFC 9110 "
                "4.2.4 forbids: send the path, such as /health, and credentials in the Authorization header")
    return None
