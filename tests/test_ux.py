"""Small things every role meets: the favicon, units in natural order, missing courses as
links on the pledge checklist, and no page of the demo repeating an element id."""
from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urldefrag, urlsplit

from elearn.extensions import db
from elearn.models import Role
from elearn.services.accounts import create_user, grant_role
from elearn.services.demo import DEMO_PASSWORD, DEMO_PEOPLE
from elearn.services.orgs import children, create_unit, unit_by_code
from elearn.testing import Elements, login

from test_pledges import COURSE, YEAR, client_for, file_pledge, party  # noqa: F401 (fixture)


def test_favicon_answers_with_an_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    assert response.data[:4] == b"\x00\x00\x01\x00"  # the ICO signature
    assert 'rel="icon"' in client.get("/").get_data(as_text=True)


CELLS = ["CB10", "CB2", "CB1", "CB9", "CB11"]


def numbered_cells(app) -> None:
    with app.app_context():
        province = create_unit("T", "Tỉnh", "province")
        commune = create_unit("X", "Xã", "grassroots", province)
        for code in CELLS:  # created out of order: ids do not give the order either
            create_unit(code, f"Chi bộ {code[2:]}", "cell", commune)
        create_unit("CB2-A", "Tổ 1", "group", unit_by_code("CB2"))
        admin = create_user("quan.tri", "Quản Trị", "mat-khau-dai", province)
        grant_role(admin, Role.ADMIN, province)
        db.session.commit()


def test_sibling_units_sort_naturally_in_the_admin_list(app):
    numbered_cells(app)
    client = app.test_client()
    assert login(client, "quan.tri", "mat-khau-dai").status_code == 302
    page = client.get("/admin/units/").get_data(as_text=True)
    codes = re.findall(r'<code class="meta">([^<]+)</code>', page)
    # A tree (each unit after its parent), siblings in natural order.
    assert codes == ["T", "X", "CB1", "CB2", "CB2-A", "CB9", "CB10", "CB11"]
    searched = client.get("/admin/units/?q=CB1").get_data(as_text=True)
    assert re.findall(r'<code class="meta">([^<]+)</code>', searched) == ["CB1", "CB10", "CB11"]
    with app.app_context():
        assert [u.code for u in children(unit_by_code("X"))] == \
            ["CB1", "CB2", "CB9", "CB10", "CB11"]


def test_admin_unit_list_pages_keep_the_order(app):
    numbered_cells(app)
    from elearn.views import admin_units
    client = app.test_client()
    assert login(client, "quan.tri", "mat-khau-dai").status_code == 302
    original, admin_units.PAGE_SIZE = admin_units.PAGE_SIZE, 3
    try:
        pages = [client.get(f"/admin/units/?page={n}").get_data(as_text=True) for n in (1, 2, 3)]
    finally:
        admin_units.PAGE_SIZE = original
    codes = [re.findall(r'<code class="meta">([^<]+)</code>', page) for page in pages]
    assert codes == [["T", "X", "CB1"], ["CB2", "CB2-A", "CB9"], ["CB10", "CB11"]]
    assert "Trang 2/3" in pages[1]
    assert client.get("/admin/units/?page=zz").status_code == 200  # bad page: the first


def test_pledge_checklist_links_the_missing_course(party):
    dv = client_for(party, "dv")
    refused = file_pledge(dv)
    assert refused.status_code == 409
    html = refused.get_data(as_text=True)
    link = re.search(rf'<a href="/courses/{COURSE}/">([^<]+)</a>', html)
    assert link and link.group(1).strip()  # the course's title, as a link to it
    checklist = dv.get(f"/pledges/{YEAR}").get_data(as_text=True)
    assert f'<a href="/courses/{COURSE}/">' in checklist


# -- no page repeats an id -------------------------------------------------------------------
SKIPPED = re.compile(r"\.(pdf|csv|xlsx|json|ico|png|svg)$|/export|/logout|/static/")
PAGES_PER_PERSON = 60


def duplicate_ids(html: str) -> list[str]:
    ids = Counter(attrs["id"] for _tag, attrs in Elements(html).elements if attrs.get("id"))
    return sorted(name for name, count in ids.items() if count > 1)


def crawl(client, start: str = "/") -> dict[str, list[str]]:
    """Same-site pages reachable by links from `start` (GET only), with their repeated ids.
    One URL per path: ?page= and filter variants show the same template."""
    queue, seen, found = [start], set(), {}
    while queue and len(found) < PAGES_PER_PERSON:
        url = queue.pop(0)
        path = urlsplit(url).path
        if path in seen:
            continue
        seen.add(path)
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        found[url] = duplicate_ids(html)
        for tag, attrs in Elements(html).elements:
            href = attrs.get("href", "") if tag == "a" else ""
            href = urldefrag(href)[0]
            if href.startswith("/") and not href.startswith("//") and not SKIPPED.search(href):
                queue.append(href)
    return found


def test_no_page_of_the_demo_repeats_an_id(app):
    assert app.test_cli_runner().invoke(args=["elearn", "demo", "load"]).exit_code == 0
    problems, pages = {}, 0
    people = [None] + [person[0] for person in DEMO_PEOPLE]
    for username in people:
        client = app.test_client()
        if username:
            assert login(client, username, DEMO_PASSWORD).status_code == 302
        found = crawl(client)
        pages += len(found)
        problems.update({f"{username or 'anonymous'} {url}": ids
                         for url, ids in found.items() if ids})
    assert pages > 100
    assert problems == {}


def test_the_id_check_can_fail():
    assert duplicate_ids('<input id="csrf_token"><p id="x"></p><input id="csrf_token">') == \
        ["csrf_token"]
