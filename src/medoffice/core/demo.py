"""The demo practice: a deterministic synthetic office, small for trying and tests, large for
benchmarks. Each app contributes steps in its own `demo.py` (a `STEPS` list); they run in order.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from django.utils.module_loading import autodiscover_modules
from faker import Faker
from tqdm import tqdm

T = TypeVar("T")


@dataclass(frozen=True)
class DemoSize:
    name: str
    locations: int
    providers: int
    staff_per_role: int
    patients: int
    years_of_history: int
    visits_per_provider_day: int


SIZES = {
    "small": DemoSize(
        "small",
        locations=2,
        providers=4,
        staff_per_role=1,
        patients=300,
        years_of_history=1,
        visits_per_provider_day=3,
    ),
    "large": DemoSize(
        "large",
        locations=3,
        providers=40,
        staff_per_role=4,
        patients=150_000,
        years_of_history=3,
        visits_per_provider_day=16,
    ),
}


@dataclass
class DemoContext:
    size: DemoSize
    seed: int
    password: str
    quiet: bool = False
    rng: random.Random = field(init=False)
    fake: Faker = field(init=False)
    shared: dict[str, Any] = field(default_factory=dict)  # what steps hand to later steps

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.fake = Faker("en_US")
        self.fake.seed_instance(self.seed)

    def progress(
        self, iterable: Iterable[T], *, total: int | None = None, desc: str = ""
    ) -> Iterator[T]:
        return iter(
            tqdm(iterable, total=total, desc=desc, disable=self.quiet, unit="row", leave=False)
        )

    @staticmethod
    def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
        for start in range(0, len(items), size):
            yield items[start : start + size]


@dataclass(frozen=True)
class DemoStep:
    name: str
    order: int
    run: Callable[[DemoContext], str]  # returns a one-line summary


@contextlib.contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """Run the real services as if at `moment` (aware): the demo's history is written by them
    on the day the work happened, so journals, status changes and audit entries carry that
    day. Django's `timezone.now` (which `localdate` and auto_now read) answers `moment`."""
    from django.utils import timezone as tz

    real = tz.now
    tz.now = lambda: moment  # type: ignore[assignment]
    try:
        yield
    finally:
        tz.now = real  # type: ignore[assignment]


def steps() -> list[DemoStep]:
    autodiscover_modules("demo")
    from django.apps import apps

    found: list[DemoStep] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("medoffice."):
            continue
        module = getattr(config.module, "demo", None)
        found.extend(getattr(module, "STEPS", []))
    return sorted(found, key=lambda s: s.order)
