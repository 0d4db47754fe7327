"""WSGI-level care around the Pyramid application.

pyramid_retry makes every request body seekable, so that a retried attempt can read it again;
webob spools a body over 10 KB (every upload) to an anonymous temporary file and leaves that
file to the garbage collector. Once the application has returned, every attempt is over:
close the file then, so a worker never holds a descriptor per upload for longer.
"""

from __future__ import annotations

import io


class ClosingSpooledBodies:
    """The Pyramid router, wrapped; its attributes (`registry`, `routes_mapper`, ...) stay
    reachable for scripts and tests."""

    def __init__(self, router):
        self.router = router

    def __getattr__(self, name):
        return getattr(self.router, name)

    def __call__(self, environ, start_response):
        try:
            return self.router(environ, start_response)
        finally:
            body = environ.get("wsgi.input")
            if environ.get("webob.is_body_seekable") and isinstance(body, io.BufferedRandom):
                body.close()
