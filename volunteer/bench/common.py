"""What every bench section shares: the run context, result rows, timing statistics (median,
p95), in-process WSGI timing against a bare Pyramid view measured in the same run, SQL
statement counting, memory figures and the result table."""

from __future__ import annotations

import contextlib
import gc
import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa
from pyramid.config import Configurator
from pyramid.response import Response
from webob import Request


@dataclass
class Context:
    """One engine's run: where its database lives and how big and how long to measure."""

    engine: str  # "sqlite" or "postgresql"
    ini: str
    settings: dict
    scale: float = 1.0
    requests: int = 200
    show_sql: bool = False
    pg_url: str | None = None  # server URL; sections pick their own database on it
    var_dir: str = "var"
    baseline_app: Callable = field(default=None, repr=False)

    def scaled(self, full_size: int, minimum: int = 1) -> int:
        return max(minimum, round(full_size * self.scale))


@dataclass
class Row:
    section: str
    engine: str
    name: str
    n: int | None = None
    median_ms: float | None = None
    p95_ms: float | None = None
    ratio: float | None = None  # median / bare-view median, same run
    ratio_p95: float | None = None  # p95 / bare-view p95, same run
    statements: float | None = None  # SQL statements per request
    note: str = ""


@dataclass
class Timing:
    samples: list[float]  # seconds

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples) * 1000

    @property
    def p95_ms(self) -> float:
        return percentile(self.samples, 95) * 1000


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile: the smallest sample with at least q% of samples at or below."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil without floats drifting
    return ordered[int(rank) - 1]


def bare_app():
    """The baseline: Pyramid with one route and a view returning a tiny Response."""
    with Configurator() as config:
        config.add_route("bare", "/bare")
        config.add_view(lambda request: Response("ok"), route_name="bare")
    return config.make_wsgi_app()


def environ_for(path: str, cookie: str | None = None) -> dict:
    headers = {"Host": "bench.local"}
    if cookie:
        headers["Cookie"] = cookie
    return Request.blank(path, headers=headers).environ


def call_wsgi(app, environ: dict) -> tuple[str, bytes]:
    """Serve one request in-process and consume the whole body, as a server would."""
    status_holder: list[str] = []

    def start_response(status, headers, exc_info=None):
        status_holder.append(status)
        return lambda data: None

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return status_holder[0], body


def compare(app, environs: Callable[[int], dict], baseline, n: int, warmup: int = 10):
    """Time `n` requests to `app`, each followed by one to the bare `baseline` app, so both
    see the same machine noise. Returns (page Timing, baseline Timing)."""
    for i in range(warmup):
        _expect_ok(app, environs(i))
        call_wsgi(baseline, environ_for("/bare"))
    page, bare = [], []
    for i in range(n):
        environ, bare_environ = environs(i), environ_for("/bare")
        started = time.perf_counter()
        status, body = call_wsgi(app, environ)
        page.append(time.perf_counter() - started)
        if not status.startswith("200"):
            raise RuntimeError(f"{environ['PATH_INFO']} answered {status}: {body[:200]!r}")
        started = time.perf_counter()
        call_wsgi(baseline, bare_environ)
        bare.append(time.perf_counter() - started)
    return Timing(page), Timing(bare)


def _expect_ok(app, environ: dict) -> bytes:
    status, body = call_wsgi(app, environ)
    if not status.startswith("200"):
        raise RuntimeError(f"{environ['PATH_INFO']} answered {status}: {body[:200]!r}")
    return body


def timed_row(section, ctx: Context, name: str, page: Timing, bare: Timing, **extra) -> Row:
    return Row(
        section,
        ctx.engine,
        name,
        n=len(page.samples),
        median_ms=page.median_ms,
        p95_ms=page.p95_ms,
        ratio=page.median_ms / bare.median_ms,
        ratio_p95=page.p95_ms / bare.p95_ms,
        **extra,
    )


@contextlib.contextmanager
def statements(engine: sa.Engine) -> Iterator[list[tuple[str, object]]]:
    """Collect (SQL, parameters) of every statement the engine executes inside the block."""
    seen: list[tuple[str, object]] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def python_peak_mb(fn: Callable[[], object]) -> tuple[object, float]:
    """Run `fn` under tracemalloc: (its result, peak Python allocation in MB). Slow; use it
    for memory questions, never around timed code."""
    gc.collect()
    tracemalloc.start()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak / 1024 / 1024


COLUMNS = [
    ("section", "section", "{}"),
    ("engine", "engine", "{}"),
    ("name", "measurement", "{}"),
    ("n", "n", "{}"),
    ("median_ms", "median ms", "{:.2f}"),
    ("p95_ms", "p95 ms", "{:.2f}"),
    ("ratio", "×bare med", "{:.1f}"),
    ("ratio_p95", "×bare p95", "{:.1f}"),
    ("statements", "SQL/req", "{:.1f}"),
    ("note", "note", "{}"),
]


def format_table(rows: list[Row]) -> str:
    header = [title for _, title, _ in COLUMNS]
    body = [
        [
            "" if getattr(row, key) in (None, "") else fmt.format(getattr(row, key))
            for key, _, fmt in COLUMNS
        ]
        for row in rows
    ]
    widths = [max(_width(c) for c in column) for column in zip(header, *body, strict=True)]
    lines = [_line(header, widths), "  ".join("-" * w for w in widths)]
    lines += [_line(cells, widths) for cells in body]
    return "\n".join(lines)


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _line(cells: list[str], widths: list[int]) -> str:
    return "  ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths, strict=True))
