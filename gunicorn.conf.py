"""gunicorn settings read by `make serve` (gunicorn loads ./gunicorn.conf.py by itself)."""


def post_fork(server, worker):
    """Warm the rendering pipeline in each worker, so the first upload is not the slow one.

    KaTeX's V8 context must be created after the fork (V8 does not survive one), which is
    why this happens here and not in the master or at import time.
    """
    from webapp.content.render import render_markdown

    render_markdown("Warm-up: $x^2$\n\n```python\nx = 1\n```\n")
