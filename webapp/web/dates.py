"""Dates, months and numbers as the interface's language writes them, for templates.

Stored times are naive UTC; Flask-Babel moves them into the site's time zone (SITE_TIMEZONE,
webapp/i18n.py) before formatting. English keeps the site's numeric style (2024-01-18);
Chinese writes 2024年1月18日 and 2024 年 1 月; a language added later gets CLDR's long forms.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from babel.dates import format_skeleton
from flask_babel import format_date, format_datetime, format_number, get_locale, gettext

from ..i18n import current_language

# Patterns (CLDR syntax) where a language's own style differs from CLDR's long forms.
DATE_FORMATS = {"en": "yyyy-MM-dd"}
DATETIME_FORMATS = {"en": "yyyy-MM-dd HH:mm", "zh": "y年M月d日 HH:mm"}
# Chinese typesetting sets a space between digits and characters in a month's name.
MONTH_YEAR_FORMATS = {"zh": "y 年 M 月"}
MONTH_FORMATS = {"zh": "M 月"}


def local_date(moment: datetime | None) -> str:
    """Format a stored time as a day: 2024-01-18, 2024年1月18日."""
    if moment is None:
        return ""
    return format_date(moment, DATE_FORMATS.get(current_language(), "long"))


def local_datetime(moment: datetime | None) -> str:
    """Format a stored time as a day and a time: 2024-01-18 14:05, 2024年1月18日 14:05."""
    if moment is None:
        return ""
    return format_datetime(moment, DATETIME_FORMATS.get(current_language(), "medium"))


def _first_day(month) -> date:
    """Return the first day of a month given as a date or as anything with year and month."""
    return date(month.year, month.month, 1)


def month_year(month) -> str:
    """Name a month of a year: January 2024, 2024 年 1 月."""
    pattern = MONTH_YEAR_FORMATS.get(current_language())
    day = _first_day(month)
    if pattern:
        return format_date(day, pattern)
    return format_skeleton("yMMMM", day, locale=get_locale())


def month_name(month) -> str:
    """Name a month within its year: January, 1 月."""
    return format_date(_first_day(month), MONTH_FORMATS.get(current_language(), "LLLL"))


def number(value: int) -> str:
    """Write a count with the language's digit grouping: 12,345."""
    return format_number(value)


def duration(span: timedelta | None) -> str:
    """Format a length of time as people read it: 45 s, 3 min 5 s, 1 h 2 min; 3 分 5 秒."""
    if span is None:
        return ""
    seconds = max(0, round(span.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return gettext("%(hours)s h %(minutes)s min", hours=hours, minutes=minutes)
    if minutes:
        return gettext("%(minutes)s min %(seconds)s s", minutes=minutes, seconds=seconds)
    return gettext("%(seconds)s s", seconds=seconds)
