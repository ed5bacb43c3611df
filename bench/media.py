"""Image storage: the local folder against an S3 API server (moto) on 127.0.0.1, in process.

    .venv/bin/python bench/media.py                 # 300 images; about 30 s on 2 cores
    .venv/bin/python bench/media.py --images 1000

For each store: storing an image (store_image + commit), serving /media/<name> through
Flask's test client (median and p95), the media_storage_ok() check, and then `flask media
migrate` of the local folder into a fresh bucket. moto is an S3 API, not S3: the bucket
figures show what the app adds (boto3, one HTTP round trip per call on loopback), not
what a real bucket's network costs. SQLite in a scratch folder, removed at the end.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import tiny_png  # noqa: E402
from tests.test_media_storage import (  # noqa: E402
    make_app,
    make_bucket,
    s3_settings,
    start_server,
)
from webapp.extensions import db  # noqa: E402
from webapp.services.assets import store_image  # noqa: E402
from webapp.services.storage import media_storage_ok  # noqa: E402


def images(count: int) -> list[bytes]:
    """Distinct small PNGs (content addressing would store one image only once)."""
    return [tiny_png(rgb=(n % 256, n // 256 % 256, 7)) for n in range(count)]


def ms(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
    return f"median {statistics.median(values) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms"


def measure(app, label: str, pngs: list[bytes]) -> None:
    names, stores = [], []
    with app.app_context():
        for data in pngs:
            start = time.perf_counter()
            asset = store_image(data)
            db.session.commit()
            stores.append(time.perf_counter() - start)
            names.append(asset.filename)
        checks = []
        for _ in range(50):
            start = time.perf_counter()
            assert media_storage_ok()
            checks.append(time.perf_counter() - start)
    client = app.test_client()
    serves = []
    for name in names:
        start = time.perf_counter()
        response = client.get(f"/media/{name}")
        response.get_data()
        serves.append(time.perf_counter() - start)
        assert response.status_code == 200
    print(f"{label}:")
    print(f"  store an image (store_image + commit), {len(pngs)} images: {ms(stores)}")
    print(f"  GET /media/<name> through the app: {ms(serves)}")
    print(f"  media_storage_ok(): {ms(checks)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=300)
    args = parser.parse_args()
    pngs = images(args.images)
    work = Path(tempfile.mkdtemp(prefix="blog-bench-media-"))
    server, endpoint = start_server()
    running = True
    try:
        local = make_app(work / "local")
        measure(local, "local folder", pngs)
        bucket = make_bucket(endpoint)
        remote = make_app(work / "s3", **s3_settings(endpoint, bucket))
        measure(remote, "S3 API (moto on 127.0.0.1)", pngs)

        target = make_bucket(endpoint)
        migrating = make_app(work / "local", fresh=False, **s3_settings(endpoint, target))
        runner = migrating.test_cli_runner()
        for run in ("first run", "second run"):
            start = time.perf_counter()
            result = runner.invoke(args=["media", "migrate"])
            seconds = time.perf_counter() - start
            summary = result.output.strip().splitlines()[-1]
            print(f"flask media migrate, {run}: {seconds:.2f} s ({summary})")

        with remote.app_context():
            server.stop()
            running = False
            start = time.perf_counter()
            ok = media_storage_ok()
            print(
                f"media_storage_ok() with the endpoint down: {ok} in "
                f"{(time.perf_counter() - start) * 1000:.1f} ms"
            )
    finally:
        if running:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
