"""Demo appointments: the history of every provider's calendar, back the demo's years and about
four weeks ahead, generated day by day on the materialized availability blocks.

Each provider-day is filled in time order on 5-minute marks inside the blocks, leaving random
gaps (unbooked time), so no two active appointments of a provider overlap; a patient has at
most one active appointment a day, and a procedure room or an ECG cart is shared by the
location's providers through per-day occupancy masks. What happened to each booking follows:

- booked 0-90 days ahead (the lead time depends on the type; future days hold only what is
  already booked today, so the calendar thins out further ahead);
- past visits are completed with the whole flow stamped (arrival about 10 minutes early, 5-25
  minutes in the lobby, roomed 5-15 minutes before the provider, who runs late as the day
  goes), or are no-shows: about 5 % when booked a few days ahead, about 15 % when booked a
  month or more ahead, more for patients who missed before and the few in the habit;
- about 10 % of bookings are cancelled (by the patient mostly, some late, under 24 hours; a
  freed slot is often booked again), a few percent were moved (rescheduled, pointing to the
  new appointment), now and then a provider calls in sick and the practice cancels the day;
- today's visits are wherever the clock says (arrived, roomed, with the provider, done);
- a few nurse visits are deliberately overbooked on a second layer.

Occupancy rows (what makes the database refuse a double booking) are written only for active
appointments from 30 days ago onward: older ones are never booked against again, and
`medoffice scheduling prune-occupancy --days 30` keeps it that way on a live system.

Randomness comes from one generator per day (seeded from the demo seed and the date), so the
history is reproducible and a decision that depends on the clock (today's flow) cannot shift
the other days.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any

from medoffice.core.demo import DemoContext
from medoffice.scheduling.demo import (
    TYPES,
    DemoBlock,
    ProviderPlan,
    SchedulingDemo,
)
from medoffice.scheduling.demo_insert import insert_objects
from medoffice.scheduling.demo_panels import PatientPanels
from medoffice.scheduling.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentStatus,
    Occupancy,
)

S = AppointmentStatus
BATCH = 2000
OCCUPANCY_DAYS = 30  # occupancy kept for active appointments that start at most this long ago
DAYS_AHEAD = 28
MINUTES = {spec.code: spec.minutes for spec in TYPES}
SPECS = {spec.code: spec for spec in TYPES}
# Lead time buckets (first day, last day, weight) by kind of visit.
LEADS = {
    "routine": [(0, 0, 10), (1, 3, 18), (4, 14, 32), (15, 45, 26), (46, 90, 14)],
    "planned": [(0, 0, 2), (1, 3, 6), (4, 14, 22), (15, 45, 40), (46, 90, 30)],
    "quick": [(0, 0, 25), (1, 3, 35), (4, 14, 30), (15, 45, 10)],
}
LEAD_KIND = {"physical": "planned", "new": "planned", "injection": "planned", "nurse": "quick",
             "telehealth": "quick"}  # fmt: skip
# Minutes with the provider (mean, spread) by type.
VISIT_LENGTH = {"office": (18, 5), "new": (35, 8), "physical": (27, 6), "telehealth": (12, 3), "nurse": (8, 3),
                "procedure": (34, 7), "injection": (22, 6), "ecg": (14, 4), "spirometry": (24, 5)}  # fmt: skip
REASONS = {
    "office": ["Follow-up of blood pressure", "Diabetes check", "Cough for a week", "Back pain", "Medication review",
               "Sore throat", "Anxiety follow-up", "Rash", "Knee pain", "Fatigue", "Ear pain", "Headaches"],
    "new": ["New patient: establish care", "New patient: transfer of care", "New patient: referred"],
    "physical": ["Annual physical", "Well visit", "Sports physical"],
    "telehealth": ["Video follow-up", "Lab results review", "Medication check-in"],
    "nurse": ["Blood pressure check", "Vaccine", "Injection", "Wound check"],
    "procedure": ["Skin lesion removal", "Mole biopsy", "Wart treatment"],
    "injection": ["Knee injection (series)", "Shoulder injection"],
    "ecg": ["ECG", "Palpitations: ECG"],
    "spirometry": ["Breathing test", "Asthma follow-up: spirometry"],
}  # fmt: skip
DESK_NOTES = ["Bring new insurance card", "Needs wheelchair", "Copay collected by phone", "Interpreter: Spanish",
              "Parent will accompany", "Prefers morning reminder call"]  # fmt: skip
PATIENT_CANCEL = ["Feeling better", "Work conflict", "No transportation", "Sick (not the visit's reason)",
                  "Scheduling conflict", "Weather", "Family emergency", "Going elsewhere"]  # fmt: skip
PRACTICE_CANCEL = ["Provider schedule change", "Insurance not active", "Booked in error"]


class Calendar:
    """Generates and inserts the appointments; keeps the running state across days."""

    def __init__(self, ctx: DemoContext, demo: SchedulingDemo) -> None:
        self.ctx, self.demo = ctx, demo
        self.now = demo.now
        self.today = self.now.astimezone(demo.zones[demo.providers[0].location_ids[0]]).date()
        self.occupancy_from = self.now - timedelta(days=OCCUPANCY_DAYS)
        self.type_ids = {code: t.pk for code, t in demo.types.items()}
        users = ctx.shared["users"]
        self.desk: dict[int, list[int]] = {}
        for location_id in demo.zones:
            desk = [u.pk for name, u in sorted(users.items()) if name.startswith("frontdesk")
                    and (name == "frontdesk" or u.primary_location_id == location_id)]  # fmt: skip
            self.desk[location_id] = desk or [users["frontdesk"].pk]
        self.patients = PatientPanels(ctx, demo, self.today)
        self.pending: list[Appointment] = []
        self.counts: Counter[str] = Counter()
        self.lead_noshow: dict[str, list[int]] = {"short": [0, 0], "long": [0, 0]}
        self.occupancy_rows = 0
        self.mixes: dict[int, tuple[list[str], list[int]]] = {}

    def _type(
        self, rng: random.Random, plan: ProviderPlan, block: DemoBlock, room_for: int
    ) -> str | None:
        if block.reserved is not None:
            codes = sorted(block.reserved)
            code = codes[int(rng.random() * len(codes))]
        else:
            codes, cumulative = self._mix(plan)
            code = rng.choices(codes, cum_weights=cumulative)[0]
            if code == "new" and not plan.accepts_new:
                code = "office"
        if MINUTES[code] > room_for:
            fitting = [c for c in ("office", "telehealth", "nurse") if MINUTES[c] <= room_for]
            code = fitting[0] if fitting and block.reserved is None else None
        return code

    def _mix(self, plan: ProviderPlan) -> tuple[list[str], list[int]]:
        if plan.pk not in self.mixes:
            codes = list(plan.mix)
            self.mixes[plan.pk] = (codes, list(itertools.accumulate(plan.mix[c] for c in codes)))
        return self.mixes[plan.pk]

    def _lead(self, rng: random.Random, code: str) -> int:
        buckets = LEADS[LEAD_KIND.get(code, "routine")]
        lo, hi, _ = rng.choices(buckets, [b[2] for b in buckets])[0]
        return lo + int(rng.random() * (hi - lo + 1))

    def _resources(
        self, code: str, location_id: int, start: int, minutes: int, masks: dict[str, int]
    ) -> list[str] | None:
        """Free room/equipment for the type at the location, as occupancy keys; None if busy."""
        spec = SPECS[code]
        wanted = []
        if spec.room_kind:
            wanted.append(
                [f"room:{pk}" for pk in self.demo.rooms[location_id].get(spec.room_kind, [])]
            )
        for kind in spec.equipment:
            wanted.append(
                [f"equipment:{pk}" for pk in self.demo.equipment[location_id].get(kind, [])]
            )
        mask = ((1 << (minutes // 5)) - 1) << (start // 5)
        held = []
        for candidates in wanted:
            free = next((key for key in candidates if not masks.get(key, 0) & mask), None)
            if free is None:
                return None
            held.append(free)
        for key in held:
            masks[key] = masks.get(key, 0) | mask
        return held

    # ----------------------------------------------------------------- one day
    def run(self) -> None:
        first = self.demo.first_day
        days = [
            first + timedelta(days=i) for i in range((self.today - first).days + DAYS_AHEAD + 1)
        ]
        for day in self.ctx.progress(days, desc="appointments"):
            rng = random.Random(f"{self.ctx.seed}:{day.isoformat()}")
            used: set[int] = set()
            masks: dict[str, int] = {}
            for plan in self.demo.providers:
                blocks = self.demo.blocks.get(plan.pk, {}).get(day)
                if blocks:
                    self._provider_day(rng, plan, day, blocks, used, masks)
            if len(self.pending) >= BATCH:
                self.flush()
        self.flush()

    def _provider_day(
        self,
        rng: random.Random,
        plan: ProviderPlan,
        day: date,
        blocks: list[DemoBlock],
        used: set[int],
        masks: dict[str, int],
    ) -> None:
        sick = rng.random() < 0.003 and day <= self.today
        overbook_draw = rng.random()
        open_minutes = sum(b.end_minute - b.start_minute for b in blocks)
        target = (
            self.ctx.size.visits_per_provider_day * open_minutes / 480 * rng.uniform(0.85, 1.15)
        )
        mix_minutes = sum(MINUTES[c] * w for c, w in plan.mix.items()) / sum(plan.mix.values())
        mean_gap = max(0.0, open_minutes - target * mix_minutes) / max(target, 1)
        state = {"provider_free": None}
        placed: list[Appointment] = []
        for block in blocks:
            cursor = block.start_minute
            while True:
                gap = 5 * int(
                    rng.random() * 2 * mean_gap * (1.6 if block.reserved else 1) / 5 + 0.5
                )
                gap_start, cursor = cursor, cursor + gap
                code = self._type(rng, plan, block, block.end_minute - cursor)
                if code is None:
                    break
                if block.reserved is None and gap >= 20 and rng.random() < 0.015 and not sick:
                    self._freed_slot(rng, plan, day, block, gap_start, used)
                held = self._resources(code, block.location_id, cursor, MINUTES[code], masks)
                if held is None and block.reserved is not None:
                    cursor += MINUTES[code]  # the room or device is taken: this slot stays open
                    continue
                if held is None:
                    code, held = "office", []
                    if cursor + MINUTES[code] > block.end_minute:
                        break
                made = self._booking(
                    rng,
                    plan,
                    day,
                    block.location_id,
                    cursor,
                    code,
                    used,
                    state,
                    sick=sick,
                    held=held,
                )
                if made is not None:
                    placed.append(made)
                cursor += MINUTES[code]
        if placed and overbook_draw < 0.02 and not sick:
            base = placed[int(rng.random() * len(placed))]
            local = base.start.astimezone(self.demo.zones[base.location_id])
            self._booking(rng, plan, day, base.location_id, local.hour * 60 + local.minute, "nurse", used,
                          {"provider_free": None}, overbooked=True, held=[])  # fmt: skip

    def _at(self, day: date, minute: int, location_id: int) -> datetime:
        zone = self.demo.zones[location_id]
        return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone).astimezone(
            self.now.tzinfo
        )

    def _created(
        self, rng: random.Random, start: datetime, lead: int, location_id: int
    ) -> datetime | None:
        """When a booking made `lead` days ahead was made; None if that is after now."""
        zone = self.demo.zones[location_id]
        booked_day = start.astimezone(zone).date() - timedelta(days=lead)
        if booked_day > self.today:
            return None
        created = datetime.combine(booked_day, time(8), tzinfo=zone) + timedelta(
            minutes=int(rng.random() * 540)
        )
        created = min(created, start - timedelta(minutes=20 + int(rng.random() * 90)))
        if created > self.now:
            created = self.now - timedelta(minutes=1 + int(rng.random() * 30))
        return created.astimezone(self.now.tzinfo)

    def _new(
        self,
        plan: ProviderPlan,
        location_id: int,
        patient_id: int,
        code: str,
        start: datetime,
        created: datetime,
        rng: random.Random,
    ) -> Appointment:
        note = DESK_NOTES[int(rng.random() * len(DESK_NOTES))] if rng.random() < 0.04 else ""
        reasons = REASONS[code]
        desk = self.desk[location_id]
        booked_by = desk[int(rng.random() * len(desk))] if rng.random() < 0.9 else plan.user_id
        appt = Appointment(
            patient_id=patient_id, provider_id=plan.pk, location_id=location_id, department_id=plan.department_id,
            type_id=self.type_ids[code], start=start, end=start + timedelta(minutes=MINUTES[code]),
            reason=reasons[int(rng.random() * len(reasons))], front_desk_note=note, booked_by_id=booked_by,
            created_at=created, updated_at=created,
        )  # fmt: skip
        appt._held = [f"provider:{plan.pk}", f"patient:{patient_id}"]  # type: ignore[attr-defined]
        return appt

    def _freed_slot(
        self,
        rng: random.Random,
        plan: ProviderPlan,
        day: date,
        block: DemoBlock,
        minute: int,
        used: set[int],
    ) -> None:
        """A booking in what is now a gap: cancelled (a third of them late) and not booked again."""
        start = self._at(day, minute, block.location_id)
        lead = self._lead(rng, "office")
        late, who, draw = rng.random() < 0.35, rng.random(), rng.random()
        patient = self.patients.pick(rng, plan, "office", day, used)
        created = self._created(rng, start, max(lead, 1), block.location_id)
        if patient is None or created is None:
            return
        appt = self._new(plan, block.location_id, patient, "office", start, created, rng)
        span = (start - created).total_seconds()
        if late:
            cancelled_at = start - timedelta(hours=1 + draw * 22)
        else:
            cancelled_at = created + timedelta(seconds=span * (0.1 + 0.7 * draw))
        if cancelled_at <= created or cancelled_at > self.now:
            if start <= self.now:
                return
            used.add(patient)  # not cancelled yet: still on the books
            self._emit(appt, S.SCHEDULED)
            return
        self._cancel(appt, cancelled_at, who < 0.82, rng)

    def _cancel(
        self,
        appt: Appointment,
        at: datetime,
        by_patient: bool,
        rng: random.Random,
        reason: str = "",
    ) -> None:
        reasons = PATIENT_CANCEL if by_patient else PRACTICE_CANCEL
        appt.cancelled_at = appt.updated_at = at
        appt.cancelled_by = "patient" if by_patient else "practice"
        appt.cancel_reason = reason or reasons[int(rng.random() * len(reasons))]
        appt.version = 2
        self._emit(appt, S.CANCELLED)

    def _booking(
        self,
        rng: random.Random,
        plan: ProviderPlan,
        day: date,
        location_id: int,
        minute: int,
        code: str,
        used: set[int],
        state: dict[str, Any],
        *,
        held: list[str],
        sick: bool = False,
        overbooked: bool = False,
    ) -> Appointment | None:
        """One booking that holds its slot, and what became of it."""
        start = self._at(day, minute, location_id)
        lead = self._lead(rng, "nurse" if overbooked else code)
        # Every draw is made whatever the branch, so a clock-dependent branch shifts nothing else.
        d = [rng.random() for _ in range(12)]
        arrive_offset = max(-35.0, min(20.0, rng.gauss(-10, 7)))
        length_mean, length_sd = VISIT_LENGTH[code]
        length = max(5.0, rng.gauss(length_mean, length_sd))
        created = self._created(rng, start, lead, location_id)
        if created is None:
            return None  # not booked yet
        patient = self.patients.pick(rng, plan, code, day, used)
        if patient is None:
            return None
        used.add(patient)
        appt = self._new(plan, location_id, patient, code, start, created, rng)
        appt.overbooked = overbooked
        appt._held += held  # type: ignore[attr-defined]
        for key in held:
            if key.startswith("room:"):
                appt.room_id = int(key.split(":")[1])
        if d[0] < 0.11 and not overbooked and not sick and code not in ("new", "injection"):
            self._rebooked_slot(rng, plan, location_id, code, start, appt, d[1])
        elif d[0] > 0.965 and not overbooked:
            self._moved_from(rng, plan, location_id, appt, d[1], d[2])
        lead_days = (start - appt.created_at).total_seconds() / 86400
        if d[3] < 0.72:
            confirm = start - timedelta(hours=20 + 50 * d[4])
            if appt.created_at + timedelta(minutes=30) < confirm <= self.now:
                appt.confirmed_at = appt.updated_at = confirm
        waiting = S.CONFIRMED if appt.confirmed_at else S.SCHEDULED
        if sick:
            zone = self.demo.zones[location_id]
            call = datetime.combine(day, time(6, 30), tzinfo=zone) + timedelta(
                minutes=int(d[5] * 60)
            )
            if appt.created_at < call <= self.now:
                self._cancel(appt, call, False, rng, "Provider out sick")
                return appt
        if day > self.today or start > self.now:
            self._emit(appt, waiting)
            return appt
        prior = self.patients.no_shows[patient]
        p_no_show = (
            0.04
            + 0.11 * min(lead_days, 60) / 60
            + 0.05 * min(prior, 3)
            + (0.2 if patient in self.patients.habit else 0)
        )
        if code == "telehealth":
            p_no_show *= 0.6
        if d[6] < min(p_no_show, 0.6):
            at = start + timedelta(minutes=15 + 30 * d[7])
            if at <= self.now:
                self.patients.no_shows[patient] += 1
                bucket = "short" if lead_days <= 3 else "long" if lead_days > 30 else ""
                if bucket:
                    self.lead_noshow[bucket][0] += 1
                    self.lead_noshow[bucket][1] += 1
                appt.no_show_at = appt.updated_at = at
                appt.version = 2
                self._emit(appt, S.NO_SHOW)
            else:
                self._emit(appt, waiting)
            return appt
        bucket = "short" if lead_days <= 3 else "long" if lead_days > 30 else ""
        if bucket:
            self.lead_noshow[bucket][1] += 1
        self._flow(appt, code, state, arrive_offset, length, d, waiting)
        return appt

    def _flow(
        self,
        appt: Appointment,
        code: str,
        state: dict[str, Any],
        arrive_offset: float,
        length: float,
        d: list[float],
        waiting: str,
    ) -> None:
        start, minute = appt.start, timedelta(minutes=1)
        arrived = start + arrive_offset * minute
        roomed: datetime | None = None
        seen: datetime | None = None
        # Nobody is seen more than a few minutes before their time, and a provider sees one at a time.
        free = max(state["provider_free"] or start, start - 5 * minute)
        if code == "telehealth":
            arrived = start + (-5 + 7 * d[8]) * minute
            seen = max(arrived + (1 + 7 * d[9]) * minute, free + 2 * minute)
            done = seen + length * minute
        elif code == "nurse":
            roomed = arrived + (5 + 20 * d[8]) * minute
            done = max(roomed, free) + length * minute
        else:
            roomed = arrived + (5 + 20 * d[8]) * minute
            seen = max(roomed + (5 + 10 * d[9]) * minute, free + 2 * minute)
            if (
                seen - roomed > 15 * minute
            ):  # the provider runs late: the patient waits in the lobby
                roomed = max(arrived + 5 * minute, seen - (5 + 10 * d[9]) * minute)
            done = seen + length * minute
        if seen is not None and not appt.overbooked:
            state["provider_free"] = done
        checked_out = done + (2 + 6 * d[10]) * minute
        completed = checked_out + (1 + 14 * d[11]) * minute
        stamps = [(S.ARRIVED, "arrived_at", arrived), (S.ROOMED, "roomed_at", roomed),
                  (S.WITH_PROVIDER, "provider_at", seen), (S.CHECKED_OUT, "checked_out_at", checked_out),
                  (S.COMPLETED, "completed_at", completed)]  # fmt: skip
        status = waiting
        for step_status, attr, at in stamps:
            if at is None:
                continue
            at = at.replace(second=0, microsecond=0)
            if at > self.now:
                break
            setattr(appt, attr, at)
            appt.updated_at = at
            appt.version += 1
            status = step_status
        if status == S.COMPLETED:
            self.patients.last_completed[appt.patient_id] = appt.start.date()
        self._emit(appt, status)

    def _rebooked_slot(
        self,
        rng: random.Random,
        plan: ProviderPlan,
        location_id: int,
        code: str,
        start: datetime,
        appt: Appointment,
        draw: float,
    ) -> None:
        """Someone else had this slot and cancelled; the current booking came after."""
        other = self.patients.pick(rng, plan, code, start.date(), {appt.patient_id})
        if other is None:
            return
        cancelled_at = appt.created_at - timedelta(hours=1 + 30 * draw)
        created = cancelled_at - timedelta(days=2 + int(28 * draw), hours=3)
        earlier = self._new(plan, location_id, other, code, start, created, rng)
        self._cancel(earlier, cancelled_at, draw < 0.85, rng)

    def _moved_from(
        self,
        rng: random.Random,
        plan: ProviderPlan,
        location_id: int,
        appt: Appointment,
        d1: float,
        d2: float,
    ) -> None:
        """The booking was moved here from another day: the old one is marked rescheduled."""
        moved_at = appt.created_at
        zone = self.demo.zones[location_id]
        old_day = moved_at.astimezone(zone).date() + timedelta(days=1 + int(d1 * 20))
        while old_day.weekday() >= 5:
            old_day += timedelta(days=1)
        old_start = datetime.combine(
            old_day, time(8 + int(d2 * 8), 5 * int(d2 * 97 % 12)), tzinfo=zone
        ).astimezone(self.now.tzinfo)
        old = self._new(
            plan,
            location_id,
            appt.patient_id,
            "office",
            old_start,
            moved_at - timedelta(days=1 + int(d2 * 30)),
            rng,
        )
        old.type_id, old.end, old.reason = (
            appt.type_id,
            old_start + (appt.end - appt.start),
            appt.reason,
        )
        old.updated_at, old.version = moved_at, 2
        old.status = S.RESCHEDULED
        self.counts[S.RESCHEDULED] += 1
        appt._old = old  # type: ignore[attr-defined]

    def _emit(self, appt: Appointment, status: str) -> None:
        appt.status = status
        self.counts[status] += 1
        self.pending.append(appt)

    # ----------------------------------------------------------------- writing
    def flush(self) -> None:
        if not self.pending:
            return
        rows, self.pending = self.pending, []
        olds = [a._old for a in rows if getattr(a, "_old", None) is not None]  # type: ignore[attr-defined]
        insert_objects(Appointment, olds)
        for appt in rows:
            if getattr(appt, "_old", None) is not None:
                appt.rescheduled_from_id = appt._old.pk  # type: ignore[attr-defined]
        insert_objects(Appointment, rows)
        through = Appointment.equipment.through
        gear = [through(appointment_id=a.pk, equipment_id=int(key.split(":")[1]))
                for a in rows for key in getattr(a, "_held", []) if key.startswith("equipment:")]  # fmt: skip
        through.objects.bulk_create(gear, batch_size=BATCH)
        occupancy = []
        step = timedelta(minutes=5)
        for appt in rows:
            if appt.status not in ACTIVE_STATUSES or appt.start < self.occupancy_from:
                continue
            for key in appt._held:  # type: ignore[attr-defined]
                layer = 1 if appt.overbooked and key.startswith("provider:") else 0
                slot = appt.start
                while slot < appt.end:
                    occupancy.append(
                        Occupancy(resource=key, slot=slot, layer=layer, appointment_id=appt.pk)
                    )
                    slot += step
        insert_objects(Occupancy, occupancy)
        self.occupancy_rows += len(occupancy)

    def summary(self) -> str:
        c = self.counts
        total = sum(c.values())
        past = c[S.COMPLETED] + c[S.NO_SHOW]
        short, long_ = self.lead_noshow["short"], self.lead_noshow["long"]
        future = c[S.SCHEDULED] + c[S.CONFIRMED]
        in_flow = c[S.ARRIVED] + c[S.ROOMED] + c[S.WITH_PROVIDER] + c[S.CHECKED_OUT]

        def pct(n: int, of: int) -> str:
            return f"{100 * n / of:.1f}%" if of else "n/a"

        return (
            f"{total} appointments: {c[S.COMPLETED]} completed, {c[S.NO_SHOW]} no-shows ({pct(c[S.NO_SHOW], past)} of past visits; "
            f"{pct(short[0], short[1])} booked <= 3 days ahead, {pct(long_[0], long_[1])} > 30 days), "
            f"{c[S.CANCELLED]} cancelled ({pct(c[S.CANCELLED], total)}), {c[S.RESCHEDULED]} rescheduled, "
            f"{in_flow} in the office now, {future} upcoming; {self.occupancy_rows} occupancy rows"
        )


def create_appointments(ctx: DemoContext) -> str:
    calendar = Calendar(ctx, ctx.shared["scheduling"])
    calendar.run()
    return calendar.summary()
