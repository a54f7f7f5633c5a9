"""`/author/banks`: a training centre's author imports a question bank from GIFT, Aiken,
Moodle XML or Excel through the browser, sees the CLI's report (counts per elearn type, every
refused question with its line or row), previews the questions, and downloads the same bank
YAML the CLI writes; exports to GIFT and Excel; nothing reaches the database."""
from __future__ import annotations

import base64
import re
import zipfile
from html import unescape
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from elearn.extensions import db
from elearn.models import AuditEntry, Role, User
from elearn.registry import current_registry
from elearn.services.accounts import create_user, grant_role
from elearn.services.orgs import create_unit
from elearn.testing import csrf_token, login

FIXTURES = Path(__file__).parent / "fixtures" / "banks"
PASSWORD = "mat-khau-dai-2026"


@pytest.fixture
def site(app):
    with app.app_context():
        district = create_unit("H", "Huyện Hưng Thịnh", "district")
        grant_role(create_user("tac.gia", "Lê Thị Soạn", PASSWORD, district), Role.AUTHOR,
                   district)
        create_user("hoc.vien", "Nguyễn Văn Học", PASSWORD, district)
        db.session.commit()
    return app


def signed_in(app, username: str):
    client = app.test_client()
    assert login(client, username, PASSWORD).status_code == 302
    return client, csrf_token(client, "/author/banks/" if username == "tac.gia" else "/")


def upload(client, token, path: Path | None = None, *, data: bytes | None = None,
           name: str | None = None, **fields):
    content = data if data is not None else path.read_bytes()
    return client.post("/author/banks/import", content_type="multipart/form-data", data={
        "csrf_token": token, "file": (BytesIO(content), name or path.name), **fields})


def cli_bank(app, source: Path, out: Path, *extra: str) -> str:
    result = app.test_cli_runner().invoke(
        args=["elearn", "bank", "import", str(source), "--out", str(out), *extra])
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def downloaded(html: str) -> str:
    link = re.search(r'href="data:application/x-yaml;base64,([^"]+)"', html)
    assert link, "no download offered"
    return base64.b64decode(link.group(1)).decode("utf-8")


def text_of(response) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_gift_upload_shows_the_cli_report_and_downloads_the_cli_bank(site, tmp_path):
    client, token = signed_in(site, "tac.gia")
    page = client.get("/author/")
    assert 'href="/author/banks/"' in page.get_data(as_text=True)  # linked from the author page
    response = upload(client, token, FIXTURES / "chi-thi-05.gift")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "single_choice 3, multiple_choice 2, true_false 3, short_text 1" in html
    assert "9 câu hỏi nhập được" in text_of(response)
    assert downloaded(html) == cli_bank(site, FIXTURES / "chi-thi-05.gift", tmp_path / "b.yaml")
    # The preview shows the question as a learner sees it; the key is in the author's box.
    year = html.index("Chỉ thị 05-CT/TW")
    card = html[year:html.index("</li>\n", html.index("</details>", year))]
    learner_part, key_part = card.split('<details class="key">')
    assert "2016" in learner_part and "✓" not in learner_part and "correct" not in learner_part
    assert "✓ 2016" in key_part and "✓ 2011" not in key_part


def test_refused_questions_are_listed_with_their_line_and_nothing_is_offered(site, tmp_path):
    client, token = signed_in(site, "tac.gia")
    response = upload(client, token, FIXTURES / "chi-thi-05-bad.gift")
    assert response.status_code == 400
    text = text_of(response)
    assert "6 câu hỏi không nhập được" in text
    for where, named in [("dòng 12", "essay"), ("dòng 14", "description"),
                         ("dòng 16", "missing word"), ("dòng 18", "70%, 30%"),
                         ("dòng 20", "100%, 50%"), ("dòng 22", "Cung")]:
        assert re.search(re.escape(where) + r"\s*:[^\n]*" + re.escape(named), text), where
    assert "data:application/x-yaml" not in response.get_data(as_text=True)

    skipped = upload(client, token, FIXTURES / "chi-thi-05-bad.gift", skip_bad="y")
    assert skipped.status_code == 200
    html = skipped.get_data(as_text=True)
    assert "single_choice 1, matching 1, numeric 2" in html
    assert "dòng 12" in text_of(skipped)  # the skipped ones are still reported
    assert downloaded(html) == cli_bank(site, FIXTURES / "chi-thi-05-bad.gift",
                                        tmp_path / "b.yaml", "--skip-bad")


def test_aiken_and_moodle_xml_uploads_match_the_cli(site, tmp_path):
    client, token = signed_in(site, "tac.gia")
    aiken = upload(client, token, FIXTURES / "aiken.txt")  # .txt read as Aiken, like the CLI
    assert aiken.status_code == 200 and "single_choice 2" in aiken.get_data(as_text=True)
    assert downloaded(aiken.get_data(as_text=True)) == cli_bank(
        site, FIXTURES / "aiken.txt", tmp_path / "a.yaml")
    bad = upload(client, token, FIXTURES / "aiken-bad.txt", format="aiken")
    assert bad.status_code == 400
    assert "dòng 1:" in text_of(bad).replace(" :", ":") and "ANSWER: E" in text_of(bad)

    xml = upload(client, token, FIXTURES / "chi-thi-05.xml")
    assert xml.status_code == 400
    for where in ("dòng 44", "dòng 55", "dòng 60", "dòng 64", "dòng 68", "dòng 72"):
        assert where in text_of(xml), where
    xml = upload(client, token, FIXTURES / "chi-thi-05.xml", skip_bad="y")
    assert xml.status_code == 200
    assert downloaded(xml.get_data(as_text=True)) == cli_bank(
        site, FIXTURES / "chi-thi-05.xml", tmp_path / "x.yaml", "--skip-bad")


def vietnamese_sheet(path: Path) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["NGÂN HÀNG CÂU HỎI CHỈ THỊ 05"])
    sheet.append(["STT", "Câu hỏi", "Lựa chọn A", "Lựa chọn B", "Lựa chọn C", "Lựa chọn D",
                  "Đáp án", "Giải thích"])
    sheet.append([1, "Chỉ thị 05 ban hành năm nào?", "2011", "2016", "2019", "2021", "B",
                  "Ngày 15/5/2016."])
    sheet.append([2, "Phong cách Hồ Chí Minh gồm?", "Tư duy", "Làm việc", "Xa hoa", "Ứng xử",
                  "A,B,D", ""])
    sheet.append([3, "Học tập và làm theo Bác là việc thường xuyên.", None, None, None, None,
                  "Đúng", ""])
    sheet.append([4, "Câu thiếu đáp án", "Một", "Hai", None, None, None, ""])
    sheet.append([5, "Đáp án ngoài lựa chọn", "Một", "Hai", None, None, "E", ""])
    workbook.save(path)
    return path


def test_xlsx_upload_reports_rows_and_matches_the_cli(site, tmp_path):
    sheet = vietnamese_sheet(tmp_path / "ngan-hang.xlsx")
    client, token = signed_in(site, "tac.gia")
    response = upload(client, token, sheet)
    assert response.status_code == 400
    text = text_of(response)
    assert "hàng 6" in text and "hàng 7" in text and "2 câu hỏi không nhập được" in text
    assert "single_choice 1, multiple_choice 1, true_false 1" in text
    skipped = upload(client, token, sheet, skip_bad="y")
    assert skipped.status_code == 200
    assert downloaded(skipped.get_data(as_text=True)) == cli_bank(
        site, sheet, tmp_path / "s.yaml", "--skip-bad")


def test_template_download_is_the_cli_template_and_imports_back(site, tmp_path):
    client, token = signed_in(site, "tac.gia")
    response = client.get("/author/banks/template.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "mau-ngan-hang.xlsx" in response.headers["Content-Disposition"]
    rows = list(load_workbook(BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[0][:7] == ("Câu hỏi", "Lựa chọn A", "Lựa chọn B", "Lựa chọn C", "Lựa chọn D",
                           "Đáp án", "Giải thích")
    back = upload(client, token, data=response.data, name="mau.xlsx")
    assert back.status_code == 200
    assert "single_choice 1, multiple_choice 1, true_false 1, short_text 1" in back.get_data(
        as_text=True)


def test_export_an_uploaded_bank_and_a_course_bank_like_the_cli(site, tmp_path):
    client, token = signed_in(site, "tac.gia")
    bank = tmp_path / "chi-thi-05.yaml"
    cli_bank(site, FIXTURES / "chi-thi-05.gift", bank)
    bank.write_text(bank.read_text(encoding="utf-8").replace(
        "prompt: Chỉ thị", "prompt: =HYPERLINK(\"http://x\") Chỉ thị", 1), encoding="utf-8")
    for fmt in ("gift", "xlsx"):
        response = client.post("/author/banks/export", content_type="multipart/form-data",
                               data={"csrf_token": token, "format": fmt,
                                     "file": (BytesIO(bank.read_bytes()), bank.name)})
        assert response.status_code == 200, response.get_data(as_text=True)
        assert f"chi-thi-05.{fmt}" in response.headers["Content-Disposition"]
        out = tmp_path / f"cli.{fmt}"
        result = site.test_cli_runner().invoke(args=["elearn", "bank", "export", str(bank),
                                                     "--format", fmt, "--out", str(out)])
        assert result.exit_code == 0, result.output
        if fmt == "gift":
            assert response.data == out.read_bytes()
        else:
            web = list(load_workbook(BytesIO(response.data)).active.iter_rows(values_only=True))
            assert web == list(load_workbook(out).active.iter_rows(values_only=True))
            prompts = [row[1] for row in web[1:]]
            assert prompts[0].startswith("'=HYPERLINK")  # neutralised, never a live formula

    # A loaded course's bank, by slug: its multiple-choice questions without partial credit
    # cannot be GIFT, so they are listed; with skip-bad the file equals the CLI's.
    slug = "cd-2016-toan-khoa"
    refused = client.post("/author/banks/export", data={
        "csrf_token": token, "format": "gift", "course": slug})
    assert refused.status_code == 400 and "q04" in text_of(refused)
    course = client.post("/author/banks/export", data={
        "csrf_token": token, "format": "gift", "course": slug, "skip_bad": "y"})
    # What was left out (and what GIFT drops) is listed before the file is taken.
    assert course.status_code == 200, course.get_data(as_text=True)
    listed = text_of(course)
    assert "q04" in listed and "tiếng Anh" in listed and f"Tải về {slug}.gift" in listed
    link = re.search(r'href="data:text/plain;base64,([^"]+)" download="([^"]+)"',
                     course.get_data(as_text=True))
    assert link and link.group(2) == f"{slug}.gift"
    with site.app_context():
        loaded = current_registry().course(slug)
        source = loaded.path / loaded.quiz.bank
    out = tmp_path / "course.gift"
    result = site.test_cli_runner().invoke(args=["elearn", "bank", "export", str(source),
                                                 "--format", "gift", "--out", str(out),
                                                 "--skip-bad"])
    assert result.exit_code == 0, result.output
    assert base64.b64decode(link.group(1)) == out.read_bytes()


def test_export_refusals_are_listed_and_nothing_is_sent(site, tmp_path):
    client, token = signed_in(site, "tac.gia")
    bank = ("questions:\n- id: sap-xep\n  type: ordering\n  prompt: Xếp theo thứ tự\n"
            "  items: [Một, Hai, Ba]\n- id: dung\n  type: true_false\n  prompt: Đúng?\n"
            "  answer: true\n")
    post = lambda **extra: client.post("/author/banks/export", content_type="multipart/form-data",
                                       data={"csrf_token": token, "format": "xlsx",
                                             "file": (BytesIO(bank.encode()), "b.yaml"), **extra})
    refused = post()
    assert refused.status_code == 400
    assert "sap-xep" in text_of(refused) and "ordering" in text_of(refused)
    assert post(skip_bad="y").status_code == 200


@pytest.mark.parametrize("name,data,message", [
    ("hong.xlsx", b"PK\x03\x04 not really a zip", "Excel"),
    ("latin1.gift", b"C\xe2u h\xf5i {T}", "UTF-8"),
    ("bank.xml", b'<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "aaaaaaaaaa">'
                 b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><quiz>&b;</quiz>', "XML"),
    ("bank.docx", b"PK", "."),
])
def test_corrupt_or_hostile_files_are_a_clear_400(site, name, data, message):
    client, token = signed_in(site, "tac.gia")
    response = upload(client, token, data=data, name=name)
    assert response.status_code == 400
    error = re.search(r'<(?:p|span) class="error" role="alert">([^<]+)<',
                      response.get_data(as_text=True))
    assert error and message in unescape(error.group(1)), response.get_data(as_text=True)


def test_zip_bomb_workbook_is_refused_before_it_is_unpacked(site):
    packed = BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (80 * 1024 * 1024))
    assert len(packed.getvalue()) < 200_000
    client, token = signed_in(site, "tac.gia")
    response = upload(client, token, data=packed.getvalue(), name="bom.xlsx")
    assert response.status_code == 400
    assert "64 MB" in text_of(response)


def test_yaml_alias_bomb_is_refused(site):
    client, token = signed_in(site, "tac.gia")
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n" \
           "questions:\n- id: q\n  type: short_text\n  prompt: {vi: *b}\n  answers: [x]\n"
    response = client.post("/author/banks/export", content_type="multipart/form-data",
                           data={"csrf_token": token, "format": "gift",
                                 "file": (BytesIO(bomb.encode()), "bom.yaml")})
    assert response.status_code == 400 and "*name" in text_of(response)


def test_only_authors_with_a_csrf_token_may_convert_and_nothing_is_stored(site):
    learner, token = signed_in(site, "hoc.vien")
    assert learner.get("/author/banks/").status_code == 403
    assert learner.get("/author/banks/template.xlsx").status_code == 403
    assert upload(learner, token, FIXTURES / "aiken.txt").status_code == 403
    anonymous = site.test_client()
    assert anonymous.get("/author/banks/").status_code in (302, 401)
    author, _ = signed_in(site, "tac.gia")
    with site.app_context():
        before = (db.session.scalar(select(func.count()).select_from(AuditEntry)),
                  db.session.scalar(select(func.count()).select_from(User)))
    no_token = upload(author, "", FIXTURES / "aiken.txt")
    assert no_token.status_code == 400 and "data:application" not in no_token.get_data(
        as_text=True)
    assert upload(author, csrf_token(author, "/author/banks/"),
                  FIXTURES / "aiken.txt").status_code == 200
    with site.app_context():
        assert (db.session.scalar(select(func.count()).select_from(AuditEntry)),
                db.session.scalar(select(func.count()).select_from(User))) == before


def test_the_page_speaks_english_too(site):
    client, token = signed_in(site, "tac.gia")
    client.post("/language", data={"csrf_token": token, "language": "en"})
    response = upload(client, csrf_token(client, "/author/banks/"),
                      FIXTURES / "chi-thi-05-bad.gift")
    text = text_of(response)
    assert "Import a question bank" in text and "6 questions cannot be imported" in text
    assert "line 12" in text


def test_an_upload_over_the_size_limit_is_a_translated_413(site):
    client, token = signed_in(site, "tac.gia")
    response = upload(client, token, data=b"x" * (5 * 1024 * 1024 + 1), name="lon.gift")
    assert response.status_code == 413
    assert "Traceback" not in response.get_data(as_text=True)
    assert "Tệp tải lên quá lớn" in text_of(response)


def test_a_big_bank_previews_its_first_questions_and_downloads_them_all(site, tmp_path):
    workbook = Workbook()
    workbook.active.append(["Câu hỏi", "Lựa chọn A", "Lựa chọn B", "Đáp án"])
    for number in range(1, 202):
        workbook.active.append([f"Câu hỏi số {number}?", "Có", "Không", "A"])
    sheet = tmp_path / "lon.xlsx"
    workbook.save(sheet)
    client, token = signed_in(site, "tac.gia")
    response = upload(client, token, sheet)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('<details class="key">') == 200
    assert "200 trong số 201" in text_of(response)
    assert downloaded(html).count("type: single_choice") == 201
