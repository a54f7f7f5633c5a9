"""Issue #14 item 12: staff edit the pledge template with a form — its title, guidance,
commitment and a list of sections they add, remove and move with buttons that work without
JavaScript — not a YAML box. Saving stores what the pledge service reads (the YAML of
content/pledge_template.py), keeps section keys so filed content survives a move or a
rename, and the form's checks speak Vietnamese. On the demo, SQLite and PostgreSQL."""
from __future__ import annotations

import json
import re
from html import unescape
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from elearn.content.pledge_template import DEFAULT_TEMPLATE, parse_template
from elearn.extensions import db
from elearn.models import StudyPlan
from elearn.services.demo import DEMO_PASSWORD
from elearn.testing import csrf_token, login

YEAR = 2032


class _FormFields(HTMLParser):
    """The name → value pairs a browser would send from the page's plan form (the one with
    the template editor), without pressing any button."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._in_plan_form = False
        self._textarea: str | None = None
        self._select, self._sent = "", False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._in_plan_form = "/plans/" in (a.get("action") or "") and "extensions" not in (
                a.get("action") or "")
        if tag == "option" and self._in_plan_form and self._select:
            # The selected option is sent; with none selected, the first one.
            if "selected" in a or not self._sent:
                if self._sent:
                    self.fields.pop()
                self.fields.append((self._select, a.get("value") or ""))
                self._sent = True
        if not self._in_plan_form or "name" not in a:
            return
        if tag == "input" and a.get("type") not in ("submit", "checkbox") or (
                tag == "input" and a.get("type") == "checkbox" and "checked" in a):
            self.fields.append((a["name"], a.get("value") or ""))
        elif tag == "textarea":
            self._textarea = a["name"]
            self.fields.append((a["name"], ""))
        elif tag == "select":
            self._select, self._sent = a["name"], False


    def handle_data(self, data):
        if self._textarea:
            name, value = self.fields.pop()
            self.fields.append((name, value + data))

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        if tag == "select":
            self._select = ""
        if tag == "form":
            self._in_plan_form = False


def _fields(html: str) -> dict[str, str | list[str]]:
    parser = _FormFields()
    parser.feed(html)
    out: dict[str, str | list[str]] = {}
    for name, value in parser.fields:
        value = unescape(value).removeprefix("\r\n").removeprefix("\n")
        if name in out:
            out[name] = [*([out[name]] if isinstance(out[name], str) else out[name]), value]
        else:
            out[name] = value
    return out


def _titles(html: str) -> list[str]:
    return [unescape(v) for v in re.findall(
        r'name="pledge-sections-\d+-title_vi"[^>]*value="([^"]*)"', html)]


@pytest.fixture
def officer(app):
    assert app.test_cli_runner().invoke(args=["elearn", "demo", "load"]).exit_code == 0
    client = app.test_client()
    login(client, "tuyengiao", DEMO_PASSWORD)
    return client


def _plans(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(StudyPlan.id)))


def test_the_template_is_a_form_whose_rows_are_added_moved_and_removed_without_scripts(
        app, officer):
    page = officer.get("/plans/").get_data(as_text=True)
    assert 'name="template"' not in page  # no YAML box
    for text in ("Mẫu bản đăng ký", "Thêm một phần", "Lên trên", "Xóa phần", "Tên phần (tiếng Việt)"):
        assert text in page
    default, _errors = parse_template(DEFAULT_TEMPLATE)
    assert _titles(page) == [s.title.get("vi") for s in default.sections]
    assert 'name="pledge-title_vi"' in page and 'name="pledge-max_commitments"' in page
    form = _fields(page)
    form.update({"year": str(YEAR), "unit_code": "T-DEMO", "title": "Kế hoạch 2032",
                 "deadline": f"{YEAR}-12-31"})
    before = _plans(app)

    added = officer.post("/plans/", data={**form, "pledge-action": "add"})
    html = added.get_data(as_text=True)
    assert added.status_code == 200 and _plans(app) == before  # nothing saved yet
    assert _titles(html) == [*_titles(page), ""]
    assert 'value="Kế hoạch 2032"' in html  # what was typed is kept
    assert 'formaction="/plans/#pledge-sections"' in html  # back at the rows, not the top

    form = _fields(html)
    form["pledge-sections-3-title_vi"] = "Nêu gương của người đứng đầu"
    form["pledge-sections-3-title_en"] = "Leaders set the example"
    moved = officer.post("/plans/", data={**form, "pledge-action": "up-3"})
    titles = _titles(moved.get_data(as_text=True))
    assert titles[2] == "Nêu gương của người đứng đầu" and len(titles) == 4
    form = _fields(moved.get_data(as_text=True))
    removed = officer.post("/plans/", data={**form, "pledge-action": "remove-0"})
    titles = _titles(removed.get_data(as_text=True))
    assert len(titles) == 3 and titles[1] == "Nêu gương của người đứng đầu"

    form = _fields(removed.get_data(as_text=True))
    form["pledge-max_commitments"] = "4"
    saved = officer.post("/plans/", data=form)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    with app.app_context():
        plan = db.session.scalar(select(StudyPlan).where(StudyPlan.year == YEAR))
        stored, errors = parse_template(plan.template)
    assert errors == [] and stored.max_commitments == 4
    assert [s.key for s in stored.sections] == ["ct05", "section-1", "nq04"]
    assert stored.sections[1].title.get("en") == "Leaders set the example"
    assert stored.title == default.title and stored.commitment == default.commitment


def test_editing_a_plan_keeps_section_keys_and_shows_the_yaml_read_only(app, officer):
    with app.app_context():
        plan_id, courses = db.session.execute(select(StudyPlan.id, StudyPlan.courses)
                                              .order_by(StudyPlan.id)).first()
    page = officer.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "YAML" in page and "<pre>" in page and 'name="template"' not in page
    form = _fields(page)
    form["pledge-sections-0-title_vi"] = "Nghị quyết Đại hội (đã đổi tên)"
    moved = officer.post(f"/plans/{plan_id}", data={**form, "pledge-action": "down-0"})
    assert moved.status_code == 200
    saved = officer.post(f"/plans/{plan_id}", data=_fields(moved.get_data(as_text=True)))
    assert saved.status_code == 302, saved.get_data(as_text=True)
    with app.app_context():
        from elearn.services.pledges import plan_template

        stored = plan_template(db.session.get(StudyPlan, plan_id))
    assert [s.key for s in stored.sections] == ["ct05", "nq12", "nq04"]
    with app.app_context():  # the rest of the plan as it was (its courses were ticked)
        assert json.loads(db.session.get(StudyPlan, plan_id).courses) == json.loads(courses)
    assert stored.sections[1].title.get("vi") == "Nghị quyết Đại hội (đã đổi tên)"


def test_template_mistakes_are_explained_in_vietnamese_and_nothing_is_saved(app, officer):
    form = _fields(officer.get("/plans/").get_data(as_text=True))
    form.update({"year": str(YEAR), "unit_code": "T-DEMO", "title": "Kế hoạch 2032",
                 "deadline": f"{YEAR}-12-31", "pledge-sections-1-title_vi": "",
                 "pledge-max_commitments": "11", "pledge-title_vi": ""})
    before = _plans(app)
    response = officer.post("/plans/", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and _plans(app) == before
    assert html.count("Trường này là bắt buộc.") == 2
    assert "Số phải nằm trong khoảng từ 1 đến 10." in html
    assert "This field is required" not in html and "Number must be" not in html
    # A forged or stale row button changes nothing and saves nothing.
    odd = officer.post("/plans/", data={**form, "pledge-action": "up-99"})
    assert odd.status_code == 200 and _plans(app) == before


def test_the_editor_speaks_english_to_english_readers(app, officer):
    officer.post("/language", data={"csrf_token": csrf_token(officer, "/"), "language": "en"})
    page = officer.get("/plans/").get_data(as_text=True)
    assert '<html lang="en">' in page
    for text in ("Pledge template", "Add a section", "Move up", "Section title (Vietnamese)"):
        assert text in page


def test_a_forged_row_is_refused_with_a_message_not_an_error_page(app, officer):
    form = _fields(officer.get("/plans/").get_data(as_text=True))
    form.update({"year": str(YEAR), "unit_code": "T-DEMO", "title": "Kế hoạch 2032",
                 "deadline": f"{YEAR}-12-31", "pledge-sections-0-key": "k" * 500,
                 "pledge-sections-9-title_vi": "x" * 5000, "pledge-max_commitments": "1e9"})
    before = _plans(app)
    response = officer.post("/plans/", data=form)
    assert response.status_code == 400 and _plans(app) == before
    html = response.get_data(as_text=True)
    assert "Trường này không được dài quá 64 ký tự." in html
    assert "Trường này không được dài quá 300 ký tự." in html
