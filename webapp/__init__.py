"""The blog application factory."""

from __future__ import annotations

import os

from flask import Flask


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the application."""
    instance_path = os.environ.get("INSTANCE_PATH") or None
    if instance_path:
        instance_path = os.path.abspath(instance_path)
    app = Flask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    if test_config and test_config.get("INSTANCE_PATH"):
        app.instance_path = test_config["INSTANCE_PATH"]
    os.makedirs(app.instance_path, exist_ok=True)

    from . import admin, api, cli, errors, i18n, pages, share
    from .blog import views as blog
    from .comments import views as comments
    from .config import configure
    from .extensions import compress, csrf, db, init_sqlite
    from .feeds import comments as _comment_feeds  # noqa: F401  (routes on feeds.bp)
    from .feeds import views as feeds
    from .ops import health
    from .search import views as search
    from .services import schema, storage
    from .services import search as search_index
    from .web import hosts, http_cache, media

    configure(app, test_config)
    storage.init_app(app)
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    hosts.init_app(app)
    init_sqlite()
    db.init_app(app)
    schema.init_app(app)
    compress.init_app(app)
    i18n.init_app(app)
    csrf.init_app(app)
    pages.init_app(app)
    media.init_app(app)
    share.init_app(app)
    errors.init_app(app)
    http_cache.init_app(app)
    cli.init_app(app)
    app.register_blueprint(blog.bp)
    app.register_blueprint(comments.bp)
    app.register_blueprint(feeds.bp)
    search_index.init_app(app)
    app.register_blueprint(search.bp)
    admin.init_app(app)
    api.init_app(app)
    app.register_blueprint(health.bp)
    return app
