"""Who comes to the demo appointments: each provider's panel (their primary-care patients of
the right age: children for pediatrics, adults for internal medicine and the specialists),
patients never seen before for new-patient visits, a small cohort per provider for injection
series, and a few patients in the habit of missing visits. Tracks who is established (a
completed visit) and how often each patient missed, as the calendar is written day by day."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

from medoffice.core.demo import DemoContext
from medoffice.patients.models import Patient
from medoffice.scheduling.demo import ProviderPlan, SchedulingDemo


class PatientPanels:
    def __init__(self, ctx: DemoContext, demo: SchedulingDemo, today: date) -> None:
        self.today = today
        self.last_completed: dict[int, date] = {}  # who is an established patient
        self.no_shows: Counter[int] = Counter()
        self.injection_cohort: dict[int, list[list[int]]] = {}  # provider -> [patient, visits left]
        rng = ctx.rng
        children, adults, everyone, inactive = [], [], [], set()
        pcp: dict[int, list[int]] = {}
        cutoff = (
            self.today.replace(year=self.today.year - 18)
            if not (self.today.month == 2 and self.today.day == 29)
            else self.today - timedelta(days=18 * 365)
        )
        rows = Patient.objects.filter(status__in=["active", "inactive"]).order_by("pk")
        for pk, birth, status, provider_user in rows.values_list(
            "pk", "birth_date", "status", "primary_care_provider_id"
        ):
            (children if birth > cutoff else adults).append(pk)
            everyone.append(pk)
            if status == "inactive":
                inactive.add(pk)
            if provider_user:
                pcp.setdefault(provider_user, []).append(pk)
        self.pools = {"children": children, "adults": adults, "all": everyone}
        self.child = set(children)
        self.inactive = inactive
        self.habit = set(rng.sample(everyone, max(1, len(everyone) // 50)))  # miss visits often
        self.panels: dict[int, list[int]] = {}
        for plan in demo.providers:
            group = self.group(plan)
            mine = pcp.get(plan.user_id, [])
            self.panels[plan.pk] = [
                p for p in mine if group == "all" or (p in self.child) == (group == "children")
            ]
        self.unseen = {}
        for group, pool in self.pools.items():
            order = list(pool)
            rng.shuffle(order)
            self.unseen[group] = order

    @staticmethod
    def group(plan: ProviderPlan) -> str:
        return {"PEDS": "children", "FM": "all"}.get(plan.department_code, "adults")

    def pick(
        self, rng: random.Random, plan: ProviderPlan, code: str, day: date, used: set[int]
    ) -> int | None:
        group = self.group(plan)
        recent = (self.today - day).days < 180
        if code == "new":
            pool = self.unseen[group]
            while pool:
                pid = pool.pop()
                if pid in used or pid in self.last_completed or (recent and pid in self.inactive):
                    continue
                self.panels[plan.pk].append(pid)
                return pid
            return None
        if code == "injection":
            cohort = self.injection_cohort.setdefault(plan.pk, [])
            if len(cohort) < 6 or rng.random() < 0.1:
                pid = self.pick(rng, plan, "office", day, used)
                if pid is not None:
                    cohort.append([pid, rng.randrange(3, 6)])
            for _ in range(4):
                member = rng.choice(cohort) if cohort else None
                if member and member[0] not in used:
                    member[1] -= 1
                    if member[1] <= 0:
                        cohort.remove(member)
                    return member[0]
            return None
        panel = self.panels[plan.pk]
        for _ in range(20):
            source = panel if panel and rng.random() < 0.65 else self.pools[group]
            pid = source[int(rng.random() * len(source))]
            if pid not in used and not (recent and pid in self.inactive):
                return pid
        return None
