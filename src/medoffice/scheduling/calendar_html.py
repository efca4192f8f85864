"""The appointment cards of the calendar grid, written out in Python.

A busy day has hundreds of cards; the template engine spends about a millisecond on each, so
the cards (and only they) are assembled here with the same escaping, once per render.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

from medoffice.scheduling.calendar_grid import Card, Column


def panel_url_prefix() -> str:
    """/schedule/appointments/ (the panel of appointment N is PREFIX + N + /panel/)."""
    return reverse("scheduling:appointment_panel", args=[0]).removesuffix("0/panel/")


def card_html(card: Card, *, prefix: str, in_room_column: bool) -> str:
    classes = (
        f"cal-card type-{card.type_id} st-{card.status} gs{card.row} gn{card.span} "
        f"l{card.lanes}-{card.lane}"
        + (" is-overbooked" if card.overbooked else "")
        + (" is-short" if card.short else "")
    )
    name = escape(card.patient_name)
    meta = [f'<span class="cal-card-time">{card.time_label}</span>', escape(card.type_name)]
    if card.provider_name:
        meta.append(escape(card.provider_name))
    if card.room_name and not in_room_column:
        meta.append(escape(card.room_name))
    meta.append(f'<span class="cal-card-status">{escape(card.status_label)}</span>')
    flag = '<span class="cal-card-flag">⚠ Overbooked</span>' if card.overbooked else ""
    title = (
        f' title="{card.time_label} {name} · {escape(card.type_name)} · {escape(card.status_label)}"'
        if card.short
        else ""
    )
    movable = " data-movable" if card.movable else ""
    return (
        f'<a class="{classes}" href="{prefix}{card.id}/panel/" data-id="{card.id}" '
        f'data-version="{card.version}" data-span="{card.span}" '
        f'data-start-minute="{card.start_minute}"{movable}{title}>'
        f'<span class="cal-card-line"><span class="cal-card-icon" aria-hidden="true">'
        f'{card.status_icon}</span> <strong class="cal-card-name">{name}</strong></span>'
        f'<span class="cal-card-meta">{" · ".join(meta)}</span>{flag}</a>'
    )


def render_cards(columns: list[Column]) -> None:
    """Fill each column's cards_html (what the grid template prints)."""
    prefix = panel_url_prefix()
    for column in columns:
        html = "".join(
            card_html(c, prefix=prefix, in_room_column=column.room_id is not None)
            for c in column.cards
        )
        column.cards_html = mark_safe(html)  # every value in it went through escape()
