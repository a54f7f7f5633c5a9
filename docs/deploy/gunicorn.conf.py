"""gunicorn settings for production (the measured choices of bench/gunicorn.conf.py):
one worker per core, gthread with 2 threads (a thread waiting on PostgreSQL frees the
core for the other; 4 threads queued on the GIL and were slower in every scenario),
keep-alive for nginx's upstream connections."""
import multiprocessing
import os

bind = os.environ.get("ELEARN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("ELEARN_GUNICORN_WORKERS", multiprocessing.cpu_count()))
worker_class = "gthread"
threads = 2
keepalive = 30
backlog = 2048
# Exports and imports run in the worker, so no request should need long; 120 s covers a
# large PDF bundle on a slow disk.
timeout = 120
graceful_timeout = 30
# A worker restarts after this many requests (bounds slow leaks), jittered to not restart
# all at once.
max_requests = 5000
max_requests_jitter = 500
accesslog = "-"
errorlog = "-"
loglevel = "info"
# Behind nginx on the same host: trust its X-Forwarded-* (the app also needs
# ELEARN_PROXY_FIX_X_FOR=1).
forwarded_allow_ips = "127.0.0.1"
