"""Issue #14, items 7 and 13: how a certificate addresses its holder and who issues it; and
the notice an English reader gets over lessons written only in Vietnamese."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from elearn.extensions import db
from elearn.registry import current_registry
from elearn.services import codes, completions
from elearn.services.accounts import create_user, find_user
from elearn.services.orgs import create_unit
from elearn.testing import login, write_course
from elearn.testing.courses import COURSE

from kit import PASSWORD

ISSUED = "khoa-co-noi-cap"
DEFAULT = "khoa-mac-dinh"
# The test course, with the school that owns it named in course.yaml.
ISSUED_COURSE = COURSE.format(slug=ISSUED) + (
    'issuer: {vi: "Trường Chính trị tỉnh Thử", en: "Thu Provincial Political School"}\n')
NOTICE_EN = "This lesson is available in Vietnamese only."


@pytest.fixture
def site(make_app, course_root):
    write_course(course_root, ISSUED, course=ISSUED_COURSE)
    write_course(course_root, DEFAULT)
    app = make_app(COURSE_DIRS=[str(course_root)])
    assert not app.extensions["elearn.registry"].course_problems
    with app.app_context():
        province = create_unit("T", "Đảng bộ tỉnh Thử", "province")
        cell = create_unit("T-CB1", "Chi bộ ấp Phú Hòa", "cell", province)
        college = create_unit("T-CD", "Trường Cao đẳng Thử", "college", province)
        klass = create_unit("T-CD-L1", "Lớp GDTH K45", "class", college)
        create_user("can.bo", "Nguyễn Văn Cán", PASSWORD, cell)
        create_user("sinh.vien", "Trần Thị Sinh", PASSWORD, klass, audience="student")
        db.session.commit()
    return app


def certificate(app, username: str, slug: str, language: str = "vi") -> tuple[str, str]:
    """(HTML page, PDF text) of the person's certificate for the course."""
    with app.app_context():
        completion = completions.issue(find_user(username), current_registry().course(slug),
                                       method=completions.ONLINE, score=90)
        code = codes.display(completion.code)
    client = app.test_client()
    client.set_cookie("lang", language)
    login(client, username, PASSWORD)
    page = client.get(f"/certificates/{code}")
    pdf = client.get(f"/certificates/{code}.pdf")
    assert page.status_code == 200 and pdf.status_code == 200
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    return page.get_data(as_text=True), " ".join(text.split())


def test_a_student_is_not_addressed_as_comrade(site):
    page, pdf = certificate(site, "sinh.vien", ISSUED)
    for text in (page, pdf):
        assert "đồng chí" not in text.lower()
        assert "Chứng nhận anh/chị" in text
        assert "Trần Thị Sinh" in text


def test_a_cadre_is_still_addressed_as_comrade(site):
    page, pdf = certificate(site, "can.bo", ISSUED)
    for text in (page, pdf):
        assert "Chứng nhận đồng chí" in text
        assert "Nguyễn Văn Cán" in text


def test_the_issuer_is_the_school_named_by_the_course_never_the_cell(site):
    page, pdf = certificate(site, "can.bo", ISSUED)
    assert "Trường Chính trị tỉnh Thử" in page
    assert "TRƯỜNG CHÍNH TRỊ TỈNH THỬ" in pdf
    for text in (page, pdf):
        assert "phú hòa" not in text.lower()
    page, pdf = certificate(site, "sinh.vien", ISSUED, language="en")
    assert "Thu Provincial Political School" in page
    assert "THU PROVINCIAL POLITICAL SCHOOL" in pdf
    # The class's name, whole: a bare "K45" can turn up inside a random verification code.
    for text in (page, pdf):
        assert "gdth k45" not in text.lower()


def test_without_an_issuer_the_top_of_the_tree_issues(site):
    page, pdf = certificate(site, "can.bo", DEFAULT)
    assert "Đảng bộ tỉnh Thử" in page and "ĐẢNG BỘ TỈNH THỬ" in pdf
    assert "phú hòa" not in page.lower() and "phú hòa" not in pdf.lower()


# -- item 13: lessons in Vietnamese only -----------------------------------------------------

ENGLISH_LESSON = """\
## Content

Study and follow, in English.
"""


@pytest.fixture
def bilingual_site(make_app, course_root):
    """`khoa-viet` has Vietnamese lesson bodies only; `khoa-song-ngu` has both; in
    `khoa-mot-nua` only the first lesson has an English body."""
    write_course(course_root, "khoa-viet")
    for slug, english in (("khoa-song-ngu", ["01-mot", "02-hai"]), ("khoa-mot-nua", ["01-mot"])):
        folder = write_course(course_root, slug, course=COURSE.format(slug=slug)
                              + "languages: [vi, en]\n")
        for n, stem in enumerate(english, start=1):
            (folder / "lessons" / f"{stem}.en.md").write_text(ENGLISH_LESSON.format(n=n),
                                                              encoding="utf-8")
    app = make_app(COURSE_DIRS=[str(course_root)])
    problems = app.extensions["elearn.registry"].course_problems
    assert not problems, [str(e) for p in problems for e in p.errors]
    with app.app_context():
        create_user("doc.gia", "Lê Độc Giả", PASSWORD, create_unit("T", "Tỉnh", "province"))
        db.session.commit()
    return app


def reader(app, language: str):
    client = app.test_client()
    client.set_cookie("lang", language)
    login(client, "doc.gia", PASSWORD)
    return client


def test_an_english_reader_is_told_a_lesson_is_in_vietnamese_only(bilingual_site):
    client = reader(bilingual_site, "en")
    lesson = client.get("/courses/khoa-viet/lessons/01-mot").get_data(as_text=True)
    assert NOTICE_EN in lesson
    course = client.get("/courses/khoa-viet/").get_data(as_text=True)
    assert "The lessons of this course are available in Vietnamese only." in course


def test_no_notice_where_the_english_body_exists(bilingual_site):
    client = reader(bilingual_site, "en")
    lesson = client.get("/courses/khoa-song-ngu/lessons/01-mot").get_data(as_text=True)
    assert "Study and follow, in English." in lesson and NOTICE_EN not in lesson
    course = client.get("/courses/khoa-song-ngu/").get_data(as_text=True)
    assert "Vietnamese only" not in course


def test_a_partly_translated_course_names_the_lessons_in_vietnamese_only(bilingual_site):
    client = reader(bilingual_site, "en")
    course = client.get("/courses/khoa-mot-nua/").get_data(as_text=True)
    assert "Some lessons of this course are available in Vietnamese only." in course
    assert course.count("(Vietnamese only)") == 1
    assert NOTICE_EN not in client.get("/courses/khoa-mot-nua/lessons/01-mot").get_data(
        as_text=True)
    assert NOTICE_EN in client.get("/courses/khoa-mot-nua/lessons/02-hai").get_data(
        as_text=True)


def test_a_vietnamese_reader_gets_no_notice(bilingual_site):
    client = reader(bilingual_site, "vi")
    lesson = client.get("/courses/khoa-viet/lessons/01-mot").get_data(as_text=True)
    course = client.get("/courses/khoa-viet/").get_data(as_text=True)
    for page in (lesson, course):
        assert "chỉ có bản tiếng Việt" not in page and "chỉ có tiếng Việt" not in page


def test_the_verify_page_names_the_issuer(site):
    with site.app_context():
        completion = completions.issue(find_user("sinh.vien"), current_registry().course(ISSUED),
                                       method=completions.ONLINE, score=90)
        code = codes.display(completion.code)
    public = site.test_client()
    page = public.get(f"/verify/{code}").get_data(as_text=True)
    assert "Đơn vị cấp" in page and "Trường Chính trị tỉnh Thử" in page
    public.set_cookie("lang", "en")
    page = public.get(f"/verify/{code}").get_data(as_text=True)
    assert "Issued by" in page and "Thu Provincial Political School" in page
    api = public.get(f"/api/v1/verify/{code}").get_json()
    assert api["issuer"] == "Trường Chính trị tỉnh Thử"
