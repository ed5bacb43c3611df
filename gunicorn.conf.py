"""gunicorn settings read by `make serve` (gunicorn loads ./gunicorn.conf.py by itself)."""

import os
import subprocess
import sys
import threading

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
