"""The Flask class the app factory makes: Flask, with what every request repeats kept."""
from __future__ import annotations

from typing import Any, Callable

from flask import Flask

# More distinct functions than any app registers as views and hooks: past it, no caching
# (a callable made per request would otherwise grow the table).
_MOST_FUNCTIONS = 4096


class ElearnFlask(Flask):
    """Flask asks, for every view and request hook on every request, whether the function
    is a coroutine (`inspect.iscoroutinefunction`, ~13 calls a page, ~1 µs each). The
    answer never changes for a function, so it is kept."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._synced: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        try:
            return self._synced[func]
        except KeyError:
            synced = super().ensure_sync(func)
            if len(self._synced) < _MOST_FUNCTIONS:
                self._synced[func] = synced
            return synced
        except TypeError:  # an unhashable callable
            return super().ensure_sync(func)
