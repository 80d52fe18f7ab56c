"""Production server settings, used by `make serve` and by the benchmarks (one configuration to measure)."""

import os

bind = f"127.0.0.1:{os.environ.get('PORT', '8000')}"
# Requests are CPU-bound (Python, in-process SQLite): about two processes per core, threads to absorb waits.
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "6"))
worker_class = "gthread"
keepalive = 5
accesslog = os.environ.get("GUNICORN_ACCESSLOG")  # e.g. "-" for stdout
loglevel = "warning"
