"""A request body spooled to a temporary file (every upload: pyramid_retry makes bodies
seekable) is closed when the application returns, not left to the garbage collector."""

from __future__ import annotations

import io
from urllib.parse import urlencode

from webob import Request


class _ServerStream:
    """What a server hands over: readable once, not seekable."""

    def __init__(self, data: bytes):
        self._data = io.BytesIO(data)

    def read(self, size=-1):
        return self._data.read(size)


def _post(app, size: int) -> dict:
    body = urlencode({"username": "x" * size, "password": "y"}).encode()
    request = Request.blank(
        "/login", method="POST", content_type="application/x-www-form-urlencoded"
    )
    request.environ.update({"wsgi.input": _ServerStream(body), "CONTENT_LENGTH": str(len(body))})
    request.is_body_seekable = False
    request.get_response(app)
    return request.environ


def test_a_spooled_upload_body_is_closed_after_the_request(app):
    body = _post(app, 50_000)["wsgi.input"]
    assert isinstance(body, io.BufferedRandom)  # spooled by webob for the retry policy
    assert body.closed


def test_a_small_body_is_left_alone(app):
    body = _post(app, 10)["wsgi.input"]
    assert not isinstance(body, io.BufferedRandom)
    assert not getattr(body, "closed", False)
