"""A training centre keeps its lessons in Word: `flask elearn lessons import` and the page
`/author/lessons` split a .docx at each Heading 1 into lesson files the course loader accepts,
keep headings, lists, bold/italic and tables, and say by paragraph number what they could not
carry (images, footnotes, comments). Real .docx files are built with python-docx."""
from __future__ import annotations

import base64
import functools
import threading
import re
import struct
import zipfile
import zlib
from html import unescape
from io import BytesIO
from pathlib import Path

import pytest
import yaml
from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from openpyxl import Workbook

from elearn.content.banks.xlsx import TEMPLATE_HEADERS
from elearn.content.course_lessons import add_lessons
from elearn.content.rendering import render_markdown
from elearn.content.scaffold import write_scaffold
from elearn.content.word import WordFileError, convert_docx, lesson_stem
from elearn.extensions import db
from elearn.models import Role
from elearn.services.accounts import create_user, grant_role
from elearn.services.orgs import create_unit
from elearn.testing import csrf_token, login

PASSWORD = "mat-khau-dai-2026"


def one_pixel_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def centre_document() -> bytes:
    """What a district centre's Word file looks like: a cover line, two lessons."""
    document = Document()
    document.add_paragraph("TRUNG TÂM CHÍNH TRỊ HUYỆN — Tài liệu học tập 2026")      # 1
    document.add_heading("Bài 1: Tư tưởng Hồ Chí Minh về đạo đức cách mạng", 1)     # 2
    intro = document.add_paragraph("Đạo đức là ")                                   # 3
    intro.add_run("gốc").bold = True
    intro.add_run(" của người cách mạng, ")
    intro.add_run("như cây phải có rễ").italic = True
    intro.add_run(".")
    document.add_heading("1.1. Cần, kiệm, liêm, chính", 2)                          # 4
    document.add_paragraph("Cần: siêng năng, chăm chỉ", style="List Bullet")        # 5
    document.add_paragraph("Kiệm: tiết kiệm", style="List Bullet")                  # 6
    document.add_paragraph("Đọc tài liệu", style="List Number")                    # 7
    document.add_paragraph("Liên hệ bản thân", style="List Number")                # 8
    table = document.add_table(rows=3, cols=2)                                      # 9
    for row, (left, right) in enumerate([("Phẩm chất", "Biểu hiện"),
                                         ("Trung thực", "Nói đi đôi với làm"),
                                         ("Giản dị", "Sống A | B")]):
        table.cell(row, 0).text, table.cell(row, 1).text = left, right
    document.add_picture(BytesIO(one_pixel_png()))                                  # 10
    noted = document.add_paragraph("Câu nói có chú thích cuối trang.")              # 11
    reference = OxmlElement("w:footnoteReference")
    reference.set(qn("w:id"), "1")
    noted.runs[0]._r.append(reference)
    commented = document.add_paragraph("Đoạn có ý kiến góp ý.")                     # 12
    document.add_comment(commented.runs, text="Xem lại", author="Tổ biên soạn")
    document.add_heading("Bài 2: Phong cách * và <b>thẻ</b>", 1)                    # 13
    document.add_paragraph("# Không phải tiêu đề; <script>alert(1)</script> là chữ.")  # 14
    document.add_heading("Bài 3: Để trống", 1)                                      # 15
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def front_and_body(text: str) -> tuple[dict, str]:
    _, front, body = text.split("---\n", 2)
    return yaml.safe_load(front), body


def test_a_word_document_becomes_lessons_at_each_heading_1():
    result = convert_docx(centre_document())
    assert [lesson.file_name for lesson in result.lessons] == [
        "bai-1-tu-tuong-ho-chi-minh-ve-dao-duc-cach-mang.md", "bai-2-phong-cach-va-b-the-b.md"]
    front, body = front_and_body(result.lessons[0].text)
    assert front == {"title": "Bài 1: Tư tưởng Hồ Chí Minh về đạo đức cách mạng"}
    assert body == (
        "Đạo đức là **gốc** của người cách mạng, *như cây phải có rễ*.\n\n"
        "## 1.1. Cần, kiệm, liêm, chính\n\n"
        "- Cần: siêng năng, chăm chỉ\n- Kiệm: tiết kiệm\n\n"
        "1. Đọc tài liệu\n1. Liên hệ bản thân\n\n"
        "| Phẩm chất | Biểu hiện |\n|---|---|\n| Trung thực | Nói đi đôi với làm |\n"
        "| Giản dị | Sống A \\| B |\n\n"
        "Câu nói có chú thích cuối trang.\n\nĐoạn có ý kiến góp ý.\n")
    second_front, second = front_and_body(result.lessons[1].text)
    assert second_front == {"title": "Bài 2: Phong cách * và <b>thẻ</b>"}
    # Word text is text: a leading # or a <script> typed in Word is escaped, not obeyed.
    assert second == "\\# Không phải tiêu đề; \\<script\\>alert(1)\\</script\\> là chữ.\n"


def test_nested_lists_keep_their_levels_and_render_nested():
    document = Document()
    document.add_heading("Bài 1", 1)
    document.add_paragraph("Nhiệm vụ chung", style="List Number")
    document.add_paragraph("Cấp ủy chi bộ", style="List Bullet 2")
    document.add_paragraph("Bí thư", style="List Number 3")
    document.add_paragraph("Nhiệm vụ riêng", style="List Number")
    document.add_paragraph("- Đoạn văn bắt đầu bằng gạch ngang")
    buffer = BytesIO()
    document.save(buffer)
    body = convert_docx(buffer.getvalue()).lessons[0].body
    assert body == ("1. Nhiệm vụ chung\n    - Cấp ủy chi bộ\n        1. Bí thư\n1. Nhiệm vụ riêng"
                    "\n\n\\- Đoạn văn bắt đầu bằng gạch ngang\n")
    html = render_markdown(body)
    assert re.sub(r"\s", "", html) == (
        "<ol><li>Nhiệmvụchung<ul><li>Cấpủychibộ<ol><li>Bíthư</li></ol></li></ul></li>"
        "<li>Nhiệmvụriêng</li></ol><p>-Đoạnvănbắtđầubằnggạchngang</p>")


def test_what_cannot_be_carried_is_reported_by_paragraph_number():
    left_out = [(item.paragraph, item.what) for item in convert_docx(centre_document()).left_out]
    assert left_out == [
        (1, "text before the first Heading 1 (1 paragraph(s) or table(s))"),
        (10, "an image"), (11, "a footnote"), (12, "a comment"),
        (15, "lesson “Bài 3: Để trống” has no text under its heading; it was not written"),
    ]


def test_file_names_are_ascii_without_diacritics_and_length_limited():
    assert lesson_stem("Bài 1: Tư tưởng Hồ Chí Minh") == "bai-1-tu-tuong-ho-chi-minh"
    assert lesson_stem("Đảng bộ ĐỒNG THÁP — “Học tập”") == "dang-bo-dong-thap-hoc-tap"
    long = lesson_stem("Chuyên đề " + "học tập và làm theo tấm gương đạo đức " * 5)
    assert len(long) <= 60 and not long.endswith("-") and long.startswith("chuyen-de-hoc-tap")
    assert lesson_stem("!!!") == "bai"
    document = Document()
    for _ in range(2):
        document.add_heading("Bài học", 1)
        document.add_paragraph("Nội dung.")
    buffer = BytesIO()
    document.save(buffer)
    assert [lesson.file_name for lesson in convert_docx(buffer.getvalue()).lessons] == [
        "bai-hoc.md", "bai-hoc-2.md"]


@functools.cache
def zip_bomb() -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<a/>" + b" " * (70 * 1024 * 1024))
    return buffer.getvalue()


@functools.cache
def damaged() -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document>not closed")
    return buffer.getvalue()


def without_heading() -> bytes:
    document = Document()
    document.add_paragraph("Chỉ có đoạn văn, không có tiêu đề.")
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


BAD_FILES = {  # built when a test asks, so collecting the tests builds no 70 MB string
    "plain text": (lambda: b"Bai 1\nNoi dung", "not a readable Word document (.docx)"),
    "old .doc": (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
                 "old Word file (.doc)"),
    "damaged": (damaged, "not a readable Word document (.docx)"),
    "zip bomb": (zip_bomb, "unpacks to more than 64 MB"),
    "no heading": (without_heading, "the document has no Heading 1"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_unreadable_files_are_refused_with_one_reason(name):
    build, message = BAD_FILES[name]
    with pytest.raises(WordFileError) as refused:
        convert_docx(build())
    assert message in str(refused.value)


def excel_bank(path: Path, lessons: list[str]) -> None:
    """The centre's Excel bank in the template's columns: five questions for each lesson."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(TEMPLATE_HEADERS)
    for lesson in lessons:
        for number in range(1, 6):
            sheet.append([f"Câu {number} của bài {lesson}: ý nào đúng?", "Ý thứ nhất",
                          "Ý thứ hai", "Ý thứ ba", "Ý thứ tư", "ABCD"[number % 4], "", lesson,
                          "", ""])
    workbook.save(path)


# -- the CLI --------------------------------------------------------------------------------

def run(app, *words):
    return app.test_cli_runner().invoke(args=["elearn", *words])


@pytest.fixture
def word_file(tmp_path) -> Path:
    path = tmp_path / "Tài liệu bồi dưỡng.docx"
    path.write_bytes(centre_document())
    return path


def test_cli_adds_the_lessons_to_a_new_course_and_the_check_passes(app, tmp_path, word_file):
    assert run(app, "courses", "new", "khoa-word", "--dir", str(tmp_path)).exit_code == 0
    course = tmp_path / "khoa-word"
    before = (course / "course.yaml").read_text(encoding="utf-8")
    imported = run(app, "lessons", "import", str(word_file), "--course", str(course))
    assert imported.exit_code == 0, imported.output
    assert "bai-1-tu-tuong-ho-chi-minh-ve-dao-duc-cach-mang.md" in imported.output
    assert re.search(r"đoạn 10: .*hình ảnh", imported.output), imported.output  # Vietnamese
    text = (course / "course.yaml").read_text(encoding="utf-8")
    assert yaml.safe_load(text)["lessons"] == [
        "01-gioi-thieu.md", "02-ngan-hang-cau-hoi.md",
        "bai-1-tu-tuong-ho-chi-minh-ve-dao-duc-cach-mang.md", "bai-2-phong-cach-va-b-the-b.md"]
    # Only lines were added: every comment of the scaffold is still there.
    assert [line for line in before.splitlines() if line.startswith("#")] == \
        [line for line in text.splitlines() if line.startswith("#")]
    # The guide's next steps: drop the scaffold's sample lessons, bring the Excel bank whose
    # "Bài học" column names the imported lessons, check.
    for sample in ("01-gioi-thieu.md", "02-ngan-hang-cau-hoi.md"):
        text = text.replace(f"  - {sample}\n", "")
        (course / "lessons" / sample).unlink()
    (course / "course.yaml").write_text(text, encoding="utf-8")
    bank = tmp_path / "ngan-hang.xlsx"
    excel_bank(bank, ["bai-1-tu-tuong-ho-chi-minh-ve-dao-duc-cach-mang",
                      "bai-2-phong-cach-va-b-the-b"])
    banked = run(app, "bank", "import", str(bank), "--out", str(course / "quizzes" / "bank.yaml"))
    assert banked.exit_code == 0, banked.output
    checked = run(app, "courses", "check", str(course))
    assert checked.exit_code == 0, checked.output
    assert "ok  khoa-word" in checked.output


def test_cli_never_overwrites_a_lesson_without_replace(app, tmp_path, word_file):
    run(app, "courses", "new", "khoa-word", "--dir", str(tmp_path))
    course = tmp_path / "khoa-word"
    assert run(app, "lessons", "import", str(word_file), "--course", str(course)).exit_code == 0
    lesson = course / "lessons" / "bai-2-phong-cach-va-b-the-b.md"
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\nSửa tay.\n", encoding="utf-8")
    listed = (course / "course.yaml").read_text(encoding="utf-8")
    again = run(app, "lessons", "import", str(word_file), "--course", str(course))
    assert again.exit_code == 1 and "--replace" in again.output
    assert len(again.output.strip().splitlines()) == 1
    assert "Sửa tay." in lesson.read_text(encoding="utf-8")
    replaced = run(app, "lessons", "import", str(word_file), "--course", str(course),
                   "--replace")
    assert replaced.exit_code == 0, replaced.output
    assert "Sửa tay." not in lesson.read_text(encoding="utf-8")
    # Names already listed are not listed twice.
    assert (course / "course.yaml").read_text(encoding="utf-8") == listed


def test_cli_dry_run_writes_nothing(app, tmp_path, word_file):
    run(app, "courses", "new", "khoa-word", "--dir", str(tmp_path))
    course = tmp_path / "khoa-word"
    before = {p: p.read_bytes() for p in course.rglob("*") if p.is_file()}
    result = run(app, "lessons", "import", str(word_file), "--course", str(course), "--dry-run")
    assert result.exit_code == 0, result.output
    assert {p: p.read_bytes() for p in course.rglob("*") if p.is_file()} == before


def test_imports_running_at_once_lose_no_lesson(tmp_path):
    """Several imports into the same folder at the same moment (two authors, two terminals):
    course.yaml ends up listing every lesson of every document, each once."""
    course = write_scaffold(tmp_path, "khoa-word", year=2026)
    documents = []
    for author in range(6):
        document = Document()
        for number in range(1, 41):  # many files to write: a wide window between read and write
            document.add_heading(f"Tổ {author} bài {number}", 1)
            document.add_paragraph("Nội dung bài học.")
        buffer = BytesIO()
        document.save(buffer)
        documents.append(convert_docx(buffer.getvalue()).lessons)
    start = threading.Barrier(len(documents))
    failures: list[BaseException] = []

    def one_import(lessons) -> None:
        start.wait()
        try:
            add_lessons(course, lessons)
        except BaseException as exc:  # reported below; a thread's exception is otherwise lost
            failures.append(exc)

    threads = [threading.Thread(target=one_import, args=(lessons,)) for lessons in documents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    listed = yaml.safe_load((course / "course.yaml").read_text(encoding="utf-8"))["lessons"]
    expected = {lesson.file_name for lessons in documents for lesson in lessons}
    assert len(listed) == len(set(listed)) == len(expected) + 2
    assert set(listed) == expected | {"01-gioi-thieu.md", "02-ngan-hang-cau-hoi.md"}


@pytest.mark.parametrize("case", ["not docx", "corrupt", "no course"])
def test_cli_refuses_bad_input_in_one_translated_line(app, tmp_path, word_file, case):
    target = tmp_path / "khoa-word"
    run(app, "courses", "new", "khoa-word", "--dir", str(tmp_path))
    if case == "not docx":
        source = tmp_path / "bai.pdf"
        source.write_bytes(b"%PDF-1.4")
    elif case == "corrupt":
        source = tmp_path / "hong.docx"
        source.write_bytes(damaged())
    else:
        source, target = word_file, tmp_path / "khong-co"
    result = run(app, "lessons", "import", str(source), "--course", str(target))
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output
    assert {"not docx": "(.docx)", "corrupt": "Word (.docx)",
            "no course": "course.yaml"}[case] in lines[0]
    assert not list((tmp_path / "khoa-word" / "lessons").glob("bai-1*"))


# -- the web page ---------------------------------------------------------------------------

@pytest.fixture
def author(app):
    with app.app_context():
        district = create_unit("H", "Huyện Hưng Thịnh", "district")
        grant_role(create_user("tac.gia", "Lê Thị Soạn", PASSWORD, district), Role.AUTHOR,
                   district)
        db.session.commit()
    client = app.test_client()
    assert login(client, "tac.gia", PASSWORD).status_code == 302
    return client, csrf_token(client, "/author/lessons/")


def post(client, token, data: bytes, name: str):
    return client.post("/author/lessons/", content_type="multipart/form-data",
                       data={"csrf_token": token, "file": (BytesIO(data), name)})


def test_the_page_previews_sanitised_lessons_reports_and_offers_the_zip(author):
    client, token = author
    response = post(client, token, centre_document(), "tai-lieu.docx")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<strong>gốc</strong>" in html and "<em>như cây phải có rễ</em>" in html
    assert "<th>Phẩm chất</th>" in html and "<li>Kiệm: tiết kiệm</li>" in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "đoạn 11: chú thích cuối trang" in html
    link = re.search(r'href="data:application/zip;base64,([^"]+)"', html).group(1)
    with zipfile.ZipFile(BytesIO(base64.b64decode(unescape(link)))) as archive:
        names = archive.namelist()
        first = archive.read(names[0]).decode("utf-8")
    assert names == ["lessons/bai-1-tu-tuong-ho-chi-minh-ve-dao-duc-cach-mang.md",
                     "lessons/bai-2-phong-cach-va-b-the-b.md"]
    assert first == convert_docx(centre_document()).lessons[0].text


@pytest.mark.parametrize("name,build,message", [
    ("bai.pdf", lambda: b"%PDF-1.4", "Chọn tệp Word (.docx)."),
    ("hong.docx", damaged, "không đọc được"),
    ("bom.docx", zip_bomb, "64 MB"),
])
def test_the_page_refuses_bad_files_with_a_400_and_a_translated_reason(author, name, build,
                                                                       message):
    client, token = author
    response = post(client, token, build(), name)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_the_page_needs_the_csrf_token(author):
    client, _ = author
    response = post(client, "wrong", centre_document(), "tai-lieu.docx")
    assert response.status_code == 400
    assert "data:application/zip" not in response.get_data(as_text=True)
