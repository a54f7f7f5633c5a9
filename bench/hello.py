"""The baseline: a plain Flask "hello world", served by the same gunicorn settings as elearn."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
