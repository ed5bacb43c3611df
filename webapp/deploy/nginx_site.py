"""Fill the placeholders of deploy/nginx/blog.conf.template (@SERVER_NAME@ …); no Flask."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path

PLACEHOLDER = re.compile(r"@([A-Z_]+)@")
# Where Debian's libnginx-mod-http-brotli-static puts the module that serves .br files.
BROTLI_STATIC_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so")
# An nginx variable name ($cookie_NAME) takes letters, digits and underscores only.
_COOKIE_NAME = re.compile(r"[A-Za-z0-9_]+")
# Nothing that could end a directive or open a block inside a filled-in value.
_UNSAFE = re.compile(r"[;{}#\s\"'\\]")


class SiteError(ValueError):
    """A value the site file cannot be made with; str() says which and why."""


@dataclass
class SiteValues:
    """What the template asks for; field names are the placeholders in lower case."""

    server_name: str
    app_address: str
    http_address: str
    https_address: str
    tls_certificate: str
    tls_certificate_key: str
    acme_root: str
    static_root: str
    uploads_root: str
    cache_dir: str
    max_body_size: int
    session_cookie: str
    remember_cookie: str
    comment_cookie: str
    brotli_static: bool


def render_site(template: str, values: SiteValues) -> str:
    """Return the template with every placeholder filled; raise SiteError on a bad value."""
    filled = {}
    for name, value in asdict(values).items():
        if name == "brotli_static":
            # Without the module the directive is unknown and nginx would not start.
            filled[name] = (
                "brotli_static on;"
                if value
                else "# brotli_static on;  (needs libnginx-mod-http-brotli-static)"
            )
            continue
        text = str(value)
        if name.endswith("_cookie") and not _COOKIE_NAME.fullmatch(text):
            raise SiteError(
                f"{name}: nginx can only read cookies named with letters, digits and "
                f"underscores, not {text!r}"
            )
        # Several names, separated by spaces, are allowed in server_name and nowhere else.
        parts = text.split() if name == "server_name" else [text]
        if not parts or any(not part or _UNSAFE.search(part) for part in parts):
            raise SiteError(f"{name}: {text!r} is not a value nginx can take here")
        filled[name] = " ".join(parts)

    def fill(match: re.Match) -> str:
        name = match.group(1).lower()
        if name not in filled:
            raise SiteError(f"the template names an unknown placeholder @{match.group(1)}@")
        return filled[name]

    return PLACEHOLDER.sub(fill, template)
