"""Walls against hostile input that hold for every route, so no view has to remember them.

- `<int:…>` in any route is bounded to what an id column can hold (PostgreSQL INTEGER,
  31 bits): a bigger number is simply a page that does not exist (404), never a database
  overflow (500). `<year:…>` is a calendar year the date library can represent.
- A NUL byte in any query or form value is refused with a translated 400 before the view
  runs: PostgreSQL cannot store NUL in text, and no honest form contains one. A value longer
  than any field of the product is refused the same way. One request guard is cleaner than a
  filter on every form field, and it also covers values views read straight from
  `request.args`.
- Year and number query values are parsed by `int_arg` / `year_arg`: bad values are a 400.
"""
from __future__ import annotations

from datetime import MAXYEAR, MINYEAR

from flask import Flask, request
from flask_babel import gettext as _
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

# Id columns are INTEGER (32-bit signed on PostgreSQL, the narrower of our two backends).
MAX_ID = 2**31 - 1
# The longest text a person may send in one field (a pledge section, a plan template);
# query-string values are never that long.
MAX_FORM_VALUE = 100_000
MAX_QUERY_VALUE = 2_000


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` bounded to the id column range (a larger number cannot name a row)."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 (werkzeug's signature)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class YearConverter(IntegerConverter):
    """`<year:…>`: a year Python's dates can represent; anything else is a 404."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002
        kwargs.setdefault("min", MINYEAR)
        kwargs.setdefault("max", MAXYEAR)
        super().__init__(map, *args, **kwargs)


class InvalidInput(BadRequest):
    """A 400 whose description is already translated text for the person."""


def invalid(message: str | None = None) -> InvalidInput:
    return InvalidInput(message or _("The request could not be understood. "
                                     "Please check what you entered."))


def year_arg(name: str, default: int) -> int:
    """A year from the query string; missing means `default`, anything else odd is a 400."""
    value = request.args.get(name, "").strip()
    if not value:
        return default
    if not (value.isascii() and value.isdigit()) or not MINYEAR <= int(value) <= MAXYEAR:
        raise invalid(_("The year must be a number between %(low)d and %(high)d.",
                        low=MINYEAR, high=MAXYEAR))
    return int(value)


# Methods whose body no form reads (Flask-WTF reads one only on POST, PUT, PATCH and DELETE):
# parsing it on every page view only to find it empty cost ~10 µs.
_BODYLESS = frozenset(("GET", "HEAD", "OPTIONS"))


def _refuse_hostile_values() -> None:
    form = ()
    if request.method not in _BODYLESS:
        try:
            form = request.form.items(multi=True)  # parses the body, within MAX_CONTENT_LENGTH
        except RequestEntityTooLarge:
            # The body stays unread; the error page's own forms must then see an empty form
            # instead of raising again (which turned every over-size POST into a 500).
            request.form, request.files = ImmutableMultiDict(), ImmutableMultiDict()
            raise
    path_values = [(key, value) for key, value in (request.view_args or {}).items()
                   if isinstance(value, str)]  # e.g. a unit code in the URL itself
    query = request.args.items(multi=True) if request.query_string else ()
    for pairs, limit in ((path_values, MAX_QUERY_VALUE),
                         (query, MAX_QUERY_VALUE),
                         (form, MAX_FORM_VALUE)):
        for key, value in pairs:
            if "\x00" in key or "\x00" in value:
                raise invalid(_("The text you sent contains a NUL character, "
                                "which is not allowed. Please remove it and try again."))
            if len(key) > 200 or len(value) > limit:
                raise invalid(_("A value you sent is too long (at most %(limit)d characters).",
                                limit=limit))


def init_app(app: Flask) -> None:
    """Register the converters (before any blueprint) and the request guard."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.url_map.converters["year"] = YearConverter
    # Runs before CSRF and login (registered first), so a NUL never reaches a query.
    app.before_request_funcs.setdefault(None, []).insert(0, _guard)


def _guard() -> None:
    if request.endpoint == "static":
        return
    _refuse_hostile_values()

