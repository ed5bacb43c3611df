"""Deployment commands: nginx-config (the site file), precompress-static (.gz and .br files)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from ..deploy.nginx_site import BROTLI_STATIC_MODULE, SiteError, SiteValues, render_site
from ..deploy.precompress import precompress
from ..web.comment_cookie import COOKIE_NAME as COMMENT_COOKIE

# The template sits beside the code it serves, like templates/ and static/.
TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "blog.conf.template"


@click.command("nginx-config")
@click.option(
    "--server-name", required=True, help="The site's host name(s), e.g. blog.example.org."
)
@click.option(
    "--app-address",
    default="127.0.0.1:8000",
    show_default=True,
    help="Where gunicorn listens: host:port, or unix:/path/to.sock.",
)
@click.option(
    "--http-address",
    default="80",
    show_default=True,
    help="nginx's plain-HTTP listen address (it only redirects to HTTPS).",
)
@click.option(
    "--https-address", default="443", show_default=True, help="nginx's HTTPS listen address."
)
@click.option(
    "--certificate",
    default=None,
    help="TLS certificate chain [default: Let's Encrypt's path for the first name].",
)
@click.option(
    "--certificate-key",
    default=None,
    help="TLS private key [default: Let's Encrypt's path for the first name].",
)
@click.option(
    "--acme-root",
    default="/var/www/letsencrypt",
    show_default=True,
    help="Folder for Let's Encrypt's HTTP-01 challenge files.",
)
@click.option(
    "--cache-dir",
    default="/var/cache/nginx/blog",
    show_default=True,
    help="Folder of nginx's micro-cache (nginx creates it).",
)
@click.option(
    "--static-root", default=None, help="The static folder as nginx reads it [default: the app's]."
)
@click.option(
    "--uploads-root",
    default=None,
    help="The stored images' folder [default: the instance folder's uploads/].",
)
@click.option(
    "--brotli/--no-brotli",
    default=None,
    help="Serve .br files (brotli_static) [default: when Debian's module is installed].",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write the site file here instead of printing it.",
)
@with_appcontext
def nginx_config_command(
    server_name,
    app_address,
    http_address,
    https_address,
    certificate,
    certificate_key,
    acme_root,
    cache_dir,
    static_root,
    uploads_root,
    brotli,
    output,
) -> None:
    """Print the nginx site file for this app, its limits and folders taken from the settings.

    The upload limit (MAX_UPLOAD_SIZE and room for the form) and the cookie names come from
    the app's configuration, so nginx and the app never disagree; run it again after
    changing them.
    """
    config = current_app.config
    first_name = server_name.split()[0] if server_name.split() else server_name
    live = f"/etc/letsencrypt/live/{first_name}"
    values = SiteValues(
        server_name=server_name,
        app_address=app_address,
        http_address=http_address,
        https_address=https_address,
        tls_certificate=certificate or f"{live}/fullchain.pem",
        tls_certificate_key=certificate_key or f"{live}/privkey.pem",
        acme_root=acme_root,
        static_root=str(Path(static_root or current_app.static_folder).resolve()),
        uploads_root=str(Path(uploads_root or Path(current_app.instance_path) / "uploads")),
        cache_dir=cache_dir,
        max_body_size=int(config["MAX_CONTENT_LENGTH"]),
        session_cookie=config["SESSION_COOKIE_NAME"],
        remember_cookie=config.get("REMEMBER_COOKIE_NAME", "remember_token"),
        comment_cookie=COMMENT_COOKIE,
        brotli_static=BROTLI_STATIC_MODULE.exists() if brotli is None else brotli,
    )
    try:
        site = render_site(TEMPLATE.read_text(encoding="utf-8"), values)
    except SiteError as error:
        raise click.ClickException(str(error)) from error
    if int(config.get("TRUSTED_PROXIES") or 0) != 1:
        click.echo(
            "Note: this file is written for TRUSTED_PROXIES = 1 (nginx is the one proxy); "
            f"the app has {config.get('TRUSTED_PROXIES')!r}, so it will not see readers' "
            "addresses and HTTPS as nginx passes them.",
            err=True,
        )
    if output:
        Path(output).write_text(site, encoding="utf-8")
        click.echo(f"Wrote {output}", err=True)
    else:
        click.echo(site, nl=False)


@click.command("precompress-static")
@click.option(
    "--folder",
    type=click.Path(file_okay=False, exists=True),
    default=None,
    help="The static folder [default: the app's].",
)
@with_appcontext
def precompress_static_command(folder) -> None:
    """Write .gz and .br copies of the static files nginx serves (after each update)."""
    report = precompress(Path(folder or current_app.static_folder))
    click.echo(
        f"Compressed {len(report.written)} files, {report.unchanged} already up to date, "
        f"removed {len(report.removed)} stale copies."
    )


def register(app: Flask) -> None:
    """Register the deployment commands."""
    app.cli.add_command(nginx_config_command)
    app.cli.add_command(precompress_static_command)
