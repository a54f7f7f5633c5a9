"""Every hook is tested and documented with its exact signature, and every name of the public
plugin API (`elearn.api.__all__`) is documented: a change to either without the guide fails
here (like Datasette's test_plugin_hooks_are_documented)."""
from __future__ import annotations

import inspect
import re

import pytest

from elearn import api, hookspecs
from elearn.testing import PROJECT_ROOT

GUIDE = PROJECT_ROOT / "docs" / "plugins.md"


def hook_names() -> list[str]:
    return [name for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
            if hasattr(function, "elearn_spec")]


def documented_hooks() -> dict[str, str]:
    """{hook name: the signature its guide heading shows}, from '### `name(args)`'."""
    headings = re.findall(r"^### `(\w+)\(([^)]*)\)`\s*$", GUIDE.read_text(encoding="utf-8"),
                          re.MULTILINE)
    return {name: f"{name}({args})" for name, args in headings}


def api_section() -> str:
    guide = GUIDE.read_text(encoding="utf-8")
    start = guide.index("## The public API (`elearn.api`)")
    end = guide.find("\n## ", start + 1)
    return guide[start:end if end != -1 else len(guide)]


def test_the_hook_list_is_found():
    assert {"register_courses", "register_question_types", "startup"} <= set(hook_names())


@pytest.mark.parametrize("name", hook_names())
def test_each_hook_is_documented_with_its_exact_signature(name):
    spec = getattr(hookspecs, name)
    signature = f"{name}({', '.join(inspect.signature(spec).parameters)})"
    assert documented_hooks().get(name) == signature


def test_the_guide_documents_no_hook_that_does_not_exist():
    assert set(documented_hooks()) <= set(hook_names())


def test_every_hookspec_has_a_docstring_and_a_test():
    tests = "\n".join(path.read_text(encoding="utf-8")
                      for path in (PROJECT_ROOT / "tests").glob("test_*.py"))
    missing = []
    for name in hook_names():
        if not (getattr(hookspecs, name).__doc__ or "").strip():
            missing.append(f"{name}: no docstring in elearn/hookspecs.py")
        if not re.search(rf"^def test_hook_{name}\w*\(", tests, re.MULTILINE):
            missing.append(f"{name}: no test named test_hook_{name}… in tests/")
    assert missing == []


def test_every_public_api_name_exists_and_is_documented():
    section = api_section()
    assert [name for name in api.__all__ if not hasattr(api, name)] == []
    assert [name for name in api.__all__ if f"`{name}`" not in section] == []


def test_the_guide_imports_only_from_the_public_api():
    guide = GUIDE.read_text(encoding="utf-8")
    imports = re.findall(r"^\s*(?:from|import) (elearn[\w.]*)", guide, re.MULTILINE)
    assert imports and set(imports) == {"elearn.api"}
