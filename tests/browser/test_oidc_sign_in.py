"""Single sign-on in a real headless Chromium: the sign-in page's "Đăng nhập bằng …" button
leads through a real OpenID Connect provider on 127.0.0.1 (elearn.testing.oidc_provider) and
back, signed in; the sign-in page with the button passes axe."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

from elearn.extensions import db
from elearn.models import PersonIdentifier
from elearn.services.accounts import create_user
from elearn.services.orgs import create_unit
from elearn.testing import serve
from elearn.testing.oidc_provider import CLIENT_ID, CLIENT_SECRET, Account, oidc_provider

from pagecheck import axe_violations

pytestmark = pytest.mark.slow


def test_the_button_signs_a_linked_person_in_through_the_provider(make_app, browser):
    with oidc_provider(Account(sub="browser-sub-1")) as provider:
        app = make_app(OIDC_ISSUER=provider.issuer, OIDC_CLIENT_ID=CLIENT_ID,
                       OIDC_CLIENT_SECRET=CLIENT_SECRET, OIDC_DISPLAY_NAME="VNPT ID")
        with app.app_context():
            person = create_user("hoc.vien", "Lê Thị Đăng Nhập", "mat-khau-dai-2026",
                                 create_unit("H", "Huyện", "district"))
            db.session.add(PersonIdentifier(user_id=person.id, kind="oidc",
                                            value=f"{provider.issuer} browser-sub-1"))
            db.session.commit()
        with serve(app) as base:
            browser.get(f"{base}/login")
            assert axe_violations(browser) == []
            button = browser.find_element(By.LINK_TEXT, "Đăng nhập bằng VNPT ID")
            button.click()
            WebDriverWait(browser, 30).until(ready.url_to_be(f"{base}/"))
            browser.get(f"{base}/profile/")
            assert "Lê Thị Đăng Nhập" in browser.page_source
