"""Flask-Babel, with each request's translations looked up once.

Flask-Babel finds the translations for every message anew: the request's context, its locale
(a `babel.Locale`, turned into a string as the cache key) and the domain's cache, through
Flask's context proxies about ten times per message. A page has dozens of messages; that
was a measurable share of every page (bench/profile_routes.py). The request's `Translations`
are kept in Flask-Babel's own per-request slot `babel_translations`, which `refresh()` clears
and `force_locale()` resets and restores, so a language changed mid-request still shows.
"""
from __future__ import annotations

from functools import cached_property

from babel.support import NullTranslations, Translations
from flask_babel import Babel, Domain, _get_current_context


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
