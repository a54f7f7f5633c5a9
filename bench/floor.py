"""Where a page's time goes, layer by layer, in-process (Flask's test client, no server):

    ELEARN_DATABASE_URL=sqlite:///bench/results/copy.sqlite3 .venv/bin/python bench/floor.py

Prints CPU ms per request (the minimum over 25 batches, so neighbours on a shared machine
matter less) for: bench/hello.py; an empty route in elearn, anonymous and signed in (every
hook, the session cookie, the sign-in look-up); the same signed in rendering base.html with an
empty body (the header); and the lesson page. The differences are the cost of each layer.
Routes are added to this script's app instance only; the product has no such routes.
"""
from __future__ import annotations

import os
import sys
import time

from flask import render_template
from flask_login import current_user

sys.path.insert(0, os.path.dirname(__file__))
from hello import app as hello_app  # noqa: E402
from profile_routes import sign_in  # noqa: E402

from elearn import create_app  # noqa: E402
from elearn.registry import current_registry  # noqa: E402
from elearn.security import AUTHENTICATED, PUBLIC, permission  # noqa: E402


def main() -> int:
    os.environ.setdefault("ELEARN_VERIFY_LOOKUPS_PER_MINUTE", "1000000000")
    app = create_app()
    # Compiled once; render_template takes a Template as well as a name.
    header = app.jinja_env.from_string('{% extends "base.html" %}{% block content %}{% endblock %}')

    @permission(PUBLIC)
    def empty() -> str:
        return "ok"

    @permission(AUTHENTICATED)
    def empty_signed_in() -> str:
        return str(current_user.id)

    @permission(AUTHENTICATED)
    def header_only() -> str:
        return render_template(header)

    for view in (empty, empty_signed_in, header_only):
        app.add_url_rule(f"/_floor/{view.__name__}", view.__name__, view)
    with app.app_context():
        course = next(c for c in current_registry().courses.values()
                      if c.audience in ("cadre", "all") and c.quiz)
        lesson = f"/courses/{course.slug}/lessons/{course.lessons[1].slug}"
    signed = app.test_client()
    sign_in(signed, "bench.u00010", lesson)
    rows = [("hello world (bench/hello.py)", hello_app.test_client(), "/"),
            ("elearn, empty route, anonymous", app.test_client(), "/_floor/empty"),
            ("elearn, empty route, signed in", signed, "/_floor/empty_signed_in"),
            ("elearn, header only (base.html)", signed, "/_floor/header_only"),
            ("elearn, lesson page", signed, lesson)]
    for _name, client, path in rows:
        for _ in range(50):
            assert client.get(path).status_code == 200, path
    best = {name: float("inf") for name, _c, _p in rows}
    for _ in range(25):
        for name, client, path in rows:
            started = time.process_time()
            for _ in range(40):
                client.get(path)
            best[name] = min(best[name], (time.process_time() - started) / 40)
    hello = best[rows[0][0]]
    for name, _c, _p in rows:
        print(f"{name:36s} {1000 * best[name]:6.3f} ms CPU   {hello / best[name]:6.1%} of hello")
    return 0


if __name__ == "__main__":
    sys.exit(main())
