"""Which channels a notification goes by, per kind: the person's table of checkboxes.

In-app always (the row is the delivery). Each other channel is on or off per kind as the
person saved it; a kind or channel they never saw (never saved, or installed since) follows
the defaults: e-mail for what needs acting on — deadline reminders, a returned pledge, the
reviewers' and officers' weekly digest — when the person has an address; a channel that takes
every notification (`opt_in = False`, a centre's gateway) on for all.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

IN_APP = "in_app"
EMAIL = "email"
BY_EMAIL_UNLESS_REFUSED = frozenset({"reminder", "pledge.returned", "digest", "digest.officer"})


def default_on(kind: str, name: str, channel: Any, email: str | None) -> bool:
    if not getattr(channel, "opt_in", True):
        return True
    return name == EMAIL and kind in BY_EMAIL_UNLESS_REFUSED and bool(email)


def chosen(saved: Mapping[str, Mapping[str, bool]] | None, kind: str, name: str,
           channel: Any, email: str | None) -> bool:
    """Is `kind` sent by channel `name` to this person? (`saved`: their stored choices.)"""
    for_kind = (saved or {}).get(kind) or {}
    if name in for_kind:
        return bool(for_kind[name])
    return default_on(kind, name, channel, email)


def table(saved: Mapping[str, Mapping[str, bool]] | None, kinds: Iterable[str],
          channels: Mapping[str, Any], email: str | None) -> dict[str, dict[str, bool]]:
    """Every kind × channel, on or off, as the preferences page shows it."""
    return {kind: {name: chosen(saved, kind, name, channel, email)
                   for name, channel in channels.items()} for kind in kinds}


def from_form(checked: Mapping[str, Iterable[str]], kinds: Iterable[str],
              channels: Iterable[str]) -> dict[str, dict[str, bool]]:
    """What to store from the submitted table: every cell, so an unchecked box is a refusal
    (not a fall-back to the default)."""
    names = list(channels)
    return {kind: {name: name in set(checked.get(kind, ())) for name in names}
            for kind in kinds}
