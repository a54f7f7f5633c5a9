"""One-off timings in a fresh process on ELEARN_DATABASE_URL, printed as one JSON line.

    python bench/timings.py dashboard   # elearn.services.reports.dashboard() on the root
    python bench/timings.py export      # full XLSX export of every completion under the root

Run by bench/run.py (each in its own process, so the export's peak memory is its own).
"""
from __future__ import annotations

import json
import resource
import sys
import time
from datetime import date


def rss_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main(what: str, root_code: str) -> dict:
    from sqlalchemy import select

    from elearn import create_app
    from elearn.extensions import db
    from elearn.models import Unit

    app = create_app()
    with app.test_request_context("/"):
        root = db.session.scalar(select(Unit).where(Unit.code == root_code))
        if root is None:
            return {"skipped": f"no unit {root_code}"}
        if what == "dashboard":
            return time_dashboard(root)
        return time_export(root)


def time_dashboard(root) -> dict:
    try:
        from elearn.services import reports
    except ImportError:
        return {"skipped": "elearn.services.reports does not exist yet"}
    if not hasattr(reports, "dashboard"):
        return {"skipped": "elearn.services.reports.dashboard does not exist yet"}
    year = date.today().year
    runs = []
    board = None
    for _ in range(5):
        started = time.perf_counter()
        try:
            board = reports.dashboard(root, course=None, year=year)
        except TypeError as error:
            return {"skipped": f"reports.dashboard has another signature: {error}"}
        runs.append((time.perf_counter() - started) * 1000)
    total = getattr(board, "total", None)
    return {"cold_ms": round(runs[0], 1), "warm_ms": round(sorted(runs[1:])[len(runs[1:]) // 2], 1),
            "runs_ms": [round(r, 1) for r in runs],
            "people": getattr(total, "people", None),
            "completed": getattr(total, "completed", None),
            "rows": len(getattr(board, "rows", []) or [])}


def time_export(root) -> dict:
    try:
        from elearn.registry import current_registry
        from elearn.services import exports
    except ImportError:
        return {"skipped": "elearn.services.exports does not exist yet"}
    registry = current_registry()
    exporters = getattr(registry, "exporters", None)
    if exporters is None or not hasattr(exports, "completions_rows"):
        return {"skipped": "no exporter registry or exports.completions_rows yet"}
    xlsx = next((e for e in exporters.values() if getattr(e, "extension", "") == "xlsx"), None)
    if xlsx is None:
        return {"skipped": "no xlsx exporter registered"}
    baseline = current_rss_mb()
    rows = 0

    def counted():
        nonlocal rows
        for row in exports.completions_rows(root):
            rows += 1
            yield row

    started = time.perf_counter()
    size = 0
    first_byte = None
    for chunk in xlsx.stream(exports.completions_header(), counted()):
        if first_byte is None:
            first_byte = time.perf_counter() - started
        size += len(chunk)
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 2), "rows": rows, "bytes": size,
            "first_byte_s": round(first_byte or 0.0, 2),
            "rss_before_mb": round(baseline, 1), "rss_peak_mb": round(rss_peak_mb(), 1)}


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "dashboard"
    root_code = sys.argv[2] if len(sys.argv) > 2 else "BENCH"
    try:
        result = main(what, root_code)
    except Exception as error:  # report, never hide: the run goes on with the other parts
        result = {"error": f"{type(error).__name__}: {error}"}
    print("TIMING_JSON " + json.dumps(result))
