"""Server-side KaTeX: TeX in, HTML (and MathML) out, through one V8 context per process."""

from __future__ import annotations

import atexit
import json
import os
import queue
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import Future

from .. import vendor
from .messages import N_

DEFAULT_OUTPUT = "htmlAndMathml"
OUTPUTS = frozenset({"html", "mathml", "htmlAndMathml"})
# Limits against hostile or runaway input: sizes in em for \rule, \kern and friends,
# macro expansions per formula, characters per formula, seconds per call.
MAX_SIZE_EM = 25
MAX_EXPAND = 1000
MAX_TEX_LENGTH = 20_000
CALL_TIMEOUT_SECONDS = 5.0
# The longest wait for the context to be freed at exit.
CLOSE_TIMEOUT_SECONDS = 10.0
# Verdicts remembered per process: an import renders the same formulas again and again.
CACHE_SIZE = 4096

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
// Every formula of a document in one call: crossing into V8 costs more than most formulas.
globalThis.__blogRenderMany = function (json, output, maxSize, maxExpand) {
  var items = JSON.parse(json);
  var out = [];
  for (var i = 0; i < items.length; i++) {
    out.push(__blogRenderTex(items[i][0], items[i][1], output, maxSize, maxExpand));
  }
  return JSON.stringify(out);
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
    """A V8 context with KaTeX loaded, owned by the process that created it.

    The context is made, used and freed on one thread of its own: mini-racer frees a
    context safely only on a live thread that made it (freed after its maker ended, the
    process crashes at exit), and a context first made on a thread running an asyncio
    loop (sync Playwright's, an async server's) adopts that loop and then times out.
    """

    def __init__(self) -> None:
        path = vendor.katex_script_path()
        if not path.is_file():
            raise KatexUnavailableError(
                f"KaTeX script not found at {path}; run `python -m webapp.vendor` to fetch it."
            )
        self.pid = os.getpid()
        self._calls: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name="katex", daemon=True)
        self._thread.start()
        self.run(self._load, path)
        # Closed at exit while the thread still runs: left to __del__ during interpreter
        # teardown, its close waits forever for mini-racer's (frozen) event loop thread.
        atexit.register(self.close)

    def _load(self, path) -> None:
        # Deferred import: importing this module must stay cheap and free of V8.
        from py_mini_racer import MiniRacer

        self.context = MiniRacer()
        try:
            self.context.eval(path.read_text(encoding="utf-8"))
            self.context.eval(_WRAPPER_JS)
            self.functions = {
                "render": self.context.eval("__blogRenderTex"),
                "render_many": self.context.eval("__blogRenderMany"),
            }
        except Exception as error:
            raise KatexUnavailableError(f"cannot load KaTeX from {path}: {error}") from error

    def _serve(self) -> None:
        while (call := self._calls.get()) is not None:
            function, args, kwargs, future = call
            try:
                future.set_result(function(*args, **kwargs))
            except BaseException as error:  # handed to the caller, who raises it
                future.set_exception(error)

    def run(self, function, *args, **kwargs) -> object:
        """Run a function on the engine's thread and return what it returns."""
        future: Future = Future()
        self._calls.put((function, args, kwargs, future))
        return future.result()

    def call(self, name: str, *args, **kwargs) -> object:
        """Call one of the wrapper's JS functions on the engine's thread."""
        return self.run(lambda: self.functions[name](*args, **kwargs))

    def close(self) -> None:
        """Free the V8 context (in the process that made it; a forked copy is not its own)."""
        if self.pid != os.getpid() or not self._thread.is_alive():
            return
        future: Future = Future()
        self._calls.put((self.context.close, (), {}, future))
        self._calls.put(None)
        future.result(timeout=CLOSE_TIMEOUT_SECONDS)


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


Verdict = tuple[bool, str]  # (True, html) or (False, KaTeX's message)
_cache: OrderedDict[tuple[str, bool, str], Verdict] = OrderedDict()
_cache_lock = threading.Lock()


def cache_clear() -> None:
    """Forget every remembered verdict (benchmarks measure V8 itself)."""
    with _cache_lock:
        _cache.clear()


def _remember(key: tuple[str, bool, str], verdict: Verdict) -> None:
    with _cache_lock:
        _cache[key] = verdict
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)


def _recalled(key: tuple[str, bool, str]) -> Verdict | None:
    with _cache_lock:
        verdict = _cache.get(key)
        if verdict is not None:
            _cache.move_to_end(key)
        return verdict


def _verdict(raw: object) -> Verdict:
    """Read the wrapper's "ok:<html>" / "error:<message>" answer."""
    if not isinstance(raw, str):
        return False, "KaTeX returned no HTML"
    status, _, payload = raw.partition(":")
    if status == "ok":
        return True, payload
    return False, clean_message(payload)


def _call(method: str, *args) -> object:
    """Call the engine's JS function under the lock; engine failures raise KatexError."""
    from py_mini_racer import JSTimeoutException

    with _lock:
        engine = _current_engine()
        try:
            return engine.call(method, *args, timeout_sec=CALL_TIMEOUT_SECONDS)
        except JSTimeoutException as error:
            took = N_("rendering took longer than %(seconds)s s")
            raise KatexError(took % {"seconds": f"{CALL_TIMEOUT_SECONDS:g}"}) from error
        except Exception as error:  # out of memory, or a value V8 could not convert
            failed = N_("KaTeX failed: %(detail)s")
            raise KatexError(failed % {"detail": error or type(error).__name__}) from error


def _supported(tex: str) -> str:
    """Return the formula with environments KaTeX lacks swapped for their nearest kin."""
    return _UNSUPPORTED_ENVIRONMENTS.sub(r"\\\1{gather\2}", tex)


def _render_alone(tex: str, display: bool, output: str) -> Verdict | KatexError:
    """Render one formula in its own call; an engine failure is returned, not raised."""
    try:
        return _verdict(_call("render", tex, display, output, MAX_SIZE_EM, MAX_EXPAND))
    except KatexError as error:
        return error


def render_many(formulas: Sequence[tuple[str, bool]], *, output: str = DEFAULT_OUTPUT) -> list:
    """Render (tex, display) pairs; return a Verdict, or a KatexError for an engine failure, each.

    Formulas not remembered from earlier calls go to V8 together in one call. When that
    call fails as a whole (one formula ran out of time), each is tried on its own, so one
    slow formula costs only itself.
    """
    if output not in OUTPUTS:
        raise ValueError(f"output must be one of {sorted(OUTPUTS)}, not {output!r}")
    results: list = [None] * len(formulas)
    todo: dict[tuple[str, bool, str], list[int]] = {}
    for index, (tex, display) in enumerate(formulas):
        key = (tex, bool(display), output)
        if len(tex) > MAX_TEX_LENGTH:
            results[index] = (False, f"formula longer than {MAX_TEX_LENGTH} characters")
        elif (verdict := _recalled(key)) is not None:
            results[index] = verdict
        else:
            todo.setdefault(key, []).append(index)
    if not todo:
        return results
    keys = list(todo)
    sources = [(_supported(tex), shown) for tex, shown, _ in keys]
    try:
        raw = _call("render_many", json.dumps(sources), output, MAX_SIZE_EM, MAX_EXPAND)
        verdicts = [_verdict(item) for item in json.loads(raw)]
    except (KatexError, ValueError, TypeError):
        verdicts = [_render_alone(tex, shown, output) for tex, shown in sources]
    for key, verdict in zip(keys, verdicts, strict=True):
        if not isinstance(verdict, KatexError):
            _remember(key, verdict)
        for index in todo[key]:
            results[index] = verdict
    return results


def render_tex(tex: str, *, display: bool = False, output: str = DEFAULT_OUTPUT) -> str:
    """Render TeX to KaTeX HTML; raise KatexError with KaTeX's message when it is rejected."""
    verdict = render_many([(tex, display)], output=output)[0]
    if isinstance(verdict, KatexError):
        raise verdict
    ok, payload = verdict
    if not ok:
        raise KatexError(payload)
    return payload
