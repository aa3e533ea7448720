"""Read-only share links for conversations, stored server-side as one JSON file each.

A share holds what the browser held (questions, answers, cited ids), never the cited text:
the page is built from the corpus when it is opened, so its quotes are verbatim and a
citation to a document removed since is shown as such. Ids are 16 random bytes, so a link
cannot be guessed; once accounts exist only logged-in users can open one.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from assistant.core.errors import AssistantError
from assistant.core.fileio import write_atomic
from assistant.trainers.transcript import MAX_TURNS, Turn

_ID_RE = re.compile(r"^[A-Za-z0-9_-]{22}$")


class ShareNotFound(AssistantError):
    """No conversation is stored under this id."""


@dataclass(frozen=True)
class Share:
    id: str
    owner: str | None
    created: str
    turns: tuple[Turn, ...]


class ShareStore:
    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def save(self, turns: list[Turn], owner: str | None) -> Share:
        if not turns:
            raise AssistantError("the conversation is empty: ask a question first")
        share = Share(secrets.token_urlsafe(16), owner, datetime.now(UTC).isoformat(timespec="seconds"), tuple(turns[-MAX_TURNS:]))
        obj = {"id": share.id, "owner": owner, "created": share.created, "turns": [asdict(t) for t in share.turns]}
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            write_atomic(self.directory / f"{share.id}.json", json.dumps(obj, ensure_ascii=False).encode("utf-8"))
        except OSError as exc:
            raise AssistantError(f"the conversation could not be stored in {self.directory} ({exc.strerror or exc})") from None
        return share

    def load(self, share_id: str) -> Share:
        path = self.directory / f"{share_id}.json"
        if not _ID_RE.match(share_id) or not path.is_file():
            raise ShareNotFound(f"no shared conversation {share_id!r}")
        try:
            obj = json.loads(path.read_text(encoding="utf-8"))
            turns = tuple(Turn(t["question"], t["answer"], t.get("lang"), tuple(t.get("citations") or ())) for t in obj["turns"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ShareNotFound(f"shared conversation {share_id!r} cannot be read ({exc})") from None
        return Share(share_id, obj.get("owner"), str(obj.get("created", "")), turns)
