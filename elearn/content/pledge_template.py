"""Pledge templates are data (YAML), editable per study plan and validated with line numbers."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l

from .parsing import ParseContext
from .errors import ContentError, Problems
from .model import LocalText
from .yamlsource import LineDict, YamlSyntaxError, load_yaml

DEFAULT_TEMPLATE = """\
# From 2017 one pledge covers three contents and the commitment on the 27 manifestations.
title:
  vi: "Bản đăng ký học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh"
  en: "Pledge to study and follow Ho Chi Minh's thought, ethics and style"
intro:
  vi: "Mỗi việc cần cụ thể, gắn với nhiệm vụ của bản thân, ngắn gọn, dễ nhớ, dễ làm, dễ kiểm tra."
  en: "Each commitment is concrete, tied to your own duties, short, easy to remember, to do and to check."
max_commitments: 3
sections:
  - key: nq12
    title:
      vi: "Thực hiện Nghị quyết Đại hội XII của Đảng"
      en: "Implementing the Resolution of the 12th Party Congress"
  - key: ct05
    title:
      vi: "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh (Chỉ thị 05-CT/TW)"
      en: "Studying and following Ho Chi Minh's thought, ethics and style (Directive 05-CT/TW)"
  - key: nq04
    title:
      vi: "Thực hiện Nghị quyết Trung ương 4 khóa XII (Nghị quyết 04-NQ/TW)"
      en: "Implementing the 4th Plenum Resolution of the 12th term (Resolution 04-NQ/TW)"
commitment:
  vi: "Tôi cam kết không vi phạm 27 biểu hiện suy thoái về tư tưởng chính trị, đạo đức, lối sống, \\"tự diễn biến\\", \\"tự chuyển hóa\\" trong nội bộ."
  en: "I commit not to commit any of the 27 manifestations of political, ethical and lifestyle degradation, \\"self-evolution\\" or \\"self-transformation\\"."
"""


@dataclass(frozen=True)
class Section:
    key: str
    title: LocalText


@dataclass(frozen=True)
class PledgeTemplate:
    title: LocalText
    intro: LocalText | None
    sections: tuple[Section, ...]
    commitment: LocalText | None
    max_commitments: int


def parse_template(text: str, source: str = "template") -> tuple[PledgeTemplate | None,
                                                                 list[ContentError]]:
    problems = Problems()
    path = Path(source)
    try:
        raw = load_yaml(text)
    except YamlSyntaxError as exc:
        return None, [ContentError(path, exc.line, _l("YAML syntax error: %(problem)s",
                                                      problem=exc.problem))]
    ctx = ParseContext(path, problems)
    if not isinstance(raw, LineDict):
        return None, [ContentError(path, 1, _l("the template must be a mapping of fields"))]
    title = ctx.text(raw, "title")
    intro = ctx.text(raw, "intro", required=False)
    commitment = ctx.text(raw, "commitment", required=False)
    limit = raw.get("max_commitments", 3)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 10:
        ctx.error(raw, "max_commitments",
                  _l("'%(field)s' must be a whole number from %(min)d to %(max)d",
                     field="max_commitments", min=1, max=10))
        limit = 3
    sections, keys = [], set()
    for index, item in enumerate(ctx.items(raw, "sections")):
        if not isinstance(item, LineDict) or not isinstance(item.get("key"), str):
            ctx.error(raw["sections"], index, _l("missing required field '%(field)s'",
                                                 field="key"))
            continue
        if item["key"] in keys:
            ctx.error(item, "key", _l("section key '%(key)s' is used twice", key=item["key"]))
        keys.add(item["key"])
        section_title = ctx.text(item, "title")
        if section_title:
            sections.append(Section(item["key"], section_title))
    if problems:
        return None, problems.errors
    return PledgeTemplate(title, intro, tuple(sections), commitment, limit), []


def _yaml_text(text: LocalText | None) -> dict[str, str] | None:
    if text is None:
        return None
    return {lang: value for lang, value in text.values.items() if value}


def dump_template(template: PledgeTemplate) -> str:
    """The template as the YAML `parse_template` reads: what the plan stores, whether staff
    filled in the structured editor or wrote YAML. Parsing the result gives `template` back."""
    import yaml  # the writer; reading goes through yamlsource (line numbers, limits)

    data: dict = {"title": _yaml_text(template.title)}
    if template.intro is not None:
        data["intro"] = _yaml_text(template.intro)
    data["max_commitments"] = template.max_commitments
    data["sections"] = [{"key": section.key, "title": _yaml_text(section.title)}
                        for section in template.sections]
    if template.commitment is not None:
        data["commitment"] = _yaml_text(template.commitment)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
