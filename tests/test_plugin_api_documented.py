"""Every hook is tested and documented: a new hookspec without both fails here."""
from __future__ import annotations

import inspect
import re

from elearn import hookspecs
from elearn.testing import PROJECT_ROOT


def hook_names() -> list[str]:
    return [name for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
            if hasattr(function, "elearn_spec")]


def test_the_hook_list_is_found():
    assert {"register_courses", "register_question_types", "startup"} <= set(hook_names())


def test_every_hookspec_has_a_docstring_a_guide_section_and_a_test():
    guide = (PROJECT_ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    tests = "\n".join(path.read_text(encoding="utf-8")
                      for path in (PROJECT_ROOT / "tests").glob("test_*.py"))
    missing = []
    for name in hook_names():
        if not (getattr(hookspecs, name).__doc__ or "").strip():
            missing.append(f"{name}: no docstring in elearn/hookspecs.py")
        if not re.search(rf"^### `{name}\(", guide, re.MULTILINE):
            missing.append(f"{name}: no '### `{name}(…)`' section in docs/plugins.md")
        if not re.search(rf"^def test_hook_{name}\w*\(", tests, re.MULTILINE):
            missing.append(f"{name}: no test named test_hook_{name}… in tests/")
    assert missing == []
