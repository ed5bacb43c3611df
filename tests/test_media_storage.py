"""Images in an S3-compatible bucket: a real S3 API server (moto) on 127.0.0.1, no mocks."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import socket
import urllib.request
import zipfile
from itertools import count
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer
from sqlalchemy import select

from tests.conftest import csrf_token_from, tiny_png
from webapp import create_app
from webapp.config import SettingError
from webapp.extensions import db
from webapp.models import Article
from webapp.services import accounts
from webapp.services.publishing import publish
from webapp.services.schema import stamp_head
from webapp.services.storage import media_storage_ok

REGION = "us-east-1"
KEYS = {"MEDIA_S3_ACCESS_KEY_ID": "test-key", "MEDIA_S3_SECRET_ACCESS_KEY": "test-secret"}
PNG = tiny_png()
PNG_NAME = hashlib.sha256(PNG).hexdigest() + ".png"
_buckets = count(1)


def start_server() -> tuple[ThreadedMotoServer, str]:
    """Start moto's S3 server on a free port of 127.0.0.1; return it and its address."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}"


@pytest.fixture(scope="module")
def endpoint():
    server, address = start_server()
    yield address
    server.stop()


def s3_client(endpoint: str):
    """The test's own client, to look into the bucket the way an operator would."""
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=KEYS["MEDIA_S3_ACCESS_KEY_ID"],
        aws_secret_access_key=KEYS["MEDIA_S3_SECRET_ACCESS_KEY"],
    )


def make_bucket(endpoint: str, public: bool = False) -> str:
    name = f"blog-media-{os.getpid()}-{next(_buckets)}"
    client = s3_client(endpoint)
    client.create_bucket(Bucket=name)
    if public:  # what a public bucket behind a CDN allows: anyone may read an object
        statement = {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{name}/*",
        }
        policy = {"Version": "2012-10-17", "Statement": [statement]}
        client.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))
    return name


def bucket_names(endpoint: str, bucket: str) -> list[str]:
    answer = s3_client(endpoint).list_objects_v2(Bucket=bucket)
    return sorted(item["Key"] for item in answer.get("Contents", ()))


def s3_settings(endpoint: str, bucket: str, **more) -> dict:
    return {
        "MEDIA_S3_BUCKET": bucket,
        "MEDIA_S3_ENDPOINT_URL": endpoint,
        "MEDIA_S3_REGION": REGION,
        **KEYS,
        **more,
    }


def make_app(tmp_path: Path, fresh: bool = True, **settings):
    """An app as conftest builds it (same database choice), with extra settings."""
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'test.sqlite3'}"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-only",
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SERVER_NAME": "blog.test",
            "JOBS_IMMEDIATE": True,
            "JOB_RENDER_PROCESSES": 1,
            **settings,
        }
    )
    if fresh:
        with app.app_context():
            db.drop_all()
            db.create_all()
            stamp_head()
    return app


def drop(app) -> None:
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def bucket(endpoint):
    return make_bucket(endpoint)


@pytest.fixture
def app(tmp_path, endpoint, bucket):
    """The suite's app, storing its images in a fresh bucket (overrides conftest's)."""
    app = make_app(tmp_path, **s3_settings(endpoint, bucket))
    yield app
    drop(app)


def sign_in(client, app):
    with app.app_context():
        accounts.create_user("author", "correct horse battery staple")
    token = csrf_token_from(client)
    client.post(
        "/admin/login",
        data={
            "username": "author",
            "password": "correct horse battery staple",
            "csrf_token": token,
        },
    )
    client.csrf_token = csrf_token_from(client, "/admin/upload")
    return client


def upload_bundle(client, markdown: str) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr("notes/square.md", markdown)
        bundle.writestr("notes/img/square.png", PNG)
    data = {
        "csrf_token": client.csrf_token,
        "markdown": "",
        "files": [(io.BytesIO(buffer.getvalue()), "notes.zip")],
    }
    response = client.post("/admin/upload", data=data, content_type="multipart/form-data")
    assert "result-created" in response.get_data(as_text=True)


SQUARE = "---\ntitle: Square\ncover: img/square.png\n---\n![A square](img/square.png)\n"


def test_uploaded_images_are_stored_in_the_bucket_and_served_to_readers(
    app, client, endpoint, bucket
):
    upload_bundle(sign_in(client, app), SQUARE)
    assert bucket_names(endpoint, bucket) == [PNG_NAME]
    assert not (Path(app.instance_path) / "uploads" / PNG_NAME).exists()

    reader = app.test_client()
    page = reader.get("/posts/square/").get_data(as_text=True)
    assert f'src="/media/{PNG_NAME}"' in page
    image = reader.get(f"/media/{PNG_NAME}")
    assert image.status_code == 200 and image.data == PNG
    assert image.mimetype == "image/png"
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in image.headers["Content-Security-Policy"]
    assert "immutable" in image.headers["Cache-Control"]
    # The name is the hash: a browser's copy is confirmed without fetching the object.
    again = reader.get(f"/media/{PNG_NAME}", headers={"If-None-Match": image.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert reader.get("/media/" + "0" * 64 + ".png").status_code == 404
    assert reader.get("/media/not-a-stored-name.png").status_code == 404


def test_with_a_public_base_url_pages_and_feeds_load_images_from_it(tmp_path, endpoint):
    bucket = make_bucket(endpoint, public=True)
    base = f"{endpoint}/{bucket}/media/"
    settings = s3_settings(endpoint, bucket, MEDIA_PUBLIC_BASE_URL=base, MEDIA_S3_PREFIX="media/")
    app = make_app(tmp_path, **settings)
    try:
        client = app.test_client()
        upload_bundle(sign_in(client, app), SQUARE)
        reader = app.test_client()
        page = reader.get("/posts/square/")
        html = page.get_data(as_text=True)
        assert bucket_names(endpoint, bucket) == [f"media/{PNG_NAME}"]
        assert f'src="{base}{PNG_NAME}"' in html
        assert f'src="/media/{PNG_NAME}"' not in html
        image_sources = re.search(r"img-src ([^;]+);", page.headers["Content-Security-Policy"])
        assert endpoint in image_sources.group(1).split()
        cards = reader.get("/").get_data(as_text=True)
        assert f'class="card-cover" src="{base}{PNG_NAME}"' in cards
        feed = reader.get("/feed.xml").get_data(as_text=True)
        assert f"{base}{PNG_NAME}" in feed and f"blog.test/media/{PNG_NAME}" not in feed
        # A reader's browser gets the image from the bucket itself, over HTTP.
        with urllib.request.urlopen(base + PNG_NAME, timeout=5) as answer:
            assert answer.read() == PNG
            assert answer.headers["Content-Type"] == "image/png"
        # /media/ still answers: the origin a pull-through CDN fetches from, and old links.
        assert reader.get(f"/media/{PNG_NAME}").data == PNG
    finally:
        drop(app)


def test_a_failed_publish_leaves_no_orphan_in_the_bucket(app, endpoint, bucket, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("database full")

    with app.app_context():
        monkeypatch.setattr("webapp.services.publishing.writer.Revision", explode)
        with pytest.raises(RuntimeError):
            publish("---\ntitle: P\n---\n![x](x.png)\n", load_image=lambda ref: PNG)
        assert db.session.scalar(select(Article)) is None
    assert bucket_names(endpoint, bucket) == []


def test_an_image_already_stored_is_kept_when_a_later_publish_fails(
    app, endpoint, bucket, monkeypatch
):
    with app.app_context():
        publish("---\ntitle: First\n---\n![x](x.png)\n", load_image=lambda ref: PNG)

        def explode(*args, **kwargs):
            raise RuntimeError("database full")

        monkeypatch.setattr("webapp.services.publishing.writer.Revision", explode)
        with pytest.raises(RuntimeError):
            publish("---\ntitle: Second\n---\n![y](y.png)\n", load_image=lambda ref: PNG)
    # Content addressing: the second article shared the first one's object, not its own.
    assert bucket_names(endpoint, bucket) == [PNG_NAME]


def test_migrate_copies_images_from_disk_to_the_bucket_and_is_idempotent(tmp_path, endpoint):
    local = make_app(tmp_path)
    with local.app_context():
        publish("---\ntitle: Old\n---\n![x](x.png)\n", load_image=lambda ref: PNG)
    uploads = Path(local.instance_path) / "uploads"
    assert (uploads / PNG_NAME).read_bytes() == PNG
    other = tiny_png(rgb=(1, 2, 3))
    other_name = hashlib.sha256(other).hexdigest() + ".png"
    (uploads / other_name).write_bytes(other)  # a file the database does not know (yet)

    bucket = make_bucket(endpoint)
    app = make_app(tmp_path, fresh=False, **s3_settings(endpoint, bucket))
    try:
        runner = app.test_cli_runner()
        result = runner.invoke(args=["media", "migrate"])
        assert result.exit_code == 0, result.output
        assert "Copied 2 images, 0 already in the bucket; 2 verified" in result.output
        assert bucket_names(endpoint, bucket) == sorted([PNG_NAME, other_name])
        assert app.test_client().get(f"/media/{PNG_NAME}").data == PNG

        again = runner.invoke(args=["media", "migrate"])
        assert "Copied 0 images, 2 already in the bucket; 2 verified" in again.output

        # A file whose bytes do not match its name is reported, not copied.
        broken = hashlib.sha256(b"other").hexdigest() + ".png"
        (uploads / broken).write_bytes(b"not what the name says")
        failed = runner.invoke(args=["media", "migrate"])
        assert failed.exit_code != 0
        assert f"{broken}: the local file does not match its hash" in failed.output
        assert broken not in bucket_names(endpoint, bucket)
    finally:
        drop(app)


def test_migrate_needs_a_bucket(runner_local):
    result = runner_local.invoke(args=["media", "migrate"])
    assert result.exit_code != 0 and "MEDIA_S3_BUCKET is not set" in result.output


@pytest.fixture
def runner_local(tmp_path):
    app = make_app(tmp_path)
    yield app.test_cli_runner()
    drop(app)


def test_export_and_import_carry_images_between_buckets(app, tmp_path, endpoint, bucket):
    with app.app_context():
        publish("---\ntitle: Travels\n---\n![x](x.png)\n", load_image=lambda ref: PNG)
    dest = tmp_path / "export"
    exported = app.test_cli_runner().invoke(args=["export", str(dest)])
    assert exported.exit_code == 0, exported.output
    assert PNG in [path.read_bytes() for path in dest.rglob("*.png")]
    drop(app)

    second = make_bucket(endpoint)
    restored = make_app(tmp_path / "restored", **s3_settings(endpoint, second))
    try:
        imported = restored.test_cli_runner().invoke(args=["import", str(dest)])
        assert imported.exit_code == 0, imported.output
        assert bucket_names(endpoint, second) == [PNG_NAME]
        page = restored.test_client().get("/posts/travels/").get_data(as_text=True)
        assert f'src="/media/{PNG_NAME}"' in page
    finally:
        drop(restored)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"MEDIA_S3_BUCKET": "no-such-bucket"}, "there is no bucket 'no-such-bucket'"),
        ({"MEDIA_S3_ENDPOINT_URL": "ftp://127.0.0.1"}, "is not an http(s) address"),
        ({"MEDIA_S3_SECRET_ACCESS_KEY": None}, "go together"),
        ({"MEDIA_S3_BUCKET": "two words"}, "is not a bucket name"),
        ({"MEDIA_PUBLIC_BASE_URL": "cdn.example.org/media"}, "MEDIA_PUBLIC_BASE_URL"),
        ({"MEDIA_PUBLIC_BASE_URL": "https://cdn.example.org/m/?x=1"}, "no query"),
    ],
)
def test_a_bad_bucket_configuration_stops_the_start(tmp_path, endpoint, bucket, settings, message):
    with pytest.raises(SettingError) as refused:
        make_app(tmp_path, fresh=False, **{**s3_settings(endpoint, bucket), **settings})
    assert message in str(refused.value)


def test_an_unreachable_endpoint_stops_the_start_unless_told_not_to_check(tmp_path):
    down = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(SettingError) as refused:
        make_app(tmp_path, fresh=False, **s3_settings(down, "blog-media"))
    assert f"cannot reach {down}" in str(refused.value)
    app = make_app(
        tmp_path, fresh=False, **s3_settings(down, "blog-media", MEDIA_S3_CHECK_AT_START=False)
    )
    with app.app_context():
        assert media_storage_ok() is False


def test_the_storage_check_fails_when_the_endpoint_goes_down(tmp_path):
    server, endpoint = start_server()
    stopped = False
    try:
        bucket = make_bucket(endpoint)
        app = make_app(tmp_path, **s3_settings(endpoint, bucket))
        with app.app_context():
            publish("---\ntitle: Up\n---\n![x](x.png)\n", load_image=lambda ref: PNG)
            assert media_storage_ok() is True
        server.stop()
        stopped = True
        with app.app_context():
            assert media_storage_ok() is False
        # Readers get a clear "try again shortly", never a 500.
        assert app.test_client().get(f"/media/{PNG_NAME}").status_code == 503
        drop(app)
    finally:
        if not stopped:
            server.stop()


def test_the_local_folder_stays_the_default(tmp_path):
    app = make_app(tmp_path)
    try:
        with app.app_context():
            publish("---\ntitle: Here\n---\n![x](x.png)\n", load_image=lambda ref: PNG)
            assert media_storage_ok() is True
        assert (Path(app.instance_path) / "uploads" / PNG_NAME).read_bytes() == PNG
        assert app.test_client().get(f"/media/{PNG_NAME}").data == PNG
    finally:
        drop(app)
