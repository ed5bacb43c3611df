"""An image store in an S3-compatible bucket (AWS S3, MinIO, Ceph, R2 …), through boto3.

Objects are named MEDIA_S3_PREFIX + Asset.filename and carry their type and a year-long,
immutable Cache-Control: names are content hashes, so a name never changes its bytes.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from ...config import SettingError
from . import MediaStorageUnavailable

CACHE_CONTROL = "public, max-age=31536000, immutable"
CHUNK_BYTES = 64 * 1024
_ADDRESSING = ("auto", "path", "virtual")


@dataclass
class S3Body:
    """An object opened for serving: streamed in chunks, its connection closed after."""

    stream: object
    size: int
    content_type: str | None

    def chunks(self) -> Iterator[bytes]:
        """Yield the object's bytes, closing the connection at the end."""
        try:
            yield from self.stream.iter_chunks(CHUNK_BYTES)
        finally:
            self.stream.close()


class S3Store:
    """Stores each file as one object; a bucket that does not answer raises a 503."""

    kind = "s3"

    def __init__(self, bucket: str, prefix: str = "", **client_options):
        self.bucket = bucket
        self.prefix = prefix
        self.client_options = client_options
        self._clients: dict[str, tuple[int, object]] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config) -> S3Store:
        """Build the store from the MEDIA_S3_* settings; raise SettingError on a bad one."""
        try:
            import boto3  # noqa: F401
        except ImportError:
            raise SettingError(
                "MEDIA_S3_BUCKET is set but boto3 is not installed: pip install 'webapp[s3]'"
            ) from None
        bucket = config["MEDIA_S3_BUCKET"]
        if (
            not isinstance(bucket, str)
            or not bucket.strip()
            or any(c.isspace() or c == "/" for c in bucket)
        ):
            raise SettingError(f"MEDIA_S3_BUCKET: {bucket!r} is not a bucket name")
        options: dict = {}
        endpoint = config.get("MEDIA_S3_ENDPOINT_URL")
        if endpoint:
            parts = urlsplit(str(endpoint))
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise SettingError(
                    f"MEDIA_S3_ENDPOINT_URL: {endpoint!r} is not an http(s) address such as "
                    '"https://s3.example.org" or "http://127.0.0.1:9000"'
                )
            options["endpoint_url"] = str(endpoint)
        if config.get("MEDIA_S3_REGION"):
            options["region_name"] = str(config["MEDIA_S3_REGION"])
        key_id = config.get("MEDIA_S3_ACCESS_KEY_ID")
        secret = config.get("MEDIA_S3_SECRET_ACCESS_KEY")
        if bool(key_id) != bool(secret):
            raise SettingError(
                "MEDIA_S3_ACCESS_KEY_ID and MEDIA_S3_SECRET_ACCESS_KEY go together: set both, "
                "or neither to use the standard AWS credentials (environment, ~/.aws, role)"
            )
        if key_id:
            options["aws_access_key_id"] = str(key_id)
            options["aws_secret_access_key"] = str(secret)
        addressing = config.get("MEDIA_S3_ADDRESSING_STYLE") or "auto"
        if addressing not in _ADDRESSING:
            raise SettingError(
                f"MEDIA_S3_ADDRESSING_STYLE: {addressing!r} is not one of {', '.join(_ADDRESSING)}"
            )
        options["addressing_style"] = addressing
        prefix = str(config.get("MEDIA_S3_PREFIX") or "").lstrip("/")
        return cls(bucket, prefix, **options)

    def _client(self, purpose: str = "main"):
        """Return this process's client; a forked worker makes its own (sockets are not shared)."""
        pid = os.getpid()
        held = self._clients.get(purpose)
        if held is not None and held[0] == pid:
            return held[1]
        with self._lock:
            held = self._clients.get(purpose)
            if held is None or held[0] != pid:
                held = (pid, self._make_client(purpose))
                self._clients[purpose] = held
        return held[1]

    def _make_client(self, purpose: str):
        import boto3
        from botocore.config import Config

        options = dict(self.client_options)
        style = options.pop("addressing_style")
        if purpose == "main":
            timeouts = {"connect_timeout": 5, "read_timeout": 30}
            retries = {"max_attempts": 3, "mode": "standard"}
        else:  # the health check and the start-up check answer fast, without retries
            timeouts = {"connect_timeout": 2, "read_timeout": 3}
            retries = {"max_attempts": 1, "mode": "standard"}
        config = Config(s3={"addressing_style": style}, retries=retries, **timeouts)
        # A session of its own: boto3's default session is not safe to share across threads.
        return boto3.session.Session().client("s3", config=config, **options)

    def key(self, name: str) -> str:
        """Return the object key of a stored file."""
        return self.prefix + name

    def _call(self, method: str, **arguments):
        """Call the bucket; turn a connection failure into MediaStorageUnavailable."""
        from botocore.exceptions import BotoCoreError

        try:
            return getattr(self._client(), method)(Bucket=self.bucket, **arguments)
        except BotoCoreError as error:
            raise MediaStorageUnavailable(f"image storage unavailable: {error}") from error

    def exists(self, name: str) -> bool:
        """Tell whether the object is stored."""
        from botocore.exceptions import ClientError

        try:
            self._call("head_object", Key=self.key(name))
        except ClientError as error:
            if _status(error) == 404:
                return False
            raise MediaStorageUnavailable(f"image storage refused: {error}") from error
        return True

    def put(self, name: str, data: bytes, mime_type: str) -> bool:
        """Store the object unless it is there; return True when this call created it."""
        from botocore.exceptions import ClientError

        if self.exists(name):
            return False
        try:
            self._call(
                "put_object",
                Key=self.key(name),
                Body=data,
                ContentType=mime_type,
                CacheControl=CACHE_CONTROL,
            )
        except ClientError as error:
            raise MediaStorageUnavailable(f"image storage refused: {error}") from error
        return True

    def open(self, name: str) -> S3Body | None:
        """Open the object for streaming, or return None when it is not stored."""
        from botocore.exceptions import ClientError

        try:
            answer = self._call("get_object", Key=self.key(name))
        except ClientError as error:
            if _status(error) == 404:
                return None
            raise MediaStorageUnavailable(f"image storage refused: {error}") from error
        return S3Body(answer["Body"], answer["ContentLength"], answer.get("ContentType"))

    def read(self, name: str) -> bytes | None:
        """Return the object's bytes, or None when it is not stored."""
        body = self.open(name)
        return None if body is None else b"".join(body.chunks())

    def delete(self, name: str) -> None:
        """Remove the object; a missing one is no error (S3 says so itself)."""
        self._call("delete_object", Key=self.key(name))

    def names(self) -> Iterator[str]:
        """Yield the name of every object under the prefix."""
        pages = (
            self._client()
            .get_paginator("list_objects_v2")
            .paginate(Bucket=self.bucket, Prefix=self.prefix)
        )
        for page in pages:
            for item in page.get("Contents", ()):
                yield item["Key"][len(self.prefix) :]

    def ok(self) -> bool:
        """Tell whether the bucket answers now, within a few seconds and without retries."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._client("check").head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError):
            return False
        return True

    def verify(self) -> None:
        """Raise SettingError, saying what to fix, unless the bucket exists and may be used."""
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

        where = self.client_options.get("endpoint_url") or "AWS S3"
        try:
            self._client("check").head_bucket(Bucket=self.bucket)
        except NoCredentialsError:
            raise SettingError(
                "MEDIA_S3_BUCKET: no credentials found; set MEDIA_S3_ACCESS_KEY_ID and "
                "MEDIA_S3_SECRET_ACCESS_KEY, or the standard AWS variables"
            ) from None
        except ClientError as error:
            status = _status(error)
            if status == 404:
                hint = f"there is no bucket {self.bucket!r} at {where}; create it first"
            elif status == 403:
                hint = (
                    f"{where} refused access to bucket {self.bucket!r}; check the "
                    "credentials and the bucket's policy"
                )
            else:
                hint = (
                    f"{where} answered {status} for bucket {self.bucket!r}; check MEDIA_S3_REGION"
                )
            raise SettingError(f"MEDIA_S3_BUCKET: {hint}") from None
        except BotoCoreError as error:
            raise SettingError(
                f"MEDIA_S3_ENDPOINT_URL: cannot reach {where} ({error}); check the address, or "
                "set MEDIA_S3_CHECK_AT_START = False to start without the bucket"
            ) from None
        finally:
            # Made before gunicorn may fork: each worker opens its own connections.
            self._clients.clear()


def _status(error) -> int | None:
    """Return the HTTP status of a ClientError (404 for NoSuchKey, NoSuchBucket …)."""
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "NoSuchBucket", "NotFound"):
        return 404
    return status
