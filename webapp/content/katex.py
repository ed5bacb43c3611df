"""Server-side KaTeX: TeX in, HTML (and MathML) out, through one V8 context per process."""

from __future__ import annotations

import os
import re
import threading
from functools import lru_cache

from .. import vendor

DEFAULT_OUTPUT = "htmlAndMathml"
OUTPUTS = frozenset({"html", "mathml", "htmlAndMathml"})
# Limits against hostile or runaway input: sizes in em for \rule, \kern and friends,
# macro expansions per formula, characters per formula, seconds per call.
MAX_SIZE_EM = 25
MAX_EXPAND = 1000
MAX_TEX_LENGTH = 20_000
CALL_TIMEOUT_SECONDS = 5.0

# Defined once next to the KaTeX script. It returns "ok:<html>" or "error:<message>"
# so that KaTeX's ParseError crosses into Python as plain data with its message intact.
_WRAPPER_JS = """
globalThis.__blogRenderTex = function (tex, displayMode, output, maxSize, maxExpand) {
  try {
    return "ok:" + katex.renderToString(tex, {
      displayMode: displayMode,
      output: output,
      throwOnError: true,
      strict: "ignore",
      trust: false,
      maxSize: maxSize,
      maxExpand: maxExpand,
    });
  } catch (e) {
    return "error:" + String((e && e.message) || e);
  }
};
"""

# KaTeX has no multline; gather is the closest layout it has (lines centred instead of
# staggered), which beats showing authors an error for a common amsmath environment.
_UNSUPPORTED_ENVIRONMENTS = re.compile(r"\\(begin|end)\{multline(\*?)\}")
# KaTeX underlines the offending span with combining low lines (U+0332); in a tooltip or
# a log line they only make the text harder to read.
_COMBINING_LOW_LINE = "\u0332"


class KatexError(ValueError):
    """KaTeX rejected a formula; the message says why."""


class KatexUnavailableError(RuntimeError):
    """The KaTeX script is missing or could not be loaded."""


class _Engine:
    """A V8 context with KaTeX loaded, owned by the process that created it."""

    def __init__(self) -> None:
        # Deferred import: importing this module must stay cheap and free of V8.
        from py_mini_racer import MiniRacer

        path = vendor.katex_script_path()
        if not path.is_file():
            raise KatexUnavailableError(
                f"KaTeX script not found at {path}; run `python -m webapp.vendor` to fetch it."
            )
        self.pid = os.getpid()
        self.context = MiniRacer()
        try:
            self.context.eval(path.read_text(encoding="utf-8"))
            self.context.eval(_WRAPPER_JS)
            self.render = self.context.eval("__blogRenderTex")
        except Exception as error:
            raise KatexUnavailableError(f"cannot load KaTeX from {path}: {error}") from error


_lock = threading.Lock()
_engine: _Engine | None = None


def _current_engine() -> _Engine:
    """Return this process's engine, creating it on first use (call with the lock held)."""
    global _engine
    if _engine is None:
        _engine = _Engine()
    elif _engine.pid != os.getpid():
        # V8 does not survive fork: its threads stay in the parent, and starting it again
        # in the child aborts the whole process. Fail with a fix instead.
        raise KatexUnavailableError(
            "the KaTeX context was created before this process was forked; render or call "
            "warm_up() only in worker processes (e.g. gunicorn's post_fork), not the master"
        )
    return _engine


def warm_up() -> None:
    """Create the KaTeX context now instead of on the first formula."""
    with _lock:
        _current_engine()


def clean_message(message: str) -> str:
    """Return a KaTeX error message without its combining underlines."""
    return message.replace(_COMBINING_LOW_LINE, "").strip()


@lru_cache(maxsize=4096)
def _render_cached(tex: str, display: bool, output: str) -> tuple[bool, str]:
    """Render through V8; return (True, html) or (False, KaTeX's message).

    Only KaTeX's own verdicts are returned (and so cached); a failure of the engine itself
    (a timeout, V8 trouble) raises KatexError, which lru_cache does not remember, so the
    same formula is tried afresh next time.
    """
    if len(tex) > MAX_TEX_LENGTH:
        return False, f"formula longer than {MAX_TEX_LENGTH} characters"
    tex = _UNSUPPORTED_ENVIRONMENTS.sub(r"\\\1{gather\2}", tex)
    from py_mini_racer import JSTimeoutException

    with _lock:
        engine = _current_engine()
        try:
            raw = engine.render(
                tex, display, output, MAX_SIZE_EM, MAX_EXPAND, timeout_sec=CALL_TIMEOUT_SECONDS
            )
        except JSTimeoutException as error:
            raise KatexError(f"rendering took longer than {CALL_TIMEOUT_SECONDS:g} s") from error
        except Exception as error:  # out of memory, or a value V8 could not convert
            raise KatexError(f"KaTeX failed: {error or type(error).__name__}") from error
    if not isinstance(raw, str):
        return False, "KaTeX returned no HTML"
    status, _, payload = raw.partition(":")
    if status == "ok":
        return True, payload
    return False, clean_message(payload)


def render_tex(tex: str, *, display: bool = False, output: str = DEFAULT_OUTPUT) -> str:
    """Render TeX to KaTeX HTML; raise KatexError with KaTeX's message when it is rejected."""
    if output not in OUTPUTS:
        raise ValueError(f"output must be one of {sorted(OUTPUTS)}, not {output!r}")
    ok, payload = _render_cached(tex, bool(display), output)
    if not ok:
        raise KatexError(payload)
    return payload
