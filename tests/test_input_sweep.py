"""An input sweep generated from the URL map: every route, every role, hostile values.

Each route of the permission matrix (which a test keeps equal to the URL map) is called as
every role with wrong types, numbers beyond 64 bits, odd Unicode, NUL bytes, over-long
strings and missing fields, in the path, the query string and the form (POSTs carry a valid
CSRF token, so the handler really runs). Nothing may answer 5xx, on either database.
The generator is seeded: a failure names the request and reproduces.
"""
from __future__ import annotations

import os
import random
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlencode

from wtforms import Form

from elearn import forms as form_module
from elearn.testing import csrf_token, login

from test_permissions import ANONYMOUS, ROUTES, app  # noqa: F401 (fixture)
from kit import PASSWORD, ROLES

SEED = 20261204
HOSTILE = [
    "99999999999999999999", "9223372036854775808", "-9223372036854775809", "-1", "0",
    "²", "١٢", "sNaN", "NaN", "-inf", "1e309", "0x10", "1_000",
    "\x00", "a\x00b", "\r\nSet-Cookie: x=1", "//evil.example/", "https://evil.example/",
    "x" * 5000, "Đảng " * 300, "\u202etxt.exe", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🙂", "\ud7ff\ufffe",
    "", " ", "<script>alert(1)</script>", "=cmd|' /C calc'!A0", "2026-02-30", "9999-12-31",
    "0001-01-01", "true", "[]", "{}", "../../etc/passwd", "%00", "' OR 1=1 --",
]
# Sent in every field of a form at once: the one value most likely to break each layer.
EVERY_FIELD = ["a\x00b", "Đ" * 5000, "99999999999999999999", "²", "sNaN", "\r\n"]
# Names read by views straight from request.args / request.form (not through a form class).
EXTRA_NAMES = ["go", "publish", "score", "next", "q", "code", "year", "unit", "course",
               "audience", "what", "from", "to", "status", "method", "page", "language",
               "ack-result", "ack-evidence"]


def field_names() -> list[str]:
    """Every field name of every form class, plus the names views read directly."""
    names = set(EXTRA_NAMES)
    for value in vars(form_module).values():
        if isinstance(value, type) and issubclass(value, Form) and value is not Form:
            try:
                names.update(field.name for field in value(meta={"csrf": False}))
            except Exception:  # forms needing arguments or a request: their class attributes
                names.update(key for key in dir(value) if not key.startswith("_")
                             and hasattr(getattr(value, key, None), "field_class"))
    names.discard("csrf_token")
    return sorted(names)


def mutated_paths(path: str, rng: random.Random) -> list[str]:
    """The valid path, then versions with its numeric and its text segments made hostile."""
    base, _, query = path.partition("?")
    segments = base.split("/")
    variants = [path]
    numeric = [i for i, s in enumerate(segments) if s.isdigit()]
    textual = [i for i, s in enumerate(segments) if s and not s.isdigit()]
    for index in numeric:
        for huge in ("99999999999999999999", "9223372036854775808", "9223372036854775807"):
            changed = list(segments)
            changed[index] = huge
            variants.append("/".join(changed))
    if textual:
        changed = list(segments)
        changed[rng.choice(textual)] = quote(rng.choice(HOSTILE[:30]) or "x", safe="")
        variants.append("/".join(changed))
    return variants


class FormScraper(HTMLParser):
    """The forms of a page: action -> {field name: default value}."""

    def __init__(self, page: str):
        super().__init__()
        self.page, self.forms, self.current = page, {}, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            action = (attrs.get("action") or self.page).split("#")[0]
            self.current = self.forms.setdefault(action, {})
        elif tag in ("input", "select", "textarea", "button") and self.current is not None:
            name = attrs.get("name")
            if name and name != "csrf_token":
                self.current.setdefault(name, attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None


def scrape_forms(client, path: str, forms: dict[str, dict[str, str]]) -> None:
    response = client.get(path)
    if response.status_code == 200 and "html" in response.content_type:
        scraper = FormScraper(path)
        scraper.feed(response.get_data(as_text=True))
        for action, fields in scraper.forms.items():
            forms.setdefault(action, {}).update(fields)


def hostile_form(fields: dict[str, str], rng: random.Random) -> dict[str, str]:
    """The page's own form with some fields hostile and some left out."""
    data = {}
    for name, default in fields.items():
        roll = rng.random()
        if roll < 0.15:
            continue
        data[name] = rng.choice(HOSTILE) if roll < 0.6 else default
    return data


def hostile_data(names: list[str], rng: random.Random, size: int = 8) -> dict[str, str]:
    return {name: rng.choice(HOSTILE) for name in rng.sample(names, size)}


def test_no_input_gets_a_server_error(app, world, tmp_path):  # noqa: F811
    rng = random.Random(SEED)
    names = field_names()
    people = {ANONYMOUS: None, "signed-in": "khong.vai.tro",
              **{r.value: f"role.{r.value}" for r in ROLES}}
    clients = {}
    for who, username in people.items():
        client = app.test_client()
        if username:
            assert login(client, username, PASSWORD).status_code == 302, who
        clients[who] = (client, csrf_token(client, "/"))
    requests, failures = 0, []
    # The real forms each role sees, so POSTs carry the field names their handlers read.
    forms: dict[str, dict[str, dict[str, str]]] = {who: {} for who in clients}
    for who, (client, _token) in clients.items():
        for case in ROUTES.values():
            if case.method == "GET":
                scrape_forms(client, case.path(world, "a"), forms[who])

    def check(who, method, path, response):
        nonlocal requests
        requests += 1
        if response.status_code >= 500:
            failures.append(f"{who} {method} {path!r}: {response.status_code}")

    for endpoint, case in sorted(ROUTES.items(), key=lambda item: item[0] == "auth.logout"):
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        valid = case.path(world, "a")
        for who, (client, token) in clients.items():
            for path in mutated_paths(valid, rng):
                if "GET" in rule.methods:
                    query = urlencode(hostile_data(names, rng, 6))
                    url = f"{path}{'&' if '?' in path else '?'}{query}"
                    check(who, "GET", url, client.get(url))
                    check(who, "GET", path, client.get(path))
                if "POST" in rule.methods and endpoint != "auth.logout":
                    own = forms[who].get(path.partition("?")[0])
                    samples = [hostile_form(own, rng) for _ in range(4)] if own else []
                    # And every field of the form at once with each kind of poison.
                    samples += [{name: value for name in own} for value in EVERY_FIELD] \
                        if own else []
                    samples += [hostile_data(names, rng, len(names) // 2),
                                hostile_data(names, rng, 3)]
                    for sample in samples:
                        data = {"csrf_token": token, **sample}
                        check(who, "POST", f"{path} {data}", client.post(path, data=data))
    # Signing out with hostile fields, last, for everyone.
    for who, (client, token) in clients.items():
        data = {"csrf_token": token, **hostile_data(names, rng)}
        check(who, "POST", "/logout", client.post("/logout", data=data))
    report = Path(os.environ.get("ELEARN_SWEEP_REPORT_DIR") or tmp_path)
    (report / f"sweep-failures-{app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}.txt") \
        .write_text("\n".join(failures))
    print(f"\ninput sweep: {requests} requests, {len(failures)} answered 5xx")
    assert failures == [], f"{len(failures)} of {requests} requests answered 5xx:\n" + \
        "\n".join(failures[:40])
