"""SQL functions compiled per database, for statements the services build once."""
from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class comma_joined(FunctionElement):  # lower case, as SQL functions are
    """The values of a column joined with commas (an aggregate). SQLAlchemy's
    `aggregate_strings` sends its separator as a value rendered into the SQL text at every
    execution, which cost ~20 µs of each signed-in request; here the comma is part of the
    statement, which is then compiled once."""
    type = String()
    inherit_cache = True


@compiles(comma_joined, "sqlite")
def _group_concat(element: comma_joined, compiler, **kw) -> str:
    return f"group_concat({compiler.process(element.clauses, **kw)}, ',')"


@compiles(comma_joined)
def _string_agg(element: comma_joined, compiler, **kw) -> str:
    return f"string_agg({compiler.process(element.clauses, **kw)}, ',')"
