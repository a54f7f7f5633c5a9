"""Rows by primary key, for the views' scope resolvers and 404s (a read; it never writes)."""
from __future__ import annotations

from typing import TypeVar

from ..extensions import db

Model = TypeVar("Model")


def find(model: type[Model], ident: int) -> Model | None:
    """The row of `model` with this id, or None."""
    return db.session.get(model, ident)


def fresh(model: type[Model], ident: int) -> Model | None:
    """The row as stored now (another request may just have changed it)."""
    return db.session.get(model, ident, populate_existing=True)
