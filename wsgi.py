"""The WSGI entry point (`gunicorn wsgi:app`), and what `flask` finds in this folder without
FLASK_APP, so the README's `.venv/bin/flask elearn …` commands work as written."""
from elearn import create_app

app = create_app()
