"""Uploads the server keeps between a preview and its apply, so that the browser need not carry
them back: a people mapping of up to 2 MB would not pass a form field (1 MB at most).

Each is one file in the data folder, named by a random id and bound to whoever previewed it
(their session, or their API token): another session that learns the id gets nothing. Apply
takes it and removes it; one not applied within ``KEEP_MS`` is removed by the next preview.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from pumpview.errors import UserInputError

KEEP_MS = 60 * 60_000
"""How long a preview's upload waits for its apply."""
_ID = re.compile(r"^([0-9]{1,16})-[A-Za-z0-9_-]{22}$")
"""An id: when it was kept (ms), then ``secrets.token_urlsafe(16)``; checked before it names a
file."""
GONE = "This preview has expired or was applied already: upload the file again."


@dataclass(frozen=True, slots=True)
class Upload:
    name: str
    text: str


def holder(user_id: int, credential: str) -> str:
    """Who an upload is bound to: the user and their session cookie or API token, digested
    (the folder never holds a credential)."""
    return hashlib.sha256(f"{user_id}\0{credential}".encode()).hexdigest()


class PendingUploads:
    """The uploads waiting in ``folder`` (created when first needed, readable by us alone)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def keep(self, owner: str, name: str, text: str, now_ms: int) -> str:
        """Keep ``text`` for ``owner``; its id, for the preview's form. Expired ones go."""
        self._sweep(now_ms)
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        upload_id = f"{now_ms}-{secrets.token_urlsafe(16)}"
        path = self._path(upload_id)
        with path.open("x", encoding="utf-8") as out:
            path.chmod(0o600)
            json.dump({"owner": owner, "name": name, "text": text}, out)
        return upload_id

    def get(self, upload_id: str, owner: str, now_ms: int) -> Upload:
        """The upload ``upload_id`` of ``owner``; ``UserInputError`` if there is none (never
        kept, applied, expired, or someone else's)."""
        valid = _ID.match(upload_id)
        if not valid or now_ms - int(valid.group(1)) > KEEP_MS:
            raise UserInputError(GONE)
        try:
            kept = json.loads(self._path(upload_id).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise UserInputError(GONE) from None
        if not secrets.compare_digest(kept["owner"], owner):
            raise UserInputError(GONE)
        return Upload(name=kept["name"], text=kept["text"])

    def drop(self, upload_id: str) -> None:
        """Remove an upload (applied); nothing if it is gone already."""
        if _ID.match(upload_id):
            self._path(upload_id).unlink(missing_ok=True)

    def _path(self, upload_id: str) -> Path:
        return self.folder / f"{upload_id}.json"

    def _sweep(self, now_ms: int) -> None:
        """Remove the uploads older than ``KEEP_MS`` (by their id: no need to read them)."""
        if not self.folder.is_dir():
            return
        for path in self.folder.glob("*.json"):
            valid = _ID.match(path.stem)
            if valid and now_ms - int(valid.group(1)) > KEEP_MS:
                path.unlink(missing_ok=True)
