"""The author's comment settings: one row, made with its defaults when first read."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from ...content.messages import N_
from ...extensions import db
from ...models import CommentSettings, utcnow

SETTINGS_ID = 1
# The longest blocklist kept, in characters: it is read on every comment.
MAX_BLOCKLIST_CHARS = 20_000


def current() -> CommentSettings:
    """Return the settings row, creating it with its defaults the first time."""
    found = db.session.get(CommentSettings, SETTINGS_ID)
    if found is None:
        found = CommentSettings(
            id=SETTINGS_ID, auto_approve=False, approve_known=True, blocklist=""
        )
        db.session.add(found)
        db.session.flush()
    return found


@dataclass(frozen=True)
class Blocklist:
    """The blocklist read: words (lower case) and network addresses."""

    words: tuple[str, ...]
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]

    def blocks_address(self, address: str) -> bool:
        """Tell whether an address is in one of the listed networks."""
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip.version == network.version and ip in network for network in self.networks)

    def blocks_text(self, *texts: str | None) -> bool:
        """Tell whether any text holds a listed word, in any case."""
        joined = "\n".join(text.lower() for text in texts if text)
        return any(word in joined for word in self.words)


def read_blocklist(text: str) -> Blocklist:
    """Read a blocklist: one entry a line, an address or network (1.2.3.4, 10.0.0.0/8) or words."""
    words, networks = [], []
    for line in text.splitlines():
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            words.append(entry.lower())
    return Blocklist(tuple(words), tuple(networks))


class SettingsError(ValueError):
    """Settings the form cannot save; str() says which and why."""


def update(
    *,
    auto_approve: bool,
    approve_known: bool,
    notify_email: str | None,
    blocklist: str,
    close_after_days: int | None,
) -> CommentSettings:
    """Save the settings (checked first: nothing is saved when one is wrong)."""
    from .posting import clean_email  # the one rule for an email address

    if len(blocklist) > MAX_BLOCKLIST_CHARS:
        too_long = N_("the blocklist is longer than %(limit)s characters")
        raise SettingsError(too_long % {"limit": MAX_BLOCKLIST_CHARS})
    if close_after_days is not None and not 1 <= close_after_days <= 100_000:
        raise SettingsError(N_("close comments after a number of days from 1 to 100000, or never"))
    row = current()
    row.auto_approve = auto_approve
    row.approve_known = approve_known
    row.notify_email = clean_email(notify_email)
    row.blocklist = blocklist.replace("\r\n", "\n")
    row.close_after_days = close_after_days
    row.updated_at = utcnow()
    db.session.commit()
    return row
