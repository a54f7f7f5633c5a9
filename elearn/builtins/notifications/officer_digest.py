"""The officers' weekly digest: for each officer and each unit they hold the role on, what is
waiting in that subtree, counted per child unit — pledges not filed, pledges waiting for
review, and course completions still missing for plans whose deadline is near.

The figures are the dashboard's (`officer_digests` in elearn.api, from `reports.dashboard`),
never counted again here, so the digest and the page it links to agree. One notification per
(officer, unit, ISO week).
"""
from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from ...api import db_session, officer_digests
import elearn.builtins.notifications.store as store  # the module, not the package (no import circle)

KIND = "digest.officer"
# Plans due within this many days count as "near the deadline" for course completions.
SOON_DAYS = 30


def officer_digest(today: date) -> int:
    """Once per ISO week per (officer, unit held); no commit. Returns how many were made."""
    year, week, _day = today.isocalendar()
    made = 0
    for digest in officer_digests(today, SOON_DAYS):
        made += len(store.notify(
            db_session(), KIND, f"{KIND}:{year}-W{week:02d}:{digest.unit_id}",
            [digest.person_id], digest.figures,
            f"/dashboard/?{urlencode({'unit': digest.unit_code, 'year': today.year})}"))
    return made
