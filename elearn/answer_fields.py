"""The quiz's answer widgets: WTForms fields that question types return from
`QuestionType.field`, and `InvalidAnswer` for data that cannot be an answer.

Each has a `layout` the default answer template (question_types/field.html) uses for types that
name no template of their own: "choices" (a list of radio buttons or check boxes, each in its
own large label), "rows" (one labelled select per item) or "single" (one input).
All accept "no answer yet": an empty submission means unanswered, never an error.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

from flask_babel import lazy_gettext as _l
from wtforms import FormField, RadioField, SelectField, SelectMultipleField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput, ListWidget

from .form_base import AppSubForm


class InvalidAnswer(ValueError):
    """Raised by `QuestionType.parse_answer` when submitted data cannot be an answer; the
    message (translated) is shown next to the question and nothing is saved.

    Defined beside the widgets that raise it; `elearn.interfaces` re-exports it for plugins."""


def choices(options: Iterable[Mapping[str, Any]]) -> list[SelectChoice]:
    """[{id, text}] as WTForms choices, in the order given."""
    return [SelectChoice(value=str(o["id"]), label=str(o["text"])) for o in options]


class ChoiceRadioField(RadioField):
    """One of several options. Nothing chosen is allowed (unanswered)."""

    layout = "choices"

    def pre_validate(self, form):
        if self.data is None:
            return
        super().pre_validate(form)


class CheckboxesField(SelectMultipleField):
    """Any number of options, as check boxes."""

    layout = "choices"
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TextAnswerField(StringField):
    """A short typed answer."""

    layout = "single"

    def __init__(self, label=None, **kwargs):
        kwargs.setdefault("validators", [Length(max=500)])
        render_kw = {"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false",
                     "maxlength": "500", **kwargs.pop("render_kw", {})}
        super().__init__(label or _l("Your answer"), render_kw=render_kw, **kwargs)


class PositionsField(FormField):
    """One select per item ("position 1…n"): ordering without drag and drop or JavaScript."""

    layout = "rows"


def positions_field(items: Iterable[Mapping[str, Any]]) -> PositionsField:
    """A PositionsField with one select per item; sub-field names are the items' ids."""
    items = list(items)
    positions = [SelectChoice(value="", label="—")] + [
        SelectChoice(value=str(n), label=str(n)) for n in range(1, len(items) + 1)]

    class Positions(AppSubForm):
        pass

    for item in items:
        setattr(Positions, str(item["id"]),
                SelectField(str(item["text"]), choices=positions, default=""))
    return PositionsField(Positions, separator="-")


class MatchesField(FormField):
    """One select per left-hand item, each offering the same right-hand items (matching)."""

    layout = "rows"


def matches_field(lefts: Iterable[Mapping[str, Any]],
                  rights: Iterable[Mapping[str, Any]]) -> MatchesField:
    """A MatchesField: a select per left item (sub-field names are the left items' ids) whose
    choices are "—" (not answered yet) and the right items, in the order given."""
    options = [SelectChoice(value="", label="—")] + choices(rights)

    class Matches(AppSubForm):
        pass

    for item in lefts:
        setattr(Matches, str(item["id"]), SelectField(str(item["text"]), choices=options,
                                                      default=""))
    return MatchesField(Matches, separator="-")


def order_from_positions(data: Mapping[str, Any] | None, resolve: Callable[[str], str | None],
                         count: int) -> list[str | None] | None:
    """A PositionsField's data ({token: "2", …}) as the items by position: a list of `count`
    item ids, None where no item is placed yet; None when nothing is placed at all.
    `resolve` maps a token back to its item id (None for a token that is not one)."""
    placed: list[str | None] = [None] * count
    for token, position in (data or {}).items():
        item = resolve(token)
        if item is None or not str(position or "").isdigit():
            continue
        index = int(position) - 1
        if not 0 <= index < count:
            continue
        if placed[index] is not None:
            raise InvalidAnswer(_l("Give each item a different position."))
        placed[index] = item
    return placed if any(placed) else None
