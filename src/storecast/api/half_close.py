"""Whether a client that sent its EOF during a request has gone, or only shut its sending side (``nc -N``).

Why: TCP says the same (a FIN) when a browser closes the socket of a cancelled fetch and when a client shuts only
its sending side once the request is out, which HTTP/1.1 allows; the planner's queue took both as gone, so a
half-closing client of ``/plan`` got a 499 without a body. The two differ in what they do with a byte sent to them: a
socket closed whole answers it with a reset, a half-closed one reads it. So the first time the planner asks, the
server sends an interim ``100 Continue`` (RFC 9110 15.2: a client must read a 1xx it did not ask for, before the
answer), and each later time reads the socket's error, which the reset sets. An HTTP/1.0 client must get no 1xx, so
there the EOF still counts as gone, as before.

What it cannot see, left so: a client that half-closes, reads the ``100 Continue`` and only later closes whole is
taken as there until its answer is ready. Its close sends nothing: its FIN went with the half-close, and a socket
whose received bytes were all read closes without a reset. So the server's socket reads as a half-closed one's,
checked on Linux 6.18 over loopback before and after such a close: ``poll`` says IN|OUT|RDHUP (no HUP, no ERR),
``SO_ERROR`` is 0, a ``recv`` with MSG_PEEK|MSG_DONTWAIT returns b"" (the EOF, not a reset), the TCP state is
CLOSE_WAIT. Only a byte written after the close draws the reset; keep-alive probes carry none and are answered by
the client's kernel, which keeps the closed socket in FIN_WAIT_2 for ``tcp_fin_timeout`` (60 s). Writing a 1xx again
at each check would tell, but a client that stays would read one interim answer per check, and Go's ``net/http``
refuses more than 5 (``max1xxResponses``); what it would save is one job run to its end for nobody (a ranking:
1-2 s on Rossmann's 1,115 stores), which holds one of ``MAX_RANKINGS`` places meanwhile.
"""

from __future__ import annotations

__all__ = ["ClientEOF"]

import socket
from typing import Any

_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


class ClientEOF:
    """The EOF a client sent during a request (``HeaderGuardProtocol.eof_received``), asked in the event loop."""

    def __init__(self, transport: Any, cycle: Any) -> None:
        self._transport, self._cycle = transport, cycle
        self._asked = False  # the 100 Continue is sent
        self._reset = False

    def gone(self) -> bool:
        """Whether the client has closed its socket whole (it reset the connection on the 100 Continue sent).

        False until the reset comes: the first call sends the 100 Continue, the next ones read the socket's error
        (one round trip later on a closed socket; never on a half-closed one, which reads the answer as usual).
        """
        if self._reset or self._transport.is_closing():
            return True
        if not self._asked:
            if self._cycle.scope.get("http_version") != "1.1" or self._cycle.response_started:
                self._reset = True  # no 1xx may be sent: the EOF counts as gone, as before
                return True
            self._transport.write(_CONTINUE)
            self._cycle.waiting_for_100_continue = False  # uvicorn sends no second one for an `Expect: 100-continue`
            self._asked = True
            return False
        sock = self._transport.get_extra_info("socket")
        self._reset = sock is None or sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0
        return self._reset
