"""The WSGI entry point (`gunicorn wsgi:app`), and what `flask` finds in this folder without
FLASK_APP, so the README's `.venv/bin/flask elearn …` commands work as written."""
import gc

from elearn import create_app

app = create_app()

# Everything made so far (courses, catalogues, mappers, routes: ~200,000 objects) lives as long
# as the process. Left to the collector, each full collection walks all of it again, and
# those ran often enough to cost a fifth of a page's time under load (bench/README.md);
# frozen, they are never scanned. Garbage made by start-up goes first.
gc.collect()
gc.freeze()
