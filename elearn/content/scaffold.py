"""`flask elearn courses new SLUG`: a course folder to start from, every field commented.

The sample is itself a valid course (`courses check` accepts it as written): two lessons that
explain the format, and a bank whose questions are about the format too, so nothing in it is
a domain claim an author might forget to replace. The bank draws 4 of 5 questions per lesson
with a pass mark of 75 % and 3 attempts, which keeps a guesser under the shipped 5 % limit.
"""
from __future__ import annotations

from pathlib import Path

from flask_babel import gettext as _

from .loader import COURSE_FILE, SLUG

MAX_SLUG_LENGTH = 64
"""Completions store the slug in 64 characters."""

FIRST_TERM_START = 2021
TERM_YEARS = 5


class ScaffoldRefused(Exception):
    """The course folder was not created; the message (translated) says why."""


def party_term(year: int) -> str:
    """The five-year Party term a year falls in, "2021-2026" style (Congresses meet at the
    start of 2021, 2026, …; the congress year opens the new term)."""
    start = FIRST_TERM_START + TERM_YEARS * ((year - FIRST_TERM_START) // TERM_YEARS)
    return f"{start}-{start + TERM_YEARS}"


def write_scaffold(root: Path, slug: str, *, year: int) -> Path:
    """Create `root/slug` with course.yaml, two lessons and a question bank; return it.

    Refuses a slug the loader would refuse and a folder that already exists (nothing of an
    author's is ever overwritten)."""
    if not SLUG.match(slug) or len(slug) > MAX_SLUG_LENGTH:
        raise ScaffoldRefused(_(
            "%(slug)s cannot be a course slug: use lowercase letters without accents, digits "
            "and hyphens (at most %(n)d), such as cd-2026-hoc-tap", slug=slug,
            n=MAX_SLUG_LENGTH))
    folder = Path(root) / slug
    if folder.exists():
        raise ScaffoldRefused(_("%(folder)s already exists: choose another slug or --dir",
                                folder=folder))
    files = {
        COURSE_FILE: COURSE.format(slug=slug, year=year, term=party_term(year)),
        "lessons/01-gioi-thieu.md": LESSON_ONE,
        "lessons/02-ngan-hang-cau-hoi.md": LESSON_TWO,
        "quizzes/bank.yaml": BANK,
        "assets/README.txt": ASSETS,
    }
    try:
        for name, text in files.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ScaffoldRefused(_("cannot create %(folder)s: %(reason)s", folder=folder,
                                reason=exc.strerror or exc)) from None
    return folder


COURSE = """\
# Khóa học mới. Mỗi trường có chú thích tiếng Việt, rồi tiếng Anh sau dấu "|".
# A new course. Every field is commented in Vietnamese, then in English after "|".
# Tài liệu đầy đủ | full reference: docs/course-format.md
# Kiểm tra | check it: flask elearn courses check courses/{slug}

# BẮT BUỘC. Chữ thường không dấu, số, gạch nối; không trùng trên trang; đừng đổi sau khi đã có
# người học. | REQUIRED. Lowercase letters, digits, hyphens; unique on the site; never change
# it once people have studied.
slug: {slug}

# BẮT BUỘC, chuỗi trong ngoặc kép. Tăng mỗi khi sửa nội dung (courses check cảnh báo nếu quên).
# | REQUIRED, a quoted string. Raise it whenever the content changes (courses check warns).
version: "0.1.0"

# BẮT BUỘC. Chuỗi (tiếng Việt) hoặc {{vi: …, en: …}}. | REQUIRED. Text or {{vi: …, en: …}}.
title:
  vi: "Khóa học mẫu {slug}"
  en: "Sample course {slug}"

# BẮT BUỘC. Một đoạn giới thiệu; ghi "nội dung minh họa" nếu chưa đối chiếu văn bản chính thức.
# | REQUIRED. One paragraph; say "demo content" until checked against the official text.
description:
  vi: "Khóa học mẫu do lệnh flask elearn courses new tạo ra: thay bằng nội dung của bạn."
  en: "A sample course made by flask elearn courses new: replace this with your own content."

# BẮT BUỘC. full_term (chuyên đề toàn khóa) | annual (chuyên đề năm) | student (sinh viên).
# | REQUIRED. full_term | annual | student.
kind: annual

# Nhiệm kỳ "YYYY-YYYY": bắt buộc với full_term và annual, không cần với student.
# | Party term "YYYY-YYYY": required for full_term and annual, optional for student.
term: "{term}"

# BẮT BUỘC. Năm học chuyên đề, nằm trong nhiệm kỳ. | REQUIRED. Year of study, within the term.
year: {year}

# BẮT BUỘC. cadre (cán bộ, đảng viên) | student (sinh viên) | all (mọi người).
# | REQUIRED. cadre | student | all.
audience: all

# Ngôn ngữ của bài học; luôn có vi. Thêm en thì mỗi bài có thể có tệp .en.md cùng tên.
# Mặc định [vi]. | Lesson languages, always vi; with en each lesson may have a .en.md
# file of the same name. Default [vi].
languages: [vi]

# Số giây tối thiểu mở một bài thì bài mới tính là đã học (0 đến 36000). Mặc định 60.
# | Seconds a lesson must stay open before it counts as studied (0 to 36000). Default 60.
min_reading_seconds: 60

# BẮT BUỘC, ít nhất một bài, theo thứ tự học. Tên tệp trong lessons/: chữ thường không dấu,
# số, gạch nối, đuôi .md. | REQUIRED, at least one, in study order. File names under
# lessons/: lowercase ASCII letters, digits, hyphens, ending in .md.
lessons:
  - 01-gioi-thieu.md
  - 02-ngan-hang-cau-hoi.md

# Bài kiểm tra (bỏ cả mục này nếu khóa học không có). | The quiz (leave it out for none).
quiz:
  # BẮT BUỘC trong quiz. Tệp ngân hàng câu hỏi. | REQUIRED in quiz. The question bank file.
  bank: quizzes/bank.yaml
  # Số câu mỗi lượt: N | {{per_lesson: N}} | {{by_tag: {{the: N}}}}. Mặc định: cả ngân hàng.
  # | Questions per attempt: N | {{per_lesson: N}} | {{by_tag: {{tag: N}}}}. Default: all.
  draw: {{per_lesson: 4}}
  # Điểm đạt, phần trăm (0 đến 100). Mặc định 70. | Pass mark in per cent. Default 70.
  pass_mark: 75
  # Số lượt làm bài tối đa, 0 = không giới hạn. Mặc định 0. | Attempts allowed, 0 = unlimited.
  max_attempts: 3
  # Thời gian mỗi lượt (phút), 0 = không giới hạn. Mặc định 0. | Minutes per attempt, 0 = none.
  time_limit_minutes: 20
  # Đảo thứ tự câu hỏi và phương án mỗi lượt. Mặc định true. | Shuffle per attempt. Default true.
  shuffle: true
  # Người học xem lại gì: after_submit | after_last_attempt | after_pass |
  # wrong_only_without_key | score_only. Mặc định after_submit.
  # | What a learner reviews (same choices). Default after_submit.
  review: after_last_attempt
  # Chỉ mở bài kiểm tra khi đã học hết các bài. Mặc định true.
  # | The quiz opens only once every lesson is studied. Default true.
  requires_lessons: true
  # courses check báo lỗi nếu người không học đoán mò vẫn đạt với xác suất cao hơn mức này.
  # Mặc định 0.05 (5%). | courses check fails if a guesser passes more often. Default 0.05.
  max_guess_pass_probability: 0.05

# Quy tắc hoàn thành: lessons_and_quiz | lessons_only | quiz_only (cần có quiz), hoặc quy tắc
# của plugin. Mặc định lessons_and_quiz. | Completion rule: lessons_and_quiz | lessons_only |
# quiz_only (needs a quiz), or a plugin's rule. Default lessons_and_quiz.
completion_rule: lessons_and_quiz

# Các năm mà kế hoạch học tập mặc định yêu cầu khóa học này. Mặc định [].
# | Years whose default study plan requires this course. Default [].
pledge_years: []

# Trung tâm chính trị hoặc trường cấp giấy chứng nhận, ví dụ {{vi: "Trường Chính trị tỉnh …"}}.
# Để trống: đơn vị cao nhất của người học. | The centre or school that issues the
# certificates. Empty: the top unit of the learner's organisation tree.
issuer:
"""

LESSON_ONE = """\
---
# BẮT BUỘC: tiêu đề bài. | REQUIRED: the lesson title.
title: {vi: "Giới thiệu khóa học", en: "About this course"}
# Không bắt buộc: một câu tóm tắt. | Optional: a one-sentence summary.
summary: {vi: "Cách một khóa học được sắp xếp.", en: "How a course is laid out."}
# Không bắt buộc: số phút đọc (1 đến 600); bỏ trống thì ước tính theo số chữ.
# | Optional: reading minutes (1 to 600); estimated from the word count when left out.
reading_minutes: 3
---
## Khóa học gồm những gì

Một khóa học là một thư mục. Tệp `course.yaml` khai báo tên, phiên bản, thứ tự các bài và
bài kiểm tra. Mỗi bài học là một tệp Markdown trong thư mục `lessons/`, có phần đầu ghi tiêu
đề. Câu hỏi nằm trong ngân hàng câu hỏi, thư mục `quizzes/`. Hình ảnh đặt trong `assets/`
và chèn bằng đường dẫn tương đối, ví dụ `![ảnh](../assets/anh.png)`.

## Trước khi đưa lên trang

Chạy `flask elearn courses check` với thư mục khóa học: lệnh liệt kê mọi lỗi kèm tên tệp và
số dòng. Mỗi lần sửa nội dung, tăng `version` trong `course.yaml`.
"""

LESSON_TWO = """\
---
title: {vi: "Ngân hàng câu hỏi", en: "The question bank"}
---
## Câu hỏi

Mỗi câu hỏi có mã riêng (`id`), loại câu hỏi, đề bài và đáp án. Trường `lesson` ghi bài học
mà câu hỏi kiểm tra, để mỗi lượt làm bài rút câu hỏi từ mọi bài.

## Chống đoán mò

Lệnh kiểm tra tính xác suất một người không học bài mà đoán vẫn đạt. Nên viết các phương án
dài tương đương nhau, có đủ phương án sai, và rút đủ số câu mỗi lượt.
"""

# Five single-choice questions per lesson, keys never the longest option.
BANK = """\
# Ngân hàng câu hỏi mẫu: thay bằng câu hỏi của bạn. | A sample bank: replace it with yours.
# Mỗi câu: id (không đổi, không dùng lại), type, prompt, lesson (tên tệp bài học không .md),
# và các trường của loại câu hỏi. | Each question: id (stable, never reused), type, prompt,
# lesson (the lesson file name without .md) and the fields of its type.
questions:
  - id: q01
    type: single_choice
    lesson: 01-gioi-thieu
    prompt: {vi: "Tệp nào khai báo thứ tự các bài học?", en: "Which file sets the lesson order?"}
    options:
      - {id: a, text: "course.yaml", correct: true}
      - {id: b, text: "quizzes/bank.yaml"}
      - {id: c, text: "assets/README.txt"}
      - {id: d, text: "lessons/01-gioi-thieu.md"}
    feedback: {vi: "Thứ tự bài học nằm trong course.yaml.", en: "course.yaml lists the lessons."}
  - id: q02
    type: single_choice
    lesson: 01-gioi-thieu
    prompt: "Bài học được viết bằng định dạng nào?"
    options:
      - {id: a, text: "Bảng tính"}
      - {id: b, text: "Markdown", correct: true}
      - {id: c, text: "Văn bản Word"}
      - {id: d, text: "Trang PDF"}
  - id: q03
    type: single_choice
    lesson: 01-gioi-thieu
    prompt: "Hình ảnh của bài học đặt ở thư mục nào?"
    options:
      - {id: a, text: "lessons/"}
      - {id: b, text: "quizzes/"}
      - {id: c, text: "assets/", correct: true}
      - {id: d, text: "courses/"}
  - id: q04
    type: single_choice
    lesson: 01-gioi-thieu
    prompt: "Sửa nội dung xong thì cần làm gì trong course.yaml?"
    options:
      - {id: a, text: "Đổi slug"}
      - {id: b, text: "Xóa quiz"}
      - {id: c, text: "Tăng version", correct: true}
      - {id: d, text: "Đổi năm học chuyên đề"}
  - id: q05
    type: single_choice
    lesson: 01-gioi-thieu
    prompt: "Lệnh nào liệt kê mọi lỗi của khóa học?"
    options:
      - {id: a, text: "courses check", correct: true}
      - {id: b, text: "courses list"}
      - {id: c, text: "bank export"}
      - {id: d, text: "people create-admin"}
  - id: q06
    type: single_choice
    lesson: 02-ngan-hang-cau-hoi
    prompt: "Trường nào ghi bài học mà câu hỏi kiểm tra?"
    options:
      - {id: a, text: "tags"}
      - {id: b, text: "lesson", correct: true}
      - {id: c, text: "points"}
      - {id: d, text: "prompt"}
  - id: q07
    type: single_choice
    lesson: 02-ngan-hang-cau-hoi
    prompt: "Mã câu hỏi (id) đã dùng thì sao?"
    options:
      - {id: a, text: "Đổi mỗi năm"}
      - {id: b, text: "Giữ nguyên", correct: true}
      - {id: c, text: "Để trống được"}
      - {id: d, text: "Trùng cũng được"}
  - id: q08
    type: single_choice
    lesson: 02-ngan-hang-cau-hoi
    prompt: "Các phương án nên viết thế nào?"
    options:
      - {id: a, text: "Đáp án dài nhất"}
      - {id: b, text: "Chỉ một phương án"}
      - {id: c, text: "Dài tương đương", correct: true}
      - {id: d, text: "Hai phương án giống nhau"}
  - id: q09
    type: single_choice
    lesson: 02-ngan-hang-cau-hoi
    prompt: "Lệnh kiểm tra tính xác suất gì?"
    options:
      - {id: a, text: "Đoán mò vẫn đạt", correct: true}
      - {id: b, text: "Số người đã học"}
      - {id: c, text: "Thời gian đọc bài"}
      - {id: d, text: "Điểm trung bình"}
  - id: q10
    type: single_choice
    lesson: 02-ngan-hang-cau-hoi
    prompt: "Ngân hàng câu hỏi nằm ở thư mục nào?"
    options:
      - {id: a, text: "assets/"}
      - {id: b, text: "lessons/"}
      - {id: c, text: "quizzes/", correct: true}
      - {id: d, text: "instance/"}
"""

ASSETS = """\
Hình ảnh và tệp mà bài học chèn vào (đường dẫn tương đối: ../assets/ten-tep.png).
Images and files the lessons link to (relative paths: ../assets/file-name.png).
"""
