"""Timing helpers: interleaved samples, median and p95, and the printed table."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Samples:
    seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def p95(self) -> float:
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


def interleave(
    app: Callable[[int], object], base: Callable[[int], object], runs: int, warmup: int
) -> tuple[Samples, Samples]:
    """Run app and baseline alternately (swapping which goes first) so noise hits both alike."""
    for i in range(warmup):
        app(i)
        base(i)
    a, b = Samples(), Samples()
    for i in range(runs):
        order = [(a, app), (b, base)] if i % 2 == 0 else [(b, base), (a, app)]
        for samples, fn in order:
            start = time.perf_counter()
            fn(i)
            samples.seconds.append(time.perf_counter() - start)
    return a, b


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


@dataclass
class Row:
    benchmark: str
    project: str
    baseline: str
    ratio: str


def timing_row(name: str, app: Samples, base: Samples) -> list[Row]:
    return [
        Row(f"{name} — median", ms(app.median), ms(base.median), f"{app.median / base.median:.1f}×"),
        Row(f"{name} — p95", ms(app.p95), ms(base.p95), f"{app.p95 / base.p95:.1f}×"),
    ]


def print_table(rows: list[Row]) -> None:
    head = Row("benchmark", "project path", "baseline", "ratio")
    widths = [
        max(_width(getattr(r, col)) for r in [head, *rows])
        for col in ("benchmark", "project", "baseline", "ratio")
    ]
    for i, r in enumerate([head, *rows]):
        cells = [r.benchmark, r.project, r.baseline, r.ratio]
        say("  ".join(_pad(c, w, left=j == 0) for j, (c, w) in enumerate(zip(cells, widths, strict=True))))
        if i == 0:
            say("  ".join("-" * w for w in widths))


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int, *, left: bool) -> str:
    fill = " " * (width - _width(text))
    return text + fill if left else fill + text


def say(text: object = "", *, err: bool = False) -> None:
    """The benchmark's report goes to stdout; progress notes go to stderr."""
    stream = sys.stderr if err else sys.stdout
    stream.write(f"{text}\n")
    stream.flush()
