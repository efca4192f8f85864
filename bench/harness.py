"""The benchmark toolkit: a registry of named benchmarks, timing with warm-up, result rows.

A benchmark is a function in a module under bench/benchmarks/, registered by name:

    from harness import Run, benchmark

    @benchmark("login_page", target="p95 < 50 ms")
    def login_page(run: Run):
        client = Client()
        return run.result(run.measure(lambda: client.get("/accounts/login/"), n=200))

It runs inside a Django process configured against the benchmark database (see worker.py)
and returns one result row or a list of them. Targets of the form `p50 < N ms` or
`p95 < N ms` are checked automatically; otherwise pass `passed=` to `run.result`.
"""

from __future__ import annotations

import gc
import math
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

BenchmarkFunc = Callable[["Run"], "Result | list[Result]"]


@dataclass(frozen=True)
class Benchmark:
    name: str
    func: BenchmarkFunc
    target: str
    description: str


REGISTRY: dict[str, Benchmark] = {}


def benchmark(name: str, *, target: str = "", description: str = "") -> Callable[[Any], Any]:
    """Register a benchmark function under `name` (unique across all modules)."""

    def register(func: BenchmarkFunc) -> BenchmarkFunc:
        if name in REGISTRY:
            raise ValueError(f"benchmark {name!r} is registered twice")
        doc = (func.__doc__ or "").strip().splitlines()
        REGISTRY[name] = Benchmark(name, func, target, description or (doc[0] if doc else ""))
        return func

    return register


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


@dataclass
class Timing:
    """Wall-clock durations of repeated calls, in seconds."""

    samples: list[float]

    @property
    def n(self) -> int:
        return len(self.samples)

    @property
    def total_s(self) -> float:
        return sum(self.samples)

    def _ms(self, fraction: float) -> float:
        return percentile(sorted(self.samples), fraction) * 1000

    @property
    def p50_ms(self) -> float:
        return self._ms(0.50)

    @property
    def p95_ms(self) -> float:
        return self._ms(0.95)

    @property
    def max_ms(self) -> float:
        return max(self.samples) * 1000 if self.samples else math.nan

    @property
    def mean_ms(self) -> float:
        return self.total_s / self.n * 1000 if self.samples else math.nan

    def per_second(self, items_per_call: float = 1) -> float:
        """Throughput: items handled per second of measured time."""
        return self.n * items_per_call / self.total_s if self.total_s else math.nan

    def __add__(self, other: Timing) -> Timing:
        return Timing(self.samples + other.samples)


def measure(
    func: Callable[[], Any],
    *,
    n: int,
    warmup: int = 5,
    setup: Callable[[], Any] | None = None,
    budget_s: float | None = None,
    min_n: int = 20,
) -> Timing:
    """Call `func` `warmup` times untimed, then `n` times timed with time.perf_counter.

    `setup`, when given, runs untimed before every call. `budget_s` caps the timed part: when
    the warm-up calls say `n` calls would take longer, fewer are made (never under `min_n`), so
    a benchmark stays bounded as the dataset grows.
    """
    warmup_s = []
    for _ in range(warmup):
        if setup:
            setup()
        started = time.perf_counter()
        func()
        warmup_s.append(time.perf_counter() - started)
    if budget_s and warmup_s:
        per_call = sorted(warmup_s)[len(warmup_s) // 2]
        if per_call * n > budget_s:
            n = max(min_n, int(budget_s / per_call))
    gc.collect()
    samples = []
    for _ in range(n):
        if setup:
            setup()
        started = time.perf_counter()
        func()
        samples.append(time.perf_counter() - started)
    return Timing(samples)


@dataclass
class Result:
    """One row of the results table."""

    benchmark: str
    database: str = ""
    n: int = 0
    p50_ms: float | None = None
    p95_ms: float | None = None
    max_ms: float | None = None
    throughput: float | None = None
    throughput_unit: str = ""
    note: str = ""
    target: str = ""
    passed: bool | None = None
    seconds: float = 0.0  # wall time of the whole benchmark
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


_TARGET = re.compile(r"^\s*p(50|95)\s*<\s*([\d.]+)\s*ms\s*$")


def check_target(target: str, timing: Timing) -> bool | None:
    """Evaluate `p50 < N ms` / `p95 < N ms` targets; None for anything else."""
    match = _TARGET.match(target)
    if not match:
        return None
    value = timing.p50_ms if match.group(1) == "50" else timing.p95_ms
    return value < float(match.group(2))


@dataclass
class Run:
    """What a benchmark function gets: where it runs, and helpers to report."""

    name: str
    target: str
    database: str  # "sqlite" or "postgres"
    size: str  # the demo dataset size
    dataset: dict[str, Any] = field(default_factory=dict)  # facts dataset.py recorded

    measure = staticmethod(measure)

    def result(
        self,
        timing: Timing | None = None,
        *,
        name: str | None = None,
        items_per_call: float = 1,
        throughput_unit: str = "ops/s",
        throughput: bool = True,
        note: str = "",
        target: str | None = None,
        passed: bool | None = None,
        **extra: Any,
    ) -> Result:
        target = self.target if target is None else target
        row = Result(
            benchmark=name or self.name,
            database=self.database,
            note=note,
            target=target,
            passed=passed,
            extra=extra,
        )
        if timing is not None:
            row.n = timing.n
            row.p50_ms = timing.p50_ms
            row.p95_ms = timing.p95_ms
            row.max_ms = timing.max_ms
            if throughput:
                row.throughput = timing.per_second(items_per_call)
                row.throughput_unit = throughput_unit
            if passed is None:
                row.passed = check_target(target, timing)
        return row
