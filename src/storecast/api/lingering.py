"""Closing a connection refused mid-request without a reset, so the client reads the refusal.

Why: a server that closes its socket while the client's bytes are still unread makes the kernel send a reset
(RST), and a reset can discard the answer before the client has read it. A client that sends a 1 MB URL in one
write got "connection reset by peer" instead of the 414 written for it. Lingering (RFC 9112 9.6) is what nginx
and Apache do: stop sending (EOF), read and drop what the client still sends, close at its EOF or after a short
wait.
"""

from __future__ import annotations

__all__ = ["LINGER_S", "linger_close"]

import asyncio
from typing import Any

# How long a refused connection may go on sending before it is closed anyway.
LINGER_S = 2.0


class _Drain(asyncio.Protocol):
    """The protocol of a refused connection: drops what arrives, closes at the client's EOF or after ``LINGER_S``."""

    def __init__(self, owner: asyncio.BaseProtocol, transport: asyncio.Transport,
                 loop: asyncio.AbstractEventLoop) -> None:
        self._owner = owner
        self._timer = loop.call_later(LINGER_S, transport.close)

    def data_received(self, data: bytes) -> None:
        """Dropped: the connection has been answered."""

    def eof_received(self) -> bool:
        return False  # the transport closes itself

    def connection_lost(self, exc: Exception | None) -> None:
        self._timer.cancel()
        self._owner.connection_lost(exc)  # the server's protocol keeps its books (its set of connections)


def linger_close(owner: Any, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
    """Close ``transport`` once the client has stopped sending, handing its reads to a drain meanwhile.

    Only for a connection whose answer is fully written and on which no request is being served: ``owner``
    (the server's protocol) gets no more data, only ``connection_lost``.
    """
    if not transport.can_write_eof():
        transport.close()
        return
    transport.write_eof()
    transport.set_protocol(_Drain(owner, transport, loop))
