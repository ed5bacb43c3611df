"""gunicorn settings read by `make serve` (gunicorn loads ./gunicorn.conf.py by itself)."""

import os
import subprocess
import sys
import threading

from webapp.ops.serving import (
    ACCESS_LOG_FORMAT,
    JsonAccessLogger,
    longest_request_seconds,
    read_settings,
)

# A worker silent for longer than the longest request the settings allow is stuck, and is
# restarted (91 s with the defaults; see longest_request_seconds). It counts from when
# the body has arrived: nginx buffers an upload on a slow link before passing it on.
timeout = longest_request_seconds(read_settings())
# A restart (SIGHUP, a deploy) lets a request in progress finish, the longest one too.
graceful_timeout = timeout
# Idle keep-alive connections (gthread workers; sync workers close after each answer)
# outlive nginx's upstream keepalive_timeout (60 s), so nginx is always the one to close
# them and never sends a request down a connection gunicorn has just dropped.
keepalive = 75

# One JSON object per request on standard output (systemd's journal, docker logs);
# ACCESS_LOG=path writes them to a file, ACCESS_LOG= (empty) turns them off.
accesslog = os.environ.get("ACCESS_LOG", "-") or None
access_log_format = ACCESS_LOG_FORMAT
logger_class = JsonAccessLogger

# Seconds between looks at the job worker, and the longest wait before starting it again.
WATCH_SECONDS = 2
MAX_BACKOFF_SECONDS = 60


def post_fork(server, worker):
    """Warm the rendering pipeline in each worker, so the first upload is not the slow one.

    KaTeX's V8 context must be created after the fork (V8 does not survive one), which is
    why this happens here and not in the master or at import time.
    """
    from webapp.content.render import render_markdown

    render_markdown("Warm-up: $x^2$\n\n```python\nx = 1\n```\n")


class JobWorker:
    """Runs `flask worker` beside the web workers and starts it again if it dies.

    Big uploads are published by it; without one they would wait in the queue. A site
    that runs the worker as its own service sets JOBS_WORKER=none.
    """

    def __init__(self, log):
        self.log = log
        self.process = None
        self.stopping = threading.Event()

    def start(self):
        self._spawn()
        threading.Thread(target=self._watch, name="job-worker-watch", daemon=True).start()

    def _spawn(self):
        command = [sys.executable, "-m", "flask", "--app", "webapp", "worker", "--quiet"]
        self.process = subprocess.Popen(command)
        self.log.info("Started the job worker (pid %s)", self.process.pid)

    def _watch(self):
        backoff = WATCH_SECONDS
        while not self.stopping.wait(WATCH_SECONDS):
            # gunicorn's master reaps every child, this one too: poll() then reports 0.
            if self.process.poll() is None:
                backoff = WATCH_SECONDS
                continue
            self.log.warning("The job worker stopped; starting it again in %s s", backoff)
            if self.stopping.wait(backoff):
                return
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
            self._spawn()

    def stop(self):
        self.stopping.set()
        if self.process is None or self.process.poll() is not None:
            return
        # SIGTERM stops at once; a job it interrupts goes on when a worker starts again.
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


job_worker = None


def when_ready(server):
    """Start the job worker once the master is up (unless JOBS_WORKER=none)."""
    global job_worker
    if os.environ.get("JOBS_WORKER", "embedded") == "none":
        return
    job_worker = JobWorker(server.log)
    job_worker.start()


def on_exit(server):
    """Stop the job worker with the server."""
    if job_worker is not None:
        job_worker.stop()
