"""gunicorn settings shared by both apps of the benchmark (elearn and bench/hello.py).

2 workers = the machine's 2 cores. gthread with 2 threads per worker: connections stay
alive (as behind a keep-alive proxy; sync workers close every connection), and while one
thread waits on the database (a PostgreSQL round trip, an SQLite lock) the other can run.
Measured on 2026-12-04 (bench/README.md): 2 threads beat 4 in every scenario on both
databases (4 threads queue on the GIL: py-spy shows them waiting to get it back after each
socket write; on SQLite more writers also wait on its lock), and 1 thread loses the quiz.

worker_connections caps the connections one worker holds (bench/run.py sets it to the
connections per worker plus the threads). Kept-alive connections stay with the worker that
accepted them, and without the cap one worker took 20 or 22 of wrk's 32 connections in some
runs: its requests queued half as long again and set the run's p99. Behind nginx the
same holds for its upstream keep-alive connections (docs/deploy.md).
"""
import os

bind = os.environ.get("BENCH_BIND", "127.0.0.1:8001")
workers = int(os.environ.get("BENCH_WORKERS", "2"))
worker_class = os.environ.get("BENCH_WORKER_CLASS", "gthread")
threads = int(os.environ.get("BENCH_THREADS_PER_WORKER", "2"))
keepalive = 30
worker_connections = int(os.environ.get("BENCH_WORKER_CONNECTIONS", "1000"))  # gunicorn's default
backlog = 2048
timeout = 120
graceful_timeout = 5
accesslog = None
loglevel = "warning"
