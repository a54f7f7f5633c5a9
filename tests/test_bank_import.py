"""`flask elearn bank import|export|template`: question banks from Moodle (GIFT, Aiken, XML)
and Excel become banks `courses check` accepts; every construct elearn cannot carry is
refused by name with its line or row; exports import back to the same questions."""
from __future__ import annotations

from pathlib import Path

from concurrent.futures import ThreadPoolExecutor

import yaml
from openpyxl import Workbook, load_workbook

from elearn.content.banks import import_file, to_bank_yaml, write_atomically
from elearn.testing import write_course


FIXTURES = Path(__file__).parent / "fixtures" / "banks"

COURSE = """\
slug: ngan-hang
version: "1.0"
title: "Khóa thử ngân hàng câu hỏi"
description: "Khóa học dùng để kiểm thử."
kind: annual
term: "2016-2021"
year: 2017
audience: all
lessons: [01-mot.md, 02-hai.md]
quiz:
  bank: quizzes/bank.yaml
  draw: 2
  pass_mark: 50
  max_guess_pass_probability: 1
"""


def run(app, *args: str):
    result = app.test_cli_runner().invoke(args=["elearn", "bank", *map(str, args)])
    # Bad input ends in a message and an exit code, never in an exception (a traceback).
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def questions(path: Path) -> dict[str, dict]:
    return {q["id"]: q for q in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]}


def assert_course_accepts(app, bank: Path, root: Path) -> None:
    folder = write_course(root, course=COURSE, bank=bank.read_text(encoding="utf-8"))
    result = app.test_cli_runner().invoke(args=["elearn", "courses", "check", str(folder)])
    assert result.exit_code == 0, result.output
    assert "ok  ngan-hang" in result.output


def right(question: dict) -> list[str]:
    return [o["text"] for o in question["options"] if o.get("correct")]


# --- GIFT -----------------------------------------------------------------------------------

def test_gift_every_construct_imports_faithfully_and_courses_check_accepts_it(app, tmp_path):
    out = tmp_path / "bank.yaml"
    result = run(app, "import", FIXTURES / "chi-thi-05.gift", "--out", out,
                 "--lesson", "01-mot")
    assert result.exit_code == 0, result.output
    assert "9" in result.output
    assert "single_choice 3, multiple_choice 2, true_false 3, short_text 1" in result.output
    bank = questions(out)
    assert list(bank) == ["nam-ban-hanh", "phong-cach", "hai-dap-an-dung-bang-dau-bang-chon",
                          "ky-tu-dac-biet", "sai", "dung", "ten-khac", "nhieu-dong", "mot-dong"]
    year = bank["nam-ban-hanh"]
    assert year["type"] == "single_choice" and right(year) == ["2016"]
    assert [o["text"] for o in year["options"]] == ["2011", "2016", "2019", "2021"]
    assert year["feedback"].startswith("Chỉ thị 05-CT/TW ngày 15/5/2016 của Bộ Chính trị.")
    assert "2011: Chưa đúng, năm 2011 là Chỉ thị 03." in year["feedback"]
    assert year["tags"] == ["tu-tuong-ho-chi-minh"] and year["lesson"] == "01-mot"
    style = bank["phong-cach"]  # [html] marker, %50% / %-100% weights
    assert style["prompt"] == "Những nội dung nào thuộc phong cách Hồ Chí Minh?"
    assert style["type"] == "multiple_choice"
    assert right(style) == ["Phong cách tư duy", "Phong cách làm việc"]
    assert right(bank["hai-dap-an-dung-bang-dau-bang-chon"]) == ["Học tập", "Làm theo"]
    escapes = bank["ky-tu-dac-biet"]
    assert escapes["prompt"] == ("Trong biểu thức a=b, ký hiệu { } # ~ và dấu hai chấm : "
                                 "được giữ nguyên?")
    assert escapes["answer"] is True
    assert "Sai rồi" in escapes["feedback"] and "Chính xác" in escapes["feedback"]
    assert bank["sai"]["answer"] is False and "feedback" not in bank["sai"]
    assert bank["dung"]["feedback"] == "Đây là yêu cầu thường xuyên,\nliên tục."  # GIFT \\n
    assert bank["ten-khac"]["answers"] == ["Nguyễn Ái Quốc", "Nguyen Ai Quoc"]
    assert bank["ten-khac"]["prompt"] == ("Tên gọi khác của Chủ tịch Hồ Chí Minh khi hoạt động "
                                          "ở Pháp là gì?")  # [markdown] marks dropped
    assert bank["nhieu-dong"]["prompt"] == "Câu hỏi\nviết trên hai dòng: Bác sinh năm nào?"
    assert bank["mot-dong"]["tags"] == ["dao-duc"]
    text = out.read_text(encoding="utf-8")
    assert "Hồ Chí Minh" in text and "\\u" not in text  # readable for a Vietnamese author
    assert_course_accepts(app, out, tmp_path / "courses")
    # Stable ids: the same file imported again gives the same bank.
    again = tmp_path / "again.yaml"
    run(app, "import", FIXTURES / "chi-thi-05.gift", "--out", again, "--lesson", "01-mot")
    assert again.read_text(encoding="utf-8") == text


def test_gift_constructs_without_an_elearn_type_are_refused_by_name_with_their_line(
        app, tmp_path):
    out = tmp_path / "bank.yaml"
    result = run(app, "import", FIXTURES / "chi-thi-05-bad.gift", "--out", out)
    assert result.exit_code == 1
    assert not out.exists()
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if "chi-thi-05-bad.gift" in line]
    expected = [("dòng 12", "essay"), ("dòng 14", "description"), ("dòng 16", "missing word"),
                ("dòng 18", "70%, 30%"), ("dòng 20", "100%, 50%"), ("dòng 22", "Cung")]
    assert len(lines) == len(expected), result.output
    for line, (where, named) in zip(lines, expected):
        assert f": {where}: " in line and named in line, line
    assert "--skip-bad" in result.output

    skipped = run(app, "import", FIXTURES / "chi-thi-05-bad.gift", "--out", out, "--skip-bad")
    assert skipped.exit_code == 0, skipped.output
    # Matching and numeric are elearn types now: imported, not refused.
    assert list(questions(out)) == ["ghep-noi", "so", "khoang", "hop-le"]
    assert "single_choice 1, matching 1, numeric 2" in skipped.output


# --- Aiken ----------------------------------------------------------------------------------

def test_aiken_file_is_recognised_and_imported(app, tmp_path):
    out = tmp_path / "bank.yaml"
    result = run(app, "import", FIXTURES / "aiken.txt", "--out", out)
    assert result.exit_code == 0, result.output
    first, second = questions(out).values()
    assert first["prompt"] == "Chỉ thị 05-CT/TW được ban hành năm nào?" and right(first) == ["2016"]
    assert second["prompt"] == "Câu hỏi viết\ntrên hai dòng: Bác sinh ở tỉnh nào?"
    assert right(second) == ["Nghệ An"] and len(second["options"]) == 3
    assert_course_accepts(app, out, tmp_path / "courses")


def test_aiken_missing_answer_and_unknown_letter_are_reported(app, tmp_path):
    out = tmp_path / "bank.yaml"
    result = run(app, "import", FIXTURES / "aiken-bad.txt", "--format", "aiken", "--out", out)
    assert result.exit_code == 1 and not out.exists()
    assert "dòng 1: " in result.output and "ANSWER:" in result.output
    assert "dòng 8: " in result.output and "ANSWER: E" in result.output


# --- Moodle XML -----------------------------------------------------------------------------

def test_moodle_xml_imports_types_categories_html_and_refuses_the_rest(app, tmp_path):
    out = tmp_path / "bank.yaml"
    refused = run(app, "import", FIXTURES / "chi-thi-05.xml", "--out", out)
    assert refused.exit_code == 1 and not out.exists()
    for where, named in [("dòng 44", "BCHTW"), ("dòng 55", "matching"),
                         ("dòng 60", "essay"), ("dòng 64", "description"),
                         ("dòng 68", "cloze"), ("dòng 72", "70%, 30%")]:
        assert any(where + ": " in line and (named in line or "usecase" in line
                                              or "hoa thường" in line)
                   for line in refused.output.splitlines()), (where, refused.output)
    result = run(app, "import", FIXTURES / "chi-thi-05.xml", "--out", out, "--skip-bad")
    assert result.exit_code == 0, result.output
    bank = questions(out)
    assert list(bank) == ["nam-ban-hanh", "phong-cach", "dung-sai", "ten-khac", "so", "mot-dong"]
    assert bank["so"]["type"] == "numeric" and bank["so"]["answer"] == 1890
    year = bank["nam-ban-hanh"]
    assert year["prompt"] == "Chỉ thị 05-CT/TW được ban hành năm nào?"  # tags and script gone
    assert year["points"] == 2 and right(year) == ["2016"]
    assert year["feedback"].startswith("Ngày 15/5/2016 & của Bộ Chính trị.")
    assert "2016: Chính xác." in year["feedback"]
    assert bank["phong-cach"]["type"] == "multiple_choice"
    assert bank["phong-cach"]["tags"] == ["tu-tuong", "phong-cach"]
    assert bank["dung-sai"]["answer"] is True
    assert bank["ten-khac"]["answers"] == ["Nguyễn Ái Quốc", "Nguyen Ai Quoc"]
    assert bank["mot-dong"]["tags"] == ["dao-duc"]
    assert_course_accepts(app, out, tmp_path / "courses")


def test_hostile_or_broken_xml_is_one_clear_line(app, tmp_path):
    bomb = tmp_path / "bomb.xml"
    bomb.write_text('<?xml version="1.0"?>\n<!DOCTYPE quiz [<!ENTITY a "aaaaaaaaaa">'
                    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n<quiz>&b;</quiz>\n',
                    encoding="utf-8")
    broken = tmp_path / "broken.xml"
    broken.write_text("<quiz><question type='truefalse'>", encoding="utf-8")
    for source in (bomb, broken):
        result = run(app, "import", source, "--out", tmp_path / "bank.yaml")
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output and len(result.output.splitlines()) == 1
        assert "Moodle XML" in result.output
    assert not (tmp_path / "bank.yaml").exists()


# --- XLSX -----------------------------------------------------------------------------------

def workbook(path: Path, rows: list[list]) -> Path:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def test_vietnamese_excel_template_with_headers_in_any_case_or_accents(app, tmp_path):
    source = workbook(tmp_path / "ngan-hang.xlsx", [
        ["NGÂN HÀNG CÂU HỎI CHỈ THỊ 05"],  # a title row above the headers
        ["CÂU HỎI", "lua chon a", "Lựa chọn B", "LỰA CHỌN C", "Lua Chon D", "đáp án",
         "Giai thich", "Bài học"],
        ["Chỉ thị 05 ban hành năm nào?", 2011, 2016, 2019, 2021, "b", "Năm 2016.", "01-mot"],
        ["Nội dung của phong cách Hồ Chí Minh?", "Tư duy", "Làm việc", "Xa hoa", "Quan liêu",
         "A, B", None, "02-hai"],
        ["Học tập và làm theo Bác là việc thường xuyên.", None, None, None, None, "Đúng"],
        ["Tên khác của Bác khi ở Pháp?", None, None, None, None,
         "Nguyễn Ái Quốc; Nguyen Ai Quoc"],
        [None, None, None, None, None, None],
        ["Đáp án không phải lựa chọn?", "Có", "Không", None, None, "C"],
        ["Thiếu đáp án?", "Có", "Không"],
        ["Bài học viết sai?", "Có", "Không", None, None, "A", None, "Bài 1"],
    ])
    out = tmp_path / "bank.yaml"
    refused = run(app, "import", source, "--out", out)
    assert refused.exit_code == 1 and not out.exists()
    assert "hàng 8: " in refused.output and "C" in refused.output  # rows as Excel numbers them
    assert "hàng 9: " in refused.output and "Đáp án" in refused.output
    assert "hàng 10: " in refused.output and "“Bài 1”" in refused.output
    result = run(app, "import", source, "--out", out, "--skip-bad")
    assert result.exit_code == 0, result.output
    assert "single_choice 1, multiple_choice 1, true_false 1, short_text 1" in result.output
    year, style, habit, name = questions(out).values()
    assert right(year) == ["2016"] and year["feedback"] == "Năm 2016."
    assert year["lesson"] == "01-mot"
    assert style["type"] == "multiple_choice" and right(style) == ["Tư duy", "Làm việc"]
    assert style["lesson"] == "02-hai"
    assert habit["type"] == "true_false" and habit["answer"] is True
    assert name["answers"] == ["Nguyễn Ái Quốc", "Nguyen Ai Quoc"]
    assert_course_accepts(app, out, tmp_path / "courses")


def test_moodle_csv_columns_saved_as_xlsx(app, tmp_path):
    source = workbook(tmp_path / "moodle.xlsx", [
        ["questionname", "questiontext", "A", "B", "C", "D", "Answer 1", "Answer 2",
         "answernumbering", "correctfeedback", "partiallycorrectfeedback", "incorrectfeedback",
         "defaultmark"],
        ["Năm ban hành", "Chỉ thị 05 ban hành năm nào?", "2011", "2016", "2019", "2021", "B",
         None, "ABCD", "Đúng rồi.", None, "Xem lại bài 1.", 1],
        ["Phong cách", "Nội dung của phong cách Hồ Chí Minh?", "Tư duy", "Làm việc", "Xa hoa",
         "Quan liêu", "A", "B", "ABCD", None, None, None, 2],
    ])
    out = tmp_path / "bank.yaml"
    result = run(app, "import", source, "--out", out)
    assert result.exit_code == 0, result.output
    bank = questions(out)
    assert list(bank) == ["nam-ban-hanh", "phong-cach"]
    assert right(bank["nam-ban-hanh"]) == ["2016"]
    assert bank["nam-ban-hanh"]["feedback"] == "Đúng rồi.\n\nXem lại bài 1."
    assert bank["phong-cach"]["type"] == "multiple_choice" and bank["phong-cach"]["points"] == 2


def test_template_is_written_and_its_examples_import(app, tmp_path):
    template = tmp_path / "mau-ngan-hang.xlsx"
    result = run(app, "template", "--out", template)
    assert result.exit_code == 0, result.output
    headers = [c.value for c in load_workbook(template).active[1]]
    assert headers[:7] == ["Câu hỏi", "Lựa chọn A", "Lựa chọn B", "Lựa chọn C", "Lựa chọn D",
                           "Đáp án", "Giải thích"]
    out = tmp_path / "bank.yaml"
    imported = run(app, "import", template, "--out", out)
    assert imported.exit_code == 0, imported.output
    assert "single_choice 1, multiple_choice 1, true_false 1, short_text 1" in imported.output


# --- export and round trip ------------------------------------------------------------------

def same_questions(first: dict, second: dict, *, keys: tuple[str, ...]) -> None:
    assert len(first) == len(second)
    for a, b in zip(first.values(), second.values()):
        assert {k: a.get(k) for k in keys} == {k: b.get(k) for k in keys}, (a, b)


def test_gift_and_xlsx_exports_import_back_to_the_same_questions(app, tmp_path):
    bank = tmp_path / "bank.yaml"
    run(app, "import", FIXTURES / "chi-thi-05.gift", "--out", bank)
    original = questions(bank)
    for fmt, suffix in (("gift", ".gift"), ("xlsx", ".xlsx")):
        exported = tmp_path / f"export{suffix}"
        result = run(app, "export", bank, "--format", fmt, "--out", exported)
        assert result.exit_code == 0, result.output
        back = tmp_path / f"back-{fmt}.yaml"
        reimport = run(app, "import", exported, "--out", back)
        assert reimport.exit_code == 0, reimport.output
        same_questions(original, questions(back),
                       keys=("id", "type", "prompt", "options", "answer", "answers",
                             "feedback", "tags", "points", "lesson"))


def test_xlsx_export_keeps_lessons_and_points_and_neutralises_formulas(app, tmp_path):
    bank = tmp_path / "bank.yaml"
    bank.write_text("""\
questions:
  - id: q1
    type: single_choice
    prompt: "=HYPERLINK(\\"http://x\\",\\"Bấm vào đây\\")"
    points: 2
    lesson: 01-mot
    tags: [tu-tuong]
    options:
      - {id: a, text: "-5 độ", correct: true}
      - {id: b, text: "+cmd|' /C calc'!A0"}
      - {id: c, text: "@SUM(1+1)"}
""", encoding="utf-8")
    exported = tmp_path / "export.xlsx"
    assert run(app, "export", bank, "--format", "xlsx", "--out", exported).exit_code == 0
    cells = [c.value for c in load_workbook(exported).active[2]]
    assert all(not str(v).startswith(("=", "+", "-", "@")) for v in cells if v), cells
    back = tmp_path / "back.yaml"
    assert run(app, "import", exported, "--out", back).exit_code == 0
    same_questions(questions(bank), questions(back),
                   keys=("id", "type", "prompt", "options", "points", "lesson", "tags"))


def test_export_refuses_what_the_format_cannot_hold(app, tmp_path):
    bank = tmp_path / "bank.yaml"
    bank.write_text("""\
questions:
  - id: thu-tu
    type: ordering
    prompt: "Sắp xếp theo thời gian"
    items: ["Bác sinh", "Bác ra đi tìm đường cứu nước", "Bác về nước"]
  - id: q2
    type: true_false
    prompt: {vi: "Câu hai?", en: "Question two?"}
    answer: true
""", encoding="utf-8")
    out = tmp_path / "export.gift"
    result = run(app, "export", bank, "--format", "gift", "--out", out)
    assert result.exit_code == 1 and not out.exists()
    assert "thu-tu" in result.output and "ordering" in result.output
    skipped = run(app, "export", bank, "--format", "gift", "--out", out, "--skip-bad")
    assert skipped.exit_code == 0, skipped.output
    assert "q2" in skipped.output  # the English text is left out, and said so
    assert "::q2::[plain]Câu hai? {TRUE}" in out.read_text(encoding="utf-8")


def test_unreadable_inputs_are_one_clear_line_and_exit_non_zero(app, tmp_path):
    latin = tmp_path / "latin1.gift"
    latin.write_bytes(b"C\xe2u h\xf5i {T}")  # saved in a legacy 8-bit code page
    unknown = tmp_path / "bank.docx"
    unknown.write_bytes(b"PK")
    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a workbook", encoding="utf-8")
    for source in (latin, unknown, fake, tmp_path / "missing.gift"):
        result = run(app, "import", source, "--out", tmp_path / "bank.yaml")
        assert result.exit_code == 2, (source, result.output)
        assert "Traceback" not in result.output and len(result.output.splitlines()) == 1
    nowhere = run(app, "import", FIXTURES / "aiken.txt", "--out", tmp_path / "no" / "b.yaml")
    assert nowhere.exit_code == 2 and len(nowhere.output.splitlines()) == 1, nowhere.output
    bad_lesson = run(app, "import", FIXTURES / "aiken.txt", "--out", tmp_path / "b.yaml",
                     "--lesson", "bài 1")
    assert bad_lesson.exit_code == 2
    assert not (tmp_path / "bank.yaml").exists()


def test_concurrent_imports_to_the_same_file_leave_one_whole_bank(app, tmp_path):
    folder = tmp_path / "quizzes"
    folder.mkdir()
    out = folder / "bank.yaml"
    with app.app_context():
        text = to_bank_yaml(import_file(FIXTURES / "chi-thi-05.gift").questions)

    def write(_: int) -> None:
        write_atomically(out, lambda path: path.write_text(text, encoding="utf-8"))

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, range(32)))
    assert out.read_text(encoding="utf-8") == text
    assert [p.name for p in folder.iterdir()] == ["bank.yaml"]  # no temporary file left


def test_moodle_ordering_imports_into_the_core_ordering_type(app, tmp_path):
    source = FIXTURES / "thu-tu.xml"
    out = tmp_path / "bank.yaml"
    site = app  # ordering is a core type now: no plugin needed
    result = run(site, "import", source, "--out", out)
    assert result.exit_code == 1
    assert "dòng 24: " in result.output and "ABSOLUTE_POSITION" in result.output
    assert "dòng 32: " in result.output and "dòng 3: " not in result.output
    result = run(site, "import", source, "--out", out, "--skip-bad")
    assert result.exit_code == 0 and "ordering 2" in result.output, result.output
    events, meeting = questions(out).values()
    assert events["items"] == ["Bác sinh", "Bác ra đi tìm đường cứu nước", "Bác về nước"]
    assert events["feedback"].endswith("Khi trả lời đúng: Chính xác.")
    assert "partial_credit" not in events and meeting["partial_credit"] is False
    folder = write_course(tmp_path / "courses", course=COURSE,
                          bank=out.read_text(encoding="utf-8"))
    check = site.test_cli_runner().invoke(args=["elearn", "courses", "check", str(folder)])
    assert check.exit_code == 0, check.output


def test_gift_category_line_directly_above_a_question_and_single_feedback(app, tmp_path):
    source = tmp_path / "sat.gift"
    source.write_text(
        "\ufeff$CATEGORY: $course$/Phong cách\n"
        "::Giản dị::[moodle]Bác sống giản dị. {TRUE#Hãy đọc lại bài 3.}\n"
        "\r\n"
        "::Đường dẫn::Thư mục C:\\\\tài liệu \\: chứa gì? {=Bài giảng}\r\n",
        encoding="utf-8")
    out = tmp_path / "bank.yaml"
    result = run(app, "import", source, "--out", out)
    assert result.exit_code == 0, result.output
    simple, path = questions(out).values()
    assert simple["tags"] == ["phong-cach"] and simple["answer"] is True
    assert simple["feedback"] == "Khi trả lời sai: Hãy đọc lại bài 3."
    assert path["prompt"] == "Thư mục C:\\tài liệu : chứa gì?"
    assert path["answers"] == ["Bài giảng"]


def test_aiken_answer_letter_in_lower_case_and_an_invalid_bank_to_export(app, tmp_path):
    source = tmp_path / "aiken.txt"
    source.write_text("Năm 2016?\nA. Có\nB) Không\nanswer: a\n", encoding="utf-8")
    out = tmp_path / "bank.yaml"
    assert run(app, "import", source, "--out", out).exit_code == 0
    assert right(next(iter(questions(out).values()))) == ["Có"]
    out.write_text("questions:\n  - {id: q1, type: true_false, prompt: x, answer: true, "
                   "points: nhiều}\n", encoding="utf-8")
    result = run(app, "export", out, "--format", "gift", "--out", tmp_path / "x.gift")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "q1" in result.output and len(result.output.splitlines()) == 1


def vietnamese(text):
    return text["vi"] if isinstance(text, dict) else text


def test_every_shipped_bank_round_trips_through_excel(app, tmp_path):
    """The real banks: Vietnamese text, lessons, tags, points, partial credit and
    ignore_diacritics all come back; only the English translations stay behind."""
    banks = sorted(Path(__file__).resolve().parent.parent.glob("courses/*/quizzes/bank.yaml"))
    assert banks
    for bank in banks:
        exported, back = tmp_path / f"{bank.parent.parent.name}.xlsx", tmp_path / "back.yaml"
        result = run(app, "export", bank, "--format", "xlsx", "--out", exported)
        assert result.exit_code == 0, result.output
        assert run(app, "import", exported, "--out", back).exit_code == 0
        original, again = questions(bank), questions(back)
        assert list(original) == list(again)
        for qid, question in original.items():
            copy = again[qid]
            for key in ("type", "answer", "answers", "lesson", "tags", "points",
                        "partial_credit", "ignore_diacritics"):
                assert question.get(key) == copy.get(key), (qid, key)
            assert vietnamese(question["prompt"]) == copy["prompt"]
            assert vietnamese(question.get("feedback")) == copy.get("feedback")
            assert [(vietnamese(o["text"]), o.get("correct")) for o in question.get("options", [])
                    ] == [(o["text"], o.get("correct")) for o in copy.get("options", [])]


# --- matching and numeric (core types since issue 12) ---------------------------------------

def assert_matching_and_numeric(bank: dict[str, dict]) -> None:
    """The same questions, whether they came from GIFT or Moodle XML."""
    match = bank["ghep-nam"]
    assert match["type"] == "matching" and match["prompt"] == "Ghép năm với sự kiện."
    assert match["pairs"] == [{"left": "Năm 1890", "right": "Bác sinh"},
                              {"left": "1911", "right": "Bác ra đi tìm đường cứu nước"},
                              {"left": "1969", "right": "Bác mất"}]
    assert match["distractors"] == ["Bác về nước"]  # `= -> x` / a sub-question without text
    assert match["feedback"].startswith("Xem lại bài 1.")
    assert match["tags"] == ["lich-su"] and "partial_credit" not in match  # a share per pair
    year = bank["nam-ra-di"]
    assert year["type"] == "numeric"
    assert year["answers"] == [{"value": 1911}, {"value": 1911, "tolerance": 1, "credit": 50}]
    for text in ("Chính xác.", "Gần đúng.", "Hãy đọc lại bài 1."):
        assert text in year["feedback"]


def test_gift_matching_and_numeric_import_faithfully(app, tmp_path):
    out = tmp_path / "bank.yaml"
    result = run(app, "import", FIXTURES / "ghep-so.gift", "--out", out, "--lesson", "01-mot")
    assert result.exit_code == 0, result.output
    assert "matching 1, numeric 3" in result.output
    bank = questions(out)
    assert_matching_and_numeric(bank)
    assert {k: bank["khoang"][k] for k in ("answer", "tolerance")} == {"answer": 3,
                                                                       "tolerance": 2}
    assert {k: bank["thap-phan"][k] for k in ("answer", "tolerance")} == {"answer": 0.5,
                                                                          "tolerance": 0.01}
    assert_course_accepts(app, out, tmp_path / "courses")
    # …and they grade as Moodle would: the loaded course's types score the imported keys.
    registry = app.extensions["elearn.registry"]
    folder = tmp_path / "courses" / "khoa-thu"
    from elearn.content.loader import load_course

    course = load_course(folder, registry.question_types)
    numeric = registry.question_type("numeric")
    near = course.quiz.question("nam-ra-di")
    assert [numeric.grade(near, v).fraction for v in ("1911", "1912", "1913")] == [1, 0.5, 0]
    assert numeric.grade(course.quiz.question("khoang"), "5").correct
    assert not numeric.grade(course.quiz.question("khoang"), "5.01").correct


def test_moodle_xml_matching_and_numeric_import_faithfully(app, tmp_path):
    out = tmp_path / "bank.yaml"
    refused = run(app, "import", FIXTURES / "ghep-so.xml", "--out", out)
    assert refused.exit_code == 1 and not out.exists()
    lines = [line for line in refused.output.splitlines() if "ghep-so.xml" in line]
    assert len(lines) == 2, refused.output
    assert "dòng 35: " in lines[0] and "đơn vị" in lines[0]  # units elearn cannot read
    assert "dòng 41: " in lines[1] and "matching" in lines[1]  # two equal left items
    result = run(app, "import", FIXTURES / "ghep-so.xml", "--out", out, "--skip-bad")
    assert result.exit_code == 0, result.output
    bank = questions(out)
    assert list(bank) == ["ghep-nam", "nam-ra-di", "quang-duong"]
    assert_matching_and_numeric(bank)
    assert bank["ghep-nam"]["points"] == 3 and "Đúng hết." in bank["ghep-nam"]["feedback"]
    assert bank["quang-duong"]["unit"] == "km" and bank["quang-duong"]["tolerance"] == 100
    assert_course_accepts(app, out, tmp_path / "courses")


def test_matching_and_numeric_export_to_gift_and_import_back(app, tmp_path):
    bank = tmp_path / "bank.yaml"
    run(app, "import", FIXTURES / "ghep-so.gift", "--out", bank)
    original = questions(bank)
    exported = tmp_path / "export.gift"
    result = run(app, "export", bank, "--format", "gift", "--out", exported)
    assert result.exit_code == 0, result.output
    back = tmp_path / "back.yaml"
    assert run(app, "import", exported, "--out", back).exit_code == 0
    same_questions(original, questions(back),
                   keys=("id", "type", "prompt", "pairs", "distractors", "answer", "answers",
                         "tolerance", "feedback", "tags"))
    # The sheet has no columns for pairs or accepted numbers: refused by name, not mangled.
    sheet = run(app, "export", bank, "--format", "xlsx", "--out", tmp_path / "x.xlsx")
    assert sheet.exit_code == 1 and "matching" in sheet.output and "numeric" in sheet.output
