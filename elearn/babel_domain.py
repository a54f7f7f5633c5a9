"""Flask-Babel, with each request's translations looked up once.

Flask-Babel finds the translations for every message anew: the request's context, its locale
(a `babel.Locale`, turned into a string as the cache key) and the domain's cache, through
Flask's context proxies about ten times per message. A page has dozens of messages; that
was a measurable share of every page (bench/profile_routes.py). The request's `Translations`
are kept in Flask-Babel's own per-request slot `babel_translations`, which `refresh()` clears
and `force_locale()` resets and restores, so a language changed mid-request still shows.

Templates get their own `_`, `gettext` and `ngettext` with Jinja's "newstyle" meaning
(autoescaped, always %-formatted), in one call each: Jinja's i18n extension and Flask-Babel
otherwise go through three Jinja calls and two of Flask-Babel's look-ups per message.
"""
from __future__ import annotations

from functools import cached_property
from typing import Any

from babel.support import NullTranslations, Translations
from flask import Flask, g
from flask_babel import Babel, Domain, _get_current_context, get_translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup


class RequestCachedDomain(Domain):
    def get_translations(self) -> Translations | NullTranslations:
        context = _get_current_context()
        if context is None:
            return super().get_translations()
        translations = getattr(context, "babel_translations", None)
        if translations is None:
            translations = super().get_translations()
            context.babel_translations = translations
        return translations


class RequestCachedBabel(Babel):
    @cached_property
    def domain_instance(self) -> Domain:
        return RequestCachedDomain(domain=self.domain)

    def init_app(self, app: Flask, *args: Any, **kwargs: Any) -> None:
        super().init_app(app, *args, **kwargs)
        app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext,
                                     ngettext=template_ngettext)


def request_translations() -> Translations | NullTranslations:
    """The translations of the request's language: the slot RequestCachedDomain fills (one
    context look-up), else Flask-Babel's own way (which fills it)."""
    if g:
        state = getattr(g._get_current_object(), "_flask_babel", None)
        translations = getattr(state, "babel_translations", None)
        if translations is not None:
            return translations
    return get_translations()


def _finish(context: Context, text: str, variables: dict[str, Any]) -> str:
    # As Jinja's newstyle gettext: escaped variables, and "%%" read as "%" even without any.
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % variables if variables or "%" in text else text


@pass_context
def template_gettext(context: Context, string: str, /, **variables: Any) -> str:
    return _finish(context, request_translations().ugettext(string), variables)


@pass_context
def template_ngettext(context: Context, singular: str, plural: str, num: int, /,
                      **variables: Any) -> str:
    variables.setdefault("num", num)
    return _finish(context, request_translations().ungettext(singular, plural, num), variables)
