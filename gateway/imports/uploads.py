"""Exports uploaded to `POST /api/imports/{source}`: written to disk as they arrive, never whole in
memory, refused with 413 as soon as they pass the upload limit, and removed when their run ends.

Each upload gets its own folder `import-upload-*` under the upload root (`GATEWAY_IMPORT_UPLOAD_DIR`,
by default the system's temporary folder; a shared folder when several gateway processes serve
one database). Only such folders are ever removed, so a command-line import's own files are safe.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request

from gateway.outcomes import FhirError, bad_request, outcome

PREFIX = "import-upload-"
_FLUSH_BYTES = 1 << 20


def upload_root(configured: Path | None) -> Path:
    return configured if configured is not None else Path(tempfile.gettempdir())


def is_upload(path: Path, root: Path) -> bool:
    """Whether `path` is a file in an upload folder directly under `root`."""
    folder = path.parent
    return folder.name.startswith(PREFIX) and folder.parent.resolve() == root.resolve()


def remove_upload(path: Path, root: Path) -> None:
    """Remove the upload folder holding `path` (nothing, if `path` is not an upload)."""
    if is_upload(path, root):
        shutil.rmtree(path.parent, ignore_errors=True)


def too_large(limit: int) -> FhirError:
    return FhirError(outcome("error", "too-costly", f"The upload is larger than {limit:,} bytes "
                                                    "(GATEWAY_IMPORT_UPLOAD_MAX_BYTES); use `gateway import` "
                                                    "for big extracts"), 413)


async def receive_upload(request: Request, source: str, root: Path, limit: int) -> Path:
    """Stream the request body into a new upload folder; the zip's path. 413 past `limit` (checked
    on the declared length first, then while the bytes arrive), 400 when empty or not a zip."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=PREFIX, dir=root))
    path = folder / f"{source}.zip"
    try:
        size = await _write(request, path, limit)
        if not size:
            raise bad_request("POST the export as a zip file (Content-Type: application/zip)")
        with path.open("rb") as head:
            if head.read(2) != b"PK":
                raise bad_request("The body is not a zip file")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return path


async def _write(request: Request, path: Path, limit: int) -> int:
    """Append the body to `path` in 1 MiB writes (in a worker thread, off the event loop)."""
    size = 0
    pending = bytearray()
    with path.open("wb") as out:
        try:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise too_large(limit)
                pending += chunk
                if len(pending) >= _FLUSH_BYTES:
                    await run_in_threadpool(out.write, bytes(pending))
                    pending.clear()
        except ClientDisconnect:
            raise bad_request("The upload was cut off before it ended") from None
        if pending:
            await run_in_threadpool(out.write, bytes(pending))
    return size
