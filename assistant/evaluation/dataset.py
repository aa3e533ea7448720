"""The question set: JSONL lines parsed into frozen items, with every bad line named.

Set format: see ``evals/README.md``. A gold id without ``doc:`` names a unit of the
shipped paper (:data:`DEFAULT_DOC`); ``"doc:unit"`` names a unit of any other document.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.core.errors import ConfigError
from assistant.core.langtags import un_lang

DEFAULT_DOC = "wg-tip-2019-prevention"
REQUIRED_KEYS: tuple[str, ...] = ("id", "lang", "kind", "question", "gold")
SPLITS: tuple[str, ...] = ("dev", "test")


class EvalSetError(ConfigError):
    """A question-set line the suite cannot use; the message names the file and line."""


@dataclass(frozen=True)
class EvalItem:
    id: str
    lang: str
    kind: str
    question: str
    gold: tuple[str, ...]  # unit refs as written in the set ("16(e)" or "doc:unit")
    answer_points: tuple[str, ...] = ()
    history: tuple[str, ...] = ()
    group: str | None = None
    line: int = 0
    fact: tuple[str, ...] = ()  # acceptable forms of the short answer (kind "fact")
    split: str | None = None  # "dev" (tuning allowed) or "test" (reported only)
    near_miss: bool | None = None  # unanswerable: about a detail of a topic the paper covers

    @property
    def answerable(self) -> bool:
        return bool(self.gold)


def parse_unit_ref(ref: str, default_doc: str = DEFAULT_DOC) -> tuple[str, str]:
    """``"16(e)"`` -> (default_doc, "16(e)"); ``"other-doc:s2.p3"`` -> ("other-doc", "s2.p3")."""
    doc, sep, unit = ref.partition(":")
    return (doc, unit) if sep else (default_doc, ref)


def unit_ref(doc_id: str, unit_id: str, default_doc: str = DEFAULT_DOC) -> str:
    """The set's spelling of a unit: bare for the shipped paper, ``doc:unit`` otherwise."""
    return unit_id if doc_id == default_doc else f"{doc_id}:{unit_id}"


def _str_list(record: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = record.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise EvalSetError(f"{where}: {key!r} must be a list of strings, got {json.dumps(value, ensure_ascii=False)[:80]}")
    return tuple(value)


def parse_item(line: str, where: str, line_no: int = 0) -> EvalItem:
    """One set line to an item, or an :class:`EvalSetError` saying what is wrong with it."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise EvalSetError(f"{where}: invalid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(record, dict):
        raise EvalSetError(f"{where}: expected a JSON object, got {type(record).__name__}")
    missing = [k for k in REQUIRED_KEYS if k not in record]
    if missing:
        raise EvalSetError(f"{where}: missing key{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))}")
    for key in ("id", "lang", "kind", "question"):
        if not isinstance(record[key], str) or not record[key].strip():
            raise EvalSetError(f"{where}: {key!r} must be a non-empty string")
    try:
        lang = un_lang(record["lang"])  # BCP-47 tags (zh-Hant, en-GB …) count under their UN language
    except ConfigError as exc:
        raise EvalSetError(f"{where}: {exc}") from None
    group = record.get("group")
    if group is not None and not isinstance(group, str):
        raise EvalSetError(f"{where}: 'group' must be a string")
    split = record.get("split")
    if split is not None and split not in SPLITS:
        raise EvalSetError(f"{where}: unknown split {split!r}; valid values: {', '.join(SPLITS)}")
    near_miss = record.get("near_miss")
    if near_miss is not None and not isinstance(near_miss, bool):
        raise EvalSetError(f"{where}: 'near_miss' must be true or false")
    return EvalItem(
        id=record["id"],
        lang=lang,
        kind=record["kind"],
        question=record["question"],
        gold=_str_list(record, "gold", where),
        answer_points=_str_list(record, "answer_points", where),
        history=_str_list(record, "history", where),
        group=group,
        line=line_no,
        fact=_str_list(record, "fact", where),
        split=split,
        near_miss=near_miss,
    )


def parse_set(lines: Iterable[str], source: str = "<set>") -> tuple[EvalItem, ...]:
    items: list[EvalItem] = []
    first_line: dict[str, int] = {}
    for line_no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        item = parse_item(line, f"{source} line {line_no}", line_no)
        if item.id in first_line:
            raise EvalSetError(f"{source} line {line_no}: id {item.id!r} already used on line {first_line[item.id]}")
        first_line[item.id] = line_no
        items.append(item)
    if not items:
        raise EvalSetError(f"{source}: no questions in the set")
    return tuple(items)


def load_set(path: str | Path) -> tuple[EvalItem, ...]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise EvalSetError(f"question set {path} does not exist") from None
    except UnicodeDecodeError as exc:
        raise EvalSetError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    return parse_set(text.splitlines(), str(path))


def check_gold(items: Sequence[EvalItem], known: Collection[tuple[str, str]], source: str = "<set>") -> None:
    """A gold id the corpus lacks would silently score as a miss: name it instead."""
    for item in items:
        for ref in item.gold:
            if parse_unit_ref(ref) not in known:
                raise EvalSetError(
                    f"{source} line {item.line}: gold unit {ref!r} of {item.id!r} is not in the indexed corpus"
                )
