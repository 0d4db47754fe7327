"""Uploaded spreadsheets kept between the dry run and the confirm step.

Owns `UploadStore`: each user has a directory of their own under `var/uploads/` (setting
`volunteer.upload_dir`), and a file is stored under its SHA-256, beside a small JSON note of
its original name and format. A confirm names a hash; it can only ever find a file in the
confirming user's own directory, and the bytes are hashed again before they are trusted.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from volunteer.spreadsheets.errors import FileRefused
from volunteer.spreadsheets.importing import file_sha256
from volunteer.spreadsheets.safety import check_upload

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
KEEP_SECONDS = 24 * 3600
_SHA = re.compile(r"[0-9a-f]{64}")
_PROJECT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Upload:
    sha256: str
    path: Path
    filename: str
    kind: str
    format: str

    @property
    def error_report(self) -> Path:
        return self.path.with_name(f"{self.sha256}.{self.kind}.errors.xlsx")


class UploadStore:
    def __init__(self, settings: dict):
        root = settings.get("volunteer.upload_dir") or _PROJECT / "var" / "uploads"
        self.root = Path(root)
        self.max_bytes = int(settings.get("volunteer.upload_max_bytes") or DEFAULT_MAX_BYTES)

    def _dir(self, user_id: int) -> Path:
        return self.root / f"user-{int(user_id)}"

    def save(self, user_id: int, stream: IO[bytes], filename: str, kind: str) -> Upload:
        """Copy an uploaded stream in (hashing it on the way), check it, and keep it.
        The stream is consumed and closed."""
        folder = self._dir(user_id)
        folder.mkdir(parents=True, exist_ok=True)
        self._sweep(folder)
        digest, size = hashlib.sha256(), 0
        with stream, tempfile.NamedTemporaryFile(dir=folder, suffix=".part", delete=False) as out:
            try:
                while block := stream.read(1 << 20):
                    size += len(block)
                    if size > self.max_bytes:
                        raise FileRefused(f"文件过大，上限为 {self.max_bytes / 1048576:.0f} MB")
                    digest.update(block)
                    out.write(block)
            except FileRefused:
                os.unlink(out.name)
                raise
        try:
            detected = check_upload(out.name, max_bytes=self.max_bytes)
        except FileRefused:
            os.unlink(out.name)
            raise
        sha = digest.hexdigest()
        # calamine picks its parser by extension, so the stored name carries the real format.
        path = folder / f"{sha}.{detected}"
        os.replace(out.name, path)
        name = os.path.basename(filename.replace("\\", "/"))[:200] or f"upload.{detected}"
        note = {"filename": name, "format": detected}
        (folder / f"{sha}.json").write_text(json.dumps(note, ensure_ascii=False), "utf-8")
        return Upload(sha, path, name, kind, detected)

    def find(self, user_id: int, sha256: str, kind: str) -> Upload:
        """The user's own upload with this hash, re-hashed; refused if missing or changed."""
        if not _SHA.fullmatch(sha256 or ""):
            raise FileRefused("上传文件标识有误，请重新上传")
        folder = self._dir(user_id)
        try:
            note = json.loads((folder / f"{sha256}.json").read_text("utf-8"))
        except (OSError, ValueError):
            raise FileRefused("找不到您上传的这个文件（可能已过期），请重新上传") from None
        path = folder / f"{sha256}.{note['format']}"
        if not path.is_file():
            raise FileRefused("找不到您上传的这个文件（可能已过期），请重新上传")
        if file_sha256(path) != sha256:
            raise FileRefused("文件在校验后被改动过，请重新上传并重新校验")
        return Upload(sha256, path, note["filename"], kind, note["format"])

    def _sweep(self, folder: Path) -> None:
        """Drop this user's uploads older than a day (no scheduler needed)."""
        limit = time.time() - KEEP_SECONDS
        for entry in folder.iterdir():
            try:
                if entry.stat().st_mtime < limit:
                    entry.unlink()
            except OSError:
                continue


def scratch_file(suffix: str = ".xlsx") -> str:
    """A temporary file path for a download that is unlinked once the response holds it open."""
    handle, path = tempfile.mkstemp(suffix=suffix, prefix="volunteer-")
    os.close(handle)
    return path
