# The blog as a container image (README "Deploying"); compose.yaml runs it with PostgreSQL
# and Redis. Not built in CI (no container daemon there): the same steps as `make assets`.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    INSTANCE_PATH=/srv/blog/instance

WORKDIR /srv/blog
COPY pyproject.toml README.md babel.cfg gunicorn.conf.py ./
COPY webapp ./webapp
COPY templates ./templates
COPY static ./static
COPY deploy ./deploy

# Install, fetch the pinned htmx/KaTeX/mermaid files, compile the translations, write the
# .gz/.br copies of the static files. A throwaway instance folder keeps the secret key the
# app makes on first start out of the image.
RUN pip install -e . \
    && python -m webapp.vendor \
    && pybabel compile --use-fuzzy -d webapp/translations \
    && INSTANCE_PATH=/tmp/build-instance flask --app webapp precompress-static \
    && rm -rf /tmp/build-instance \
    && useradd --system --home /srv/blog blog \
    && mkdir -p /srv/blog/instance && chown blog:blog /srv/blog/instance

USER blog
# The database (when SQLite), the secret key, uploads and the job queue's files.
VOLUME /srv/blog/instance
EXPOSE 8000

# Migrate, then serve. JOBS_WORKER=none when compose runs the worker as its own service.
CMD ["sh", "-c", "flask --app webapp init-db && exec gunicorn --workers ${WORKERS:-4} --bind 0.0.0.0:8000 'webapp:create_app()'"]
