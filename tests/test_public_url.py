"""ELEARN_PUBLIC_URL: certificates' QR codes and links (and invitation links) point at the
configured public address, not at the host the request happened to come in on."""
from __future__ import annotations

import io
import re

import pytest
import segno
import zxingcpp
from pypdf import PdfReader

from elearn import create_app
from elearn.services import codes
from elearn.testing import base_config, csrf_from

from kit import PASSWORD, build_centre, complete

PUBLIC = "https://hoctap.example.vn"
# The host a request arrives on behind a proxy, or a forged Host header.
INTERNAL_HOST = "app-internal:8000"


def certificate(app) -> tuple[str, str, bytes]:
    """(display code, certificate page, certificate PDF) for a fresh completion."""
    with app.app_context():
        build_centre()
        code = codes.display(complete().code)
    client = app.test_client()
    at = f"http://{INTERNAL_HOST}/"
    login_page = client.get("/login", base_url=at).get_data(as_text=True)
    token = csrf_from(login_page)
    assert client.post("/login", base_url=at, data={
        "csrf_token": token, "username": "hoc.vien", "password": PASSWORD}).status_code == 302
    page = client.get(f"/certificates/{code}", base_url=at)
    pdf = client.get(f"/certificates/{code}.pdf", base_url=at)
    assert page.status_code == 200 and pdf.status_code == 200
    return code, page.get_data(as_text=True), pdf.data


def qr_texts_in_pdf(body: bytes) -> list[str]:
    texts = []
    for page in PdfReader(io.BytesIO(body)).pages:
        for image in page.images:
            texts += [result.text for result in zxingcpp.read_barcodes(image.image)]
    return texts


def svg_path(svg: str) -> str:
    return re.search(r'<path[^>]* d="([^"]+)"', svg).group(1)


@pytest.mark.parametrize("configured", [PUBLIC, PUBLIC + "/"])
def test_certificate_qr_and_link_use_the_public_address(make_app, configured):
    app = make_app(PUBLIC_URL=configured)
    code, page, pdf = certificate(app)
    expected = f"{PUBLIC}/verify/{code}"
    assert qr_texts_in_pdf(pdf) == [expected]  # the QR printed on the PDF, decoded
    assert expected in " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert f'href="{expected}"' in page and INTERNAL_HOST not in page
    # The QR on the page is the one segno draws for the public address.
    assert svg_path(page) == svg_path(segno.make(expected, error="m").svg_inline(scale=4))


def test_without_a_public_address_the_request_host_is_used(app):
    code, page, pdf = certificate(app)
    assert qr_texts_in_pdf(pdf) == [f"http://{INTERNAL_HOST}/verify/{code}"]
    assert f'href="http://{INTERNAL_HOST}/verify/{code}"' in page


def test_the_setting_comes_from_the_environment(database_url, monkeypatch):
    monkeypatch.setenv("ELEARN_PUBLIC_URL", PUBLIC + "/hoc-tap/")
    app = create_app(base_config(database_url))
    assert app.config["PUBLIC_URL"] == PUBLIC + "/hoc-tap"
    with app.test_request_context("/", headers={"Host": INTERNAL_HOST}):
        from elearn.urls import public_url_for
        assert public_url_for("verify.page", code="ABCD") == f"{PUBLIC}/hoc-tap/verify/ABCD"


@pytest.mark.parametrize("bad", ["hoctap.example.vn", "ftp://hoctap.example.vn",
                                 "https://", "https://x.vn/?a=1"])
def test_a_malformed_public_address_stops_start_up_with_a_clear_message(database_url, bad):
    with pytest.raises(ValueError, match="ELEARN_PUBLIC_URL must be an http"):
        create_app(base_config(database_url, PUBLIC_URL=bad))


def test_invitation_link_uses_the_public_address(make_app):
    app = make_app(PUBLIC_URL=PUBLIC)
    with app.test_request_context("/", headers={"Host": INTERNAL_HOST}):
        from flask import render_template_string
        assert render_template_string("{{ public_url_for('auth.join', code='K7') }}") \
            == f"{PUBLIC}/join?code=K7"
