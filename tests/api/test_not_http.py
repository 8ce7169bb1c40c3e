"""``api.not_http``: what bytes the HTTP parser refused were, read from the read they came in."""

from __future__ import annotations

import time

from storecast.api.not_http import bad_header_line, parser_words


def test_a_header_line_is_found_and_named_among_the_heads_of_a_read():
    read = (b"POST /predict HTTP/1.1\r\nHost: t\r\nContent-Length: 9\r\n\r\n{\"a\"\n: 1}"  # a body is no head
            b"GET /health HTTP/1.1\r\nHost: t\r\nBad\r\n\r\n")
    assert bad_header_line(read) == "the header line 'Bad' has no colon: send each header as `Name: value`"


def test_a_read_of_one_long_word_is_scanned_in_linear_time():
    # the second read of a head (no request line in it) of 64 KiB of letters: the request-line pattern was tried from
    # every letter, each try running to the end of the word, about 30 s with the event loop blocked
    start = time.perf_counter()
    assert bad_header_line(b"a" * 65_536) is None
    assert parser_words("Invalid character in Content-Length", b"Content-Length:" + b" " * 65_536 + b"x") is not None
    assert time.perf_counter() - start < 2.0
