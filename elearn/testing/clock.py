"""A movable clock for tests: move time forward instead of sleeping."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import pytest


class MovableClock:
    """The wall clock as the app (elearn.clock), Huey and cookies read it, which a test moves
    forward instead of sleeping. Monotonic clocks (timeouts) are left alone."""

    def __init__(self, traveller: Any):
        self._traveller = traveller

    def advance(self, seconds: float) -> None:
        self._traveller.shift(timedelta(seconds=seconds))


@pytest.fixture
def clock() -> Iterator[MovableClock]:
    """Time runs on from now, in every thread of this process, and `clock.advance(s)` jumps."""
    import time_machine

    with time_machine.travel(datetime.now(timezone.utc), tick=True) as traveller:
        yield MovableClock(traveller)
