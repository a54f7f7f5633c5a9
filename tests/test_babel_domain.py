"""Each request's translations are looked up once (elearn/babel_domain.py), and still follow
every way the language can change within a request."""
from __future__ import annotations

from flask_babel import force_locale, gettext, refresh


def test_translations_follow_force_locale_and_refresh_within_one_request(app):
    with app.test_request_context("/", headers={"Cookie": "lang=vi"}):
        assert gettext("Sign in") == "Đăng nhập"
        with force_locale("en"):  # an e-mail to an English reader, sent from this request
            assert gettext("Sign in") == "Sign in"
        assert gettext("Sign in") == "Đăng nhập"
    with app.test_request_context("/", headers={"Cookie": "lang=en"}):
        assert gettext("Sign in") == "Sign in"  # the next request has its own language


def test_a_language_chosen_mid_request_shows_after_refresh(app):
    with app.test_request_context("/", headers={"Cookie": "lang=vi"}) as context:
        assert gettext("Sign in") == "Đăng nhập"
        context.request.cookies = {"lang": "en"}  # what choosing a language changes
        refresh()
        assert gettext("Sign in") == "Sign in"
