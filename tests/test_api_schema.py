"""Schemathesis against the served OpenAPI document: every operation, with data that fits
the document and data that does not, signed in as a learner and as a centre's verifier (by cookie, and by API token).
No answer may be a 5xx, and every answer must match its documented status, content type
and schema. Bounded (a few examples per operation and mode) to keep the suite fast."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, negative_data_rejection, positive_data_acceptance,
    response_schema_conformance, status_code_conformance,
)

from elearn.testing import csrf_token, login
from kit import PASSWORD, complete

EXAMPLES = 8
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
MODE_CHECKS = {GenerationMode.POSITIVE: [positive_data_acceptance],
               GenerationMode.NEGATIVE: [negative_data_rejection]}
OPERATIONS = {"GET /api/v1/me/courses", "GET /api/v1/me/completions", "GET /api/v1/me/pledge",
              "GET /api/v1/completions", "GET /api/v1/verify/{code}",
              "GET /api/v1/catalogue", "POST /api/v1/completions",
              "POST /api/v1/completions/{code}/revoke", "PUT /api/v1/units/{external_id}",
              "DELETE /api/v1/units/{external_id}", "PUT /api/v1/people/{external_id}",
              "DELETE /api/v1/people/{external_id}", "GET /api/v1/units/{code}/pledges",
              "GET /api/v1/units/{code}/report", "GET /api/v1/me/notifications",
              "POST /api/v1/me/notifications/{notification_id}/read"}
# Generated values name nothing that exists (a person, a unit, a code): these answer 404 or
# refuse the write (403/409/422) for well-formed data, so acceptance is not asked of them.
NAMES_SOMETHING = {"/api/v1/me/pledge", "/api/v1/verify/{code}", "/api/v1/completions/{code}/revoke",
                   "/api/v1/units/{external_id}", "/api/v1/people/{external_id}",
                   "/api/v1/units/{code}/pledges", "/api/v1/units/{code}/report",
                   "/api/v1/me/notifications/{notification_id}/read"}
# A free-form string in the path is all these take: there is no invalid request to build.
NOTHING_INVALID = {"GET /api/v1/verify/{code}", "DELETE /api/v1/units/{external_id}",
                   "DELETE /api/v1/people/{external_id}"}


AGENT = {"User-Agent": "elearn-api-schema-test"}


def session_cookies(app, username: str) -> tuple[dict[str, str], dict[str, str]]:
    """The session of a real sign-in (the session is bound to the browser's User-Agent, so
    the generated calls send the same one), and the headers of its writes (the CSRF token
    the pages' JavaScript would send)."""
    client = app.test_client()
    assert login(client, username, PASSWORD, headers=AGENT).status_code == 302
    token = csrf_token(client, "/")
    return ({cookie.key: cookie.value for cookie in client._cookies.values()},
            {**AGENT, "X-CSRFToken": token})


def token_for(app, username: str) -> str:
    """A personal API token with every scope the existing operations need."""
    from datetime import timedelta

    from elearn.clock import utcnow
    from elearn.services import api_tokens
    from elearn.services.accounts import find_user

    with app.app_context():
        return api_tokens.create_personal(
            find_user(username), name="schemathesis", scopes=list(api_tokens.SCOPES),
            expires_at=utcnow() + timedelta(days=1)).secret


@pytest.mark.parametrize("username, by_token", [("hoc.vien", False), ("ttct", False),
                                                ("ttct", True)])
def test_every_operation_answers_as_documented(centre, username, by_token):
    with centre.app_context():
        complete("hoc.vien")
    cookies, headers = session_cookies(centre, username)
    if by_token:  # the same calls signed in by an API token instead of the cookie
        cookies = {}
        headers = {**AGENT, "Authorization": f"Bearer {token_for(centre, username)}"}
        # The run makes more calls a minute than a token may (that limit has its own test).
        centre.config["API_TOKEN_RATE_LIMIT"] = "10000 per minute"
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", centre)
    # The document declares its security schemes; the credentials are ours (the cookie or
    # the token above), not random values schemathesis would make up for them.
    schema.config.generation.update(with_security_parameters=False)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {operation.label for operation in operations} == OPERATIONS
    document = centre.test_client().get("/api/v1/openapi.json").get_json()
    calls, unsatisfiable = [], []
    for operation in operations:
        documented = document["paths"][operation.path]
        method = documented[operation.method.lower()]
        negatable = (documented.get("parameters") or method.get("parameters")
                     or method.get("requestBody"))
        # An operation without parameters has no invalid request to generate.
        modes = [GenerationMode.POSITIVE] + ([GenerationMode.NEGATIVE] if negatable else [])
        for mode in modes:
            # Positive data a signed-in learner may be refused (403 on the centre's list, a
            # 404 pledge without a plan): acceptance is only asked of the person allowed.
            mode_checks = MODE_CHECKS[mode]
            if mode == GenerationMode.POSITIVE and (
                    operation.path in ("/api/v1/completions",) and username != "ttct"
                    or operation.label == "POST /api/v1/completions"
                    or operation.path in NAMES_SOMETHING):
                mode_checks = []

            @settings(max_examples=EXAMPLES, deadline=None, database=None,
                      phases=[Phase.explicit, Phase.generate],
                      suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def call(case, checks):
                response = case.call(cookies=cookies, headers=headers)
                calls.append(response.status_code)
                case.validate_response(response, checks=checks)

            try:
                call(checks=CHECKS + mode_checks)
            except Unsatisfiable:
                # A free-form string (a code or external id in the path) has no invalid
                # value schemathesis can build; the other operations must have had some.
                assert mode == GenerationMode.NEGATIVE, operation.label
                unsatisfiable.append(operation.label)
    assert set(unsatisfiable) <= NOTHING_INVALID, unsatisfiable
    assert calls and max(calls) < 500
