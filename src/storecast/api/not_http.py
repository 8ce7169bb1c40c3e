"""What a request the HTTP parser refused was, where it can be told: a method it does not know, a header line it
cannot take, a request line or Content-Length it cannot read, another protocol.

httptools refuses such bytes as not HTTP ("Invalid method encountered", "Pause on PRI/Upgrade"), words that say
neither what was sent nor what to change; ``protocol.HeaderGuardProtocol.send_400_response`` asks here first.
"""

from __future__ import annotations

__all__ = ["HEADER_ERRORS", "OPENING_KEPT", "bad_header_line", "known_method", "other_protocol", "parser_words",
           "unknown_method"]

import re

from storecast.errors import ECHO_LIMIT, clipped

# A request line whose method is a token (RFC 9110 5.6.2), at the start of a line of a read: whole, or the read's end
_METHOD_LINE = re.compile(rb"(?:^|\n)\r?\n?([!#$%&'*+.^_`|~0-9A-Za-z-]{1,32})"
                          rb"(?: \S+ HTTP/\d\.\d\r?(\n)| [^\r\n]*\Z|\Z)")
# The methods the routes take, as the refusal of another names them
_TAKEN = "GET, HEAD and POST"


def known_method(method: bytes) -> bool:
    """Whether httptools takes ``method`` (its parser knows a fixed list: GET, PROPFIND, M-SEARCH, ...)."""
    import httptools  # only the httptools parser refuses a method, so it is there whenever this is asked

    try:
        httptools.HttpRequestParser(None).feed_data(method + b" / HTTP/1.1\r\n\r\n")
    except httptools.HttpParserError:
        return False
    return True


def unknown_method(data: bytes, whole_line: bool) -> str | None:
    """Why the first request line in ``data`` with a method httptools does not know is refused (a 400), or None
    where no such line is found (``P@ST`` is no token: bytes that are not HTTP, a 400). ``whole_line``: only a line
    that ends in ``HTTP/x.y``, as one pipelined behind an answered request must (other bytes there are the rest of
    a body that ran past its Content-Length).

    Why: httptools refuses such a request as bytes that are not HTTP, so ``FOO /health`` and ``get /health`` were
    400 "not valid HTTP/1.1 (Invalid method encountered)", naming neither the method nor that methods are
    case-sensitive. Still 400, where RFC 9110 (9.1) would have a method the server does not implement be 501: a 5xx
    reads as the server's fault to every monitor and client retry, and here the request is what is wrong.
    """
    for line in _METHOD_LINE.finditer(data):
        method = line.group(1)
        if (whole_line and line.group(2) is None) or known_method(method):
            continue
        sent = method.decode("ascii")
        if method.upper() != method and known_method(method.upper()):
            return (f"the method {sent!r} is not implemented here: methods are case-sensitive (RFC 9110 9.1), "
                    f"send {sent.upper()}")
        return (f"the method {sent!r} is not implemented here (RFC 9110 9.1): the routes take {_TAKEN} "
                "(GET /openapi.json lists them)")
    return None


# What a connection opens with when it speaks another protocol than HTTP/1.x, and what to change: the byte strings
# that begin it (a PROXY protocol v1 or v2 header, the HTTP/2 preface, a TLS handshake record) and the refusal.
_OTHER_PROTOCOLS = (
    ((b"PROXY ", b"\r\n\r\n\x00\r\nQUIT\n"),
     "the connection began with a PROXY protocol header (a load balancer's send-proxy), which this server does not "
     "read: turn the PROXY protocol off for this backend"),
    ((b"PRI * HTTP/2.0\r\n",),
     "the connection began with the HTTP/2 preface (PRI * HTTP/2.0), and this server speaks HTTP/1.1 only: send "
     "HTTP/1.1 (curl: --http1.1 rather than --http2-prior-knowledge)"),
    ((b"\x16\x03",),
     "the connection began with a TLS handshake (an https:// URL?), and this server speaks plain HTTP: send the "
     "request to its http:// URL, or put a TLS proxy in front of it"),
)
OPENING_KEPT = 16  # bytes of a connection's opening kept to tell those apart


def other_protocol(opening: bytes) -> str | None:
    """The refusal of a connection that ``opening`` (its first bytes) shows to speak another protocol, else None.

    Why: the parser refused each as bytes that are not HTTP, "Invalid method encountered" (or, for the HTTP/2
    preface, llhttp's "Pause on PRI/Upgrade"), which says neither what was sent nor what to change: a load balancer
    set to send the PROXY protocol, or a client speaking HTTP/2 or TLS to a plain HTTP/1.1 port.
    """
    return next((why for starts, why in _OTHER_PROTOCOLS if opening.startswith(starts)), None)


# The parser's words for a header line it refused (llhttp): bad_header_line names the line instead.
HEADER_ERRORS = frozenset({"Invalid header token", "Unexpected whitespace after header value",
                           "Invalid header value char", "Missing expected CR after header value",
                           "Missing expected LF after header value"})
_TOKEN = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# A request line (its head runs to the first blank line after it), where a line begins or, pipelined, a body ends.
# Its method starts a word (the lookbehind): tried from every letter of a long word, the scan was quadratic.
_REQUEST_LINE = re.compile(rb"(?<![!#$%&'*+.^_`|~0-9A-Za-z-])[!#$%&'*+.^_`|~0-9A-Za-z-]+ \S+ HTTP/\d\.\d\r\n")
_CONTROL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")  # what no field value holds (RFC 9110 5.5): CTLs but HTAB


def _shown(raw: bytes) -> str:
    return clipped(raw.decode("utf-8", "backslashreplace"), ECHO_LIMIT)


def _line_problem(line: bytes) -> str | None:
    """Why a header line (without its CRLF) is refused, or None for a valid one."""
    if line[:1] in (b" ", b"\t"):
        return (f"the header line {_shown(line)!r} begins with whitespace: a continuation of the line before "
                "(obs-fold), which RFC 9112 5.2 refuses: send each header on one line")
    first, lf, _ = line.partition(b"\n")
    if lf:
        return f"the header line {_shown(first)!r} ends in a bare LF: end each header line with CRLF (RFC 9112 2.2)"
    name, colon, value = line.partition(b":")
    bare = name.rstrip(b" \t")
    if not colon:
        return f"the header line {_shown(line)!r} has no colon: send each header as `Name: value`"
    if not name:
        return f"the header line {_shown(line)!r} has no name before its colon: send each header as `Name: value`"
    if bare != name and _TOKEN.fullmatch(bare):
        return (f"the header name {_shown(name)!r} ends in whitespace before its colon, which RFC 9112 5.1 refuses: "
                f"send `{_shown(bare)}: <value>`")
    if not _TOKEN.fullmatch(name):
        return (f"the header name {_shown(name)!r} holds a character that no header name may (RFC 9110 5.1 takes "
                "letters, digits and !#$%&'*+-.^_`|~): send the header under a name without it")
    if (control := _CONTROL.search(value)) is not None:
        return (f"the value of the header {_shown(name)} holds the control character {chr(control[0][0])!r}, which "
                "no header value may (RFC 9110 5.5): send it without")
    return None


def bad_header_line(data: bytes) -> str | None:
    """Why the first header line that the parser cannot have taken, in the heads that begin in ``data`` (a read), is
    refused; None where there is none (a head that began in an earlier read: the parser's own words stand).

    Why: llhttp's words ("Invalid header token", "Unexpected whitespace after header value") name no header, so a
    client with one bad line among twenty could not tell which; for an obs-fold RFC 9112 (5.2) asks for an answer
    "explaining that obsolete line folding is unacceptable". Only heads are read (from a request line to the blank
    line), not bodies between them.
    """
    for start in _REQUEST_LINE.finditer(data):
        end = data.find(b"\r\n\r\n", start.end() - 2)
        for line in data[start.end():len(data) if end == -1 else end].split(b"\r\n"):
            if (why := _line_problem(line)) is not None:
                return why
    return None


_URL_BYTE = ("the request target holds a character that a URL cannot: a space, a tab, a control character or a byte "
             "over 0x7F (such as é) sent as it is: percent-encode it (a space is %20, é is %C3%A9)")
_REQUEST_LINE_SHAPE = ("the request line is not `<METHOD> <target> HTTP/1.1`: the target ends at its first space, so a "
                       "space inside it must be sent as %20, and the version is HTTP/1.1 in capitals")
# llhttp's words for a request line it refused, and what to send instead
_PARSER_WORDS = {
    "Invalid char in url path": _URL_BYTE, "Invalid char in url query": _URL_BYTE,
    "Invalid characters in url": _URL_BYTE, "Invalid char in url fragment start": _URL_BYTE,
    "Expected HTTP/, RTSP/ or ICE/": _REQUEST_LINE_SHAPE,
}
_LENGTH_ERRORS = ("Invalid character in Content-Length", "Empty Content-Length")
_LENGTH_LINE = re.compile(rb"(?im)^content-length:([^\r\n]*)")


def parser_words(reason: str, data: bytes) -> str | None:
    """What to send instead of a request line or Content-Length that llhttp refused with ``reason`` (its words), the
    length quoted from ``data`` (the read); None for other reasons.

    Why: llhttp's words stood alone: "Invalid char in url path" for an ``é`` sent unencoded, "Expected HTTP/, RTSP/ or
    ICE/" for a space in the path, "Invalid character in Content-Length" for ``+2``, saying neither the value nor
    what to send.
    """
    if reason in _LENGTH_ERRORS:
        length = next((value for m in _LENGTH_LINE.finditer(data) if not (value := m[1].strip(b" \t")).isdigit()),
                      None)
        if length is None:
            return None
        return (f"the Content-Length {clipped(length.decode('utf-8', 'backslashreplace'), ECHO_LIMIT)!r} is not a "
                "number of bytes: send the body's length in digits only, such as `Content-Length: 42` (RFC 9110 8.6)")
    return _PARSER_WORDS.get(reason)
