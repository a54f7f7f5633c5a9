"""What a write's round trips cost on PostgreSQL, client side (CPU) and in all (wall):

    ELEARN_DATABASE_URL=postgresql+psycopg://elearn@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/round_trips.py [--runs 3000]

The autosave's shape three ways, on a temporary table, through SQLAlchemy and psycopg as the
app uses them: BEGIN, two UPDATEs, COMMIT (what the quiz sent before 2026-12-05's seventh
pass); the two as one statement (a data-modifying CTE) inside BEGIN … COMMIT; and that one
statement on its own, without a transaction block, as `psycopg_reads.whole_unit` runs it.
Each is measured twice, interleaved; the minimum is printed.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

from sqlalchemy import create_engine, text

TWO = (text("UPDATE t SET a = a + 1 WHERE id = :i"), text("UPDATE t SET b = b + 1 WHERE id = :j"))
ONE = text("WITH x AS (UPDATE t SET a = a + 1 WHERE id = :i RETURNING id) "
           "UPDATE t SET b = b + 1 WHERE id = :j AND EXISTS (SELECT 1 FROM x)")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3000)
    args = parser.parse_args()
    url = os.environ.get("ELEARN_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        print("round_trips.py: set ELEARN_DATABASE_URL to a postgresql+psycopg:// URL",
              file=sys.stderr)
        return 2
    with create_engine(url).connect() as connection:
        connection.execute(text("CREATE TEMPORARY TABLE t (id int PRIMARY KEY, a int, b int)"))
        connection.execute(text("INSERT INTO t SELECT g, 0, 0 FROM generate_series(1, 100) g"))
        connection.commit()
        raw = connection.connection.driver_connection

        def two(k: int) -> None:
            connection.execute(TWO[0], {"i": k % 100 + 1})
            connection.execute(TWO[1], {"j": (k + 1) % 100 + 1})
            connection.commit()

        def one(k: int) -> None:
            connection.execute(ONE, {"i": k % 100 + 1, "j": (k + 1) % 100 + 1})
            connection.commit()

        def alone(k: int) -> None:
            raw.autocommit = True
            try:
                one(k)
            finally:
                raw.autocommit = False

        shapes = {"BEGIN, 2 UPDATEs, COMMIT": two, "BEGIN, 1 statement, COMMIT": one,
                  "1 statement, no transaction block": alone}
        best: dict[str, tuple[float, float]] = {}
        for _ in range(2):
            for name, write in shapes.items():
                cpu, wall = time.process_time(), time.perf_counter()
                for k in range(args.runs):
                    write(k)
                measured = ((time.process_time() - cpu) / args.runs,
                            (time.perf_counter() - wall) / args.runs)
                best[name] = min(best.get(name, measured), measured)
    for name, (cpu, wall) in best.items():
        print(f"{name:36s} client CPU {cpu * 1e6:5.0f} µs, wall {wall * 1e6:5.0f} µs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
