"""gunicorn.conf.py: a JSON line per request in the access log, and timeouts that let the
longest request the settings allow finish."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from types import SimpleNamespace

from gunicorn.config import Config as GunicornConfig

from tests.load_scenario import ROOT, gunicorn, new_site, request
from webapp.config import DEFAULTS
from webapp.ops.serving import (
    ACCESS_LOG_FORMAT,
    JsonAccessLogger,
    longest_request_seconds,
    read_settings,
)

# Quotes, backslashes and text outside ASCII, as a hostile or just unusual client sends them.
USER_AGENT = 'Mozilla/5.0 "quoted" \\back\\slash\\ caf\u00e9'


def print_config(env: dict) -> dict[str, str]:
    """Return the settings gunicorn reads from ./gunicorn.conf.py in this environment."""
    output = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--print-config", "webapp:create_app()"],
        cwd=ROOT,
        env={**os.environ, "JOBS_WORKER": "none", **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    settings = {}
    for line in output.splitlines():
        name, _, value = line.partition("=")
        settings[name.strip()] = value.strip()
    return settings


def test_gunicorn_waits_for_the_longest_request_the_settings_allow(tmp_path):
    settings = print_config({"INSTANCE_PATH": str(tmp_path)})
    default = longest_request_seconds(DEFAULTS)
    assert int(settings["timeout"]) == default
    # Twenty documents at the 2 s render budget, 15 s of image downloads and 15 s of
    # waiting for SQLite's lock, all inside one upload.
    assert default >= 20 * 2 + 15 + 15
    assert int(settings["graceful_timeout"]) == default
    assert int(settings["keepalive"]) > 60  # nginx's upstream keepalive_timeout
    assert "JsonAccessLogger" in settings["logger_class"]


def test_raising_a_limit_raises_the_timeout(tmp_path):
    (tmp_path / "config.py").write_text("BACKGROUND_AFTER_DOCUMENTS = 40\n")
    env = {"INSTANCE_PATH": str(tmp_path), "FLASK_IMAGE_FETCH_REQUEST_SECONDS": "60"}
    settings = print_config(env)
    default = longest_request_seconds(DEFAULTS)
    # 20 more documents at 2 s each, and 45 s more of downloads.
    assert int(settings["timeout"]) == default + 20 * 2 + 45


def test_read_settings_sees_the_instance_config_and_the_environment(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text("RENDER_BUDGET_SECONDS = 5\n")
    monkeypatch.setenv("FLASK_MAX_UPLOAD_SIZE", str(500 * 1024 * 1024))
    settings = read_settings(tmp_path)
    assert settings["RENDER_BUDGET_SECONDS"] == 5
    assert settings["MAX_UPLOAD_SIZE"] == 500 * 1024 * 1024
    assert longest_request_seconds(settings) > longest_request_seconds(DEFAULTS) + 20 * 3


def write_access_line(tmp_path, environ: dict, headers: list, status="200 OK", sent=1234):
    """Log one request through JsonAccessLogger as gunicorn would; return the line parsed."""
    path = tmp_path / "access.log"
    config = GunicornConfig()
    config.set("accesslog", str(path))
    config.set("access_log_format", ACCESS_LOG_FORMAT)
    logger = JsonAccessLogger(config)
    base = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
    }
    response = SimpleNamespace(status=status, sent=sent, headers=[])
    logger.access(
        response, SimpleNamespace(headers=headers), {**base, **environ}, timedelta(0, 0, 12_500)
    )
    for handler in logger.access_log.handlers:
        handler.flush()
    (line,) = path.read_text(encoding="utf-8").splitlines()
    return json.loads(line)


def test_a_log_line_stays_json_whatever_the_client_sends(tmp_path):
    hostile = 'a "quote", a \\ backslash, a tab\there, a bell\x07 and 中文 "}'
    entry = write_access_line(
        tmp_path,
        {
            "PATH_INFO": '/search"}',
            "QUERY_STRING": 'q="}\\',
            "HTTP_USER_AGENT": hostile,
            "HTTP_REFERER": hostile,
        },
        [("USER-AGENT", hostile), ("X-FORWARDED-FOR", "203.0.113.9")],
    )
    assert entry["user_agent"] == hostile and entry["referrer"] == hostile
    assert entry["path"] == '/search"}' and entry["query"] == 'q="}\\'
    assert entry["forwarded_for"] == "203.0.113.9"
    assert entry["status"] == 200 and entry["bytes"] == 1234 and entry["duration_ms"] == 12
    assert entry["request_id"] == "-"
    assert datetime.fromisoformat(entry["time"]).utcoffset() == timedelta(0)


def test_an_answer_of_unknown_length_logs_null_bytes(tmp_path):
    entry = write_access_line(tmp_path, {}, [], status="304 Not Modified", sent=None)
    assert entry["status"] == 304 and entry["bytes"] is None


def test_gunicorn_writes_one_json_line_per_request(tmp_path, monkeypatch):
    log_path = tmp_path / "access.log"
    monkeypatch.setenv("ACCESS_LOG", str(log_path))
    monkeypatch.setenv("JOBS_WORKER", "none")
    site = new_site()
    headers = {
        "User-Agent": USER_AGENT,
        "X-Forwarded-For": "203.0.113.9",
        "X-Request-ID": "req-42",
    }
    with gunicorn(site, workers=1) as server:
        assert request(server.port, "GET", "/healthz", headers=headers)[0] == 200
        assert request(server.port, "GET", "/posts/nothing/?x=%22", headers=headers)[0] == 404
    lines = log_path.read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines]
    ours = [entry for entry in entries if entry["request_id"] == "req-42"]
    assert [(e["method"], e["path"], e["query"], e["status"]) for e in ours] == [
        ("GET", "/healthz", "", 200),
        ("GET", "/posts/nothing/", "x=%22", 404),
    ]
    for entry in ours:
        assert entry["user_agent"] == USER_AGENT
        assert entry["forwarded_for"] == "203.0.113.9"
        assert entry["remote"] == "127.0.0.1"
        assert isinstance(entry["bytes"], int) and isinstance(entry["duration_ms"], int)
        assert entry["pid"] != server.process.pid  # a worker answered, not the master
