"""Alembic's environment: Flask-Migrate's env.py, run against the app's database and models.

Two additions to the stock file, both for webapp.services.schema.upgrade_database(): it can
hand over its own connection (config.attributes["connection"]), so adopting a database made
before migrations and upgrading it share one transaction; and it can ask that the
process's logging be left alone (config.attributes["configure_logger"]).
"""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
if config.attributes.get("configure_logger", True):
    # Keep the loggers the app already made (a command may run migrations, then log).
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

migrate = current_app.extensions["migrate"]
target_metadata = migrate.db.metadata


def skip_empty_revision(context, revision, directives) -> None:
    """Write no file when `flask db migrate` finds the models and the database alike."""
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def run_migrations_offline() -> None:
    """Print the migrations' SQL instead of running it (`flask db upgrade --sql`)."""
    url = migrate.db.engine.url.render_as_string(hide_password=False)
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations(connection) -> None:
    """Run the migrations on a connection, with the options given to Migrate()."""
    options = {"process_revision_directives": skip_empty_revision, **migrate.configure_args}
    context.configure(connection=connection, target_metadata=target_metadata, **options)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on the caller's connection, or on a new one to the app's database."""
    connection = config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    with migrate.db.engine.connect() as connection:
        run_migrations(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
