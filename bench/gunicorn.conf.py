"""gunicorn settings shared by both apps of the benchmark (elearn and bench/hello.py).

2 workers = the machine's 2 cores. gthread with 4 threads per worker: connections stay
alive (as behind a keep-alive proxy; sync workers close every connection), and while one
thread waits on the database (a PostgreSQL round trip, an SQLite lock) another can run.
More threads would only queue on the GIL.
"""
import os

bind = os.environ.get("BENCH_BIND", "127.0.0.1:8001")
workers = int(os.environ.get("BENCH_WORKERS", "2"))
worker_class = os.environ.get("BENCH_WORKER_CLASS", "gthread")
threads = int(os.environ.get("BENCH_THREADS_PER_WORKER", "4"))
keepalive = 30
backlog = 2048
timeout = 120
graceful_timeout = 5
accesslog = None
loglevel = "warning"
