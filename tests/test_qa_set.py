"""Format checks for the fixed evaluation set evals/qa.jsonl.

Fast and self-contained: no model, no document parser. It only reads the JSONL file
and the Chinese source text of the 2019 Working Group background paper.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
QA_PATH = ROOT / "evals" / "qa.jsonl"
SOURCE_PATH = ROOT / "corpus" / "wg-tip-2019-crime-prevention-background.zh.txt"

LANGS = {"zh", "en", "fr", "es", "ru", "ar"}
KINDS = {
    "paraphrase",
    "wording",
    "traditional",
    "translation",
    "keyword",
    "typo",
    "multi",
    "followup",
    "unanswerable",
    "reference",
    "fact",
    "xfollowup",
}
# Kinds whose items carry earlier user turns in `history`.
HISTORY_KINDS = {"followup", "xfollowup"}
# Answerable kinds that need no answer points (the user points at a unit directly).
NO_POINT_KINDS = {"reference"}
REQUIRED = {
    "id": str,
    "lang": str,
    "kind": str,
    "question": str,
    "gold": list,
    "answer_points": list,
    "history": list,
    "split": str,
}
OPTIONAL = {"group": str, "fact": list, "near_miss": bool}
SPLITS = {"dev", "test"}
# The 30 unanswerable items that predate the `near_miss` key. Their lines are kept as written
# (only `split` was added), so they may lack it; every later unanswerable item must carry it.
LEGACY_UNANSWERABLE = frozenset(
    [f"unanswerable-zh-{n:03d}" for n in range(1, 12)]
    + [f"unanswerable-en-{n:03d}" for n in range(1, 9)]
    + [f"unanswerable-{lang}-{n:03d}" for lang in ("fr", "es", "ar") for n in range(1, 4)]
    + ["unanswerable-ru-001", "unanswerable-ru-002"]
)

# Paragraphs 1-56; lettered sub-items exist only for these paragraphs.
N_PARAGRAPHS = 56
SUB_ITEMS = {2: "abcdefghijklmnop", 15: "abcd", 16: "abcdefgh", 17: "abcdef", 18: "abc"}
FOOTNOTES = {"fn1", "fn2", "fn3", "fn*"}
GOLD_RE = re.compile(r"^(?:(\d{1,2})(?:\(([a-p])\))?|fn[123*]|header)$")

MIN_TOTAL = 170
MIN_PER_KIND = {
    "paraphrase": 40,
    "wording": 15,
    "traditional": 10,
    "keyword": 10,
    "typo": 8,
    "multi": 10,
    "followup": 10,
    "unanswerable": 180,
    "reference": 60,
    "fact": 80,
    "xfollowup": 30,
}
MIN_REFERENCE_PER_LANG = 8  # reference items in every one of the six languages
MIN_UNANSWERABLE_PER_LANG = 25
MIN_SPLIT_PER_KIND = 4  # each kind has at least this many items in dev and in test
MIN_SPLIT_SHARE = 0.3  # and neither split holds less than this share of the kind
MIN_TRANSLATION_PER_LANG = {"en": 25, "fr": 10, "es": 10, "ru": 8, "ar": 8}
MIN_GROUPS_3_LANGS = 15


def _all_units() -> set[str]:
    units = {str(n) for n in range(1, N_PARAGRAPHS + 1)}
    units |= {f"{n}({x})" for n, letters in SUB_ITEMS.items() for x in letters}
    return units | FOOTNOTES | {"header"}


ALL_UNITS = _all_units()


@pytest.fixture(scope="module")
def items() -> list[dict]:
    out = []
    with QA_PATH.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            assert line.strip(), f"line {lineno}: blank line"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:  # pragma: no cover - message only
                pytest.fail(f"line {lineno}: not valid JSON: {e}")
            assert isinstance(obj, dict), f"line {lineno}: not a JSON object"
            out.append(obj)
    return out


@pytest.fixture(scope="module")
def source_nows() -> str:
    return re.sub(r"\s+", "", SOURCE_PATH.read_text(encoding="utf-8"))


def test_file_is_utf8_without_ascii_escapes():
    raw = QA_PATH.read_bytes().decode("utf-8")
    assert "\\u" not in raw, "write with ensure_ascii=False"


def test_keys_and_types(items):
    for it in items:
        iid = it.get("id")
        missing = set(REQUIRED) - set(it)
        assert not missing, f"{iid}: missing keys {missing}"
        extra = set(it) - set(REQUIRED) - set(OPTIONAL)
        assert not extra, f"{iid}: unexpected keys {extra}"
        for key, typ in {**REQUIRED, **OPTIONAL}.items():
            if key in it:
                assert isinstance(it[key], typ), f"{iid}: {key} should be {typ.__name__}"
        for key in ("gold", "answer_points", "history"):
            assert all(isinstance(x, str) and x.strip() for x in it[key]), (
                f"{iid}: {key} must hold non-empty strings"
            )
        assert it["question"].strip(), f"{iid}: empty question"
        assert it["id"].strip(), "empty id"
        if "group" in it:
            assert it["group"].strip(), f"{iid}: empty group"
        assert it["split"] in SPLITS, f"{iid}: split must be one of {sorted(SPLITS)}"


def test_fact_key(items):
    for it in items:
        if it["kind"] == "fact":
            assert "fact" in it, f"{it['id']}: fact items need a 'fact' list"
            assert it["fact"], f"{it['id']}: empty fact list"
            assert all(isinstance(x, str) and x.strip() for x in it["fact"]), (
                f"{it['id']}: fact must hold non-empty strings"
            )
            assert len(it["fact"]) == len(set(it["fact"])), f"{it['id']}: duplicate fact strings"
        else:
            assert "fact" not in it, f"{it['id']}: 'fact' is only for kind fact"


def test_near_miss_key(items):
    for it in items:
        if it["kind"] == "unanswerable":
            if it["id"] not in LEGACY_UNANSWERABLE:
                assert "near_miss" in it, f"{it['id']}: unanswerable items need near_miss"
        else:
            assert "near_miss" not in it, f"{it['id']}: near_miss is only for unanswerable items"


def test_ids_unique(items):
    dup = [k for k, v in Counter(it["id"] for it in items).items() if v > 1]
    assert not dup, f"duplicate ids: {dup}"


def test_lang_and_kind(items):
    for it in items:
        assert it["lang"] in LANGS, f"{it['id']}: bad lang {it['lang']!r}"
        assert it["kind"] in KINDS, f"{it['id']}: bad kind {it['kind']!r}"
        if it["kind"] in {"paraphrase", "wording", "traditional"}:
            assert it["lang"] == "zh", f"{it['id']}: {it['kind']} items are Chinese"
        if it["kind"] == "translation":
            assert it["lang"] != "zh", f"{it['id']}: translation items are not Chinese"


def test_quotas(items):
    assert len(items) >= MIN_TOTAL, f"only {len(items)} items"
    kinds = Counter(it["kind"] for it in items)
    for kind, n in MIN_PER_KIND.items():
        assert kinds[kind] >= n, f"kind {kind}: {kinds[kind]} < {n}"
    tr = Counter(it["lang"] for it in items if it["kind"] == "translation")
    for lang, n in MIN_TRANSLATION_PER_LANG.items():
        assert tr[lang] >= n, f"translation/{lang}: {tr[lang]} < {n}"
    ref = Counter(it["lang"] for it in items if it["kind"] == "reference")
    for lang in sorted(LANGS):
        assert ref[lang] >= MIN_REFERENCE_PER_LANG, f"reference/{lang}: {ref[lang]} < {MIN_REFERENCE_PER_LANG}"
    fact = Counter(it["lang"] for it in items if it["kind"] == "fact")
    assert set(fact) == LANGS, f"fact items missing languages {sorted(LANGS - set(fact))}"
    una = [it for it in items if it["kind"] == "unanswerable"]
    una_lang = Counter(it["lang"] for it in una)
    for lang in sorted(LANGS):
        assert una_lang[lang] >= MIN_UNANSWERABLE_PER_LANG, (
            f"unanswerable/{lang}: {una_lang[lang]} < {MIN_UNANSWERABLE_PER_LANG}"
        )
    near = sum(1 for it in una if it.get("near_miss") is True)
    assert 2 * near >= len(una), f"only {near} of {len(una)} unanswerable items are near misses"


def test_splits_per_kind(items):
    by_kind = defaultdict(Counter)
    for it in items:
        by_kind[it["kind"]][it["split"]] += 1
    for kind, c in sorted(by_kind.items()):
        total = sum(c.values())
        for split in sorted(SPLITS):
            assert c[split] >= MIN_SPLIT_PER_KIND, f"kind {kind}: only {c[split]} items in {split}"
            assert c[split] >= MIN_SPLIT_SHARE * total, f"kind {kind}: {split} holds {c[split]} of {total}"


def test_gold_ids_well_formed(items):
    for it in items:
        gold = it["gold"]
        assert len(gold) == len(set(gold)), f"{it['id']}: duplicate gold ids"
        for g in gold:
            m = GOLD_RE.match(g)
            assert m, f"{it['id']}: malformed gold id {g!r}"
            if m.group(1):
                n = int(m.group(1))
                assert 1 <= n <= N_PARAGRAPHS, f"{it['id']}: no paragraph {g!r}"
                if m.group(2):
                    assert m.group(2) in SUB_ITEMS.get(n, ""), f"{it['id']}: no sub-item {g!r}"
            assert g in ALL_UNITS, f"{it['id']}: unknown unit {g!r}"


def test_unanswerable_and_answerable(items):
    for it in items:
        if it["kind"] == "unanswerable":
            assert it["gold"] == [], f"{it['id']}: unanswerable must have gold []"
            assert it["answer_points"] == [], f"{it['id']}: unanswerable must have no points"
        elif it["kind"] in NO_POINT_KINDS:
            assert len(it["gold"]) == 1, f"{it['id']}: a reference names exactly one unit"
            assert it["answer_points"] == [], f"{it['id']}: reference items have no points"
        else:
            assert it["gold"], f"{it['id']}: answerable item without gold"
            assert 1 <= len(it["answer_points"]) <= 3, f"{it['id']}: need 1-3 answer points"


def test_history(items):
    for it in items:
        if it["kind"] in HISTORY_KINDS:
            assert it["history"], f"{it['id']}: {it['kind']} needs history"
        else:
            assert it["history"] == [], f"{it['id']}: only followups carry history"


_SCRIPTS = {
    "han": re.compile(r"[\u3400-\u9fff]"),
    "cyrillic": re.compile(r"[\u0400-\u04ff]"),
    "arabic": re.compile(r"[\u0600-\u06ff]"),
    "latin": re.compile(r"[A-Za-z\u00c0-\u024f]"),
}


def _script(text: str) -> str:
    """The writing system with the most letters in text (a coarse stand-in for language)."""
    counts = {name: len(rx.findall(text)) for name, rx in _SCRIPTS.items()}
    # Han characters carry a word each; weight them so a Latin acronym in a Chinese question
    # does not outvote it.
    counts["han"] *= 3
    return max(counts, key=counts.get)


def test_xfollowup_switches_language(items):
    for it in items:
        if it["kind"] != "xfollowup":
            continue
        before = {_script(h) for h in it["history"]}
        now = _script(it["question"])
        assert now not in before, (
            f"{it['id']}: the follow-up is written in the same script ({now}) as its history"
        )


def test_multi_has_several_units(items):
    for it in items:
        if it["kind"] == "multi":
            assert len(it["gold"]) >= 2, f"{it['id']}: multi needs >= 2 gold units"


def test_keyword_queries_are_short(items):
    for it in items:
        if it["kind"] == "keyword":
            n = len(it["question"].split())
            assert 2 <= n <= 5, f"{it['id']}: keyword query has {n} words"


def test_every_paragraph_is_gold_somewhere(items):
    used = {g for it in items for g in it["gold"]}
    missing = [str(n) for n in range(1, N_PARAGRAPHS + 1) if str(n) not in used]
    assert not missing, f"paragraphs never gold: {missing}"


def test_footnotes_header_and_sub_items_covered(items):
    used = {g for it in items for g in it["gold"]}
    missing = sorted((FOOTNOTES | {"header"}) - used)
    assert not missing, f"never gold: {missing}"
    subs = {u for u in used if "(" in u}
    assert len(subs) >= 25, f"only {len(subs)} distinct sub-items used as gold"


def test_groups(items):
    langs = defaultdict(set)
    for it in items:
        if "group" in it:
            langs[it["group"]].add(it["lang"])
    for group, ls in langs.items():
        assert len(ls) >= 2, f"group {group}: only languages {ls}"
    big = [g for g, ls in langs.items() if len(ls) >= 3]
    assert len(big) >= MIN_GROUPS_3_LANGS, f"only {len(big)} groups in >= 3 languages"


def test_chinese_points_occur_in_source(items, source_nows):
    for it in items:
        if it["lang"] != "zh":
            continue
        for p in it["answer_points"]:
            assert re.sub(r"\s+", "", p) == p, f"{it['id']}: point {p!r} contains whitespace"
            assert p in source_nows, f"{it['id']}: point {p!r} not found in the source text"


def test_chinese_facts_occur_in_source(items, source_nows):
    for it in items:
        if it["kind"] != "fact" or it["lang"] != "zh":
            continue
        for f in it["fact"]:
            assert re.sub(r"\s+", "", f) in source_nows, (
                f"{it['id']}: fact {f!r} not found in the source text"
            )


def test_the_second_dev_set_is_dev_only_and_well_formed(source_nows):
    """evals/qa_dev2.jsonl trains the answerability model with the dev halves: nothing in it is test."""
    lines = (ROOT / "evals" / "qa_dev2.jsonl").read_text(encoding="utf-8").splitlines()
    dev2 = [json.loads(line) for line in lines]
    assert len({it["id"] for it in dev2}) == len(dev2) >= 150
    assert {it["split"] for it in dev2} == {"dev"}
    assert {it["kind"] for it in dev2} <= KINDS and {it["lang"] for it in dev2} <= LANGS
    for it in dev2:
        assert bool(it["gold"]) != (it["answer_points"] == []), f"{it['id']}: points go with gold"
    for check in (test_gold_ids_well_formed, test_history, test_xfollowup_switches_language, test_fact_key, test_near_miss_key):
        check(dev2)
    test_chinese_points_occur_in_source(dev2, source_nows)


def test_the_plain_question_set_is_well_formed(source_nows):
    """evals/qa_plain.jsonl: plain "what is X?" questions, answerable and not, half dev and half test per language."""
    lines = (ROOT / "evals" / "qa_plain.jsonl").read_text(encoding="utf-8").splitlines()
    plain = [json.loads(line) for line in lines]
    assert len({it["id"] for it in plain}) == len(plain) == 96
    assert {it["kind"] for it in plain} == {"plain", "unanswerable"} and {it["lang"] for it in plain} == LANGS
    for lang in LANGS:
        for kind, per_half in (("plain", 5), ("unanswerable", 3)):
            splits = [it["split"] for it in plain if it["lang"] == lang and it["kind"] == kind]
            assert splits.count("dev") == splits.count("test") == per_half, (lang, kind)
    for it in plain:
        assert bool(it["gold"]) == (it["kind"] == "plain") and bool(it["gold"]) != (it["answer_points"] == [])
    for check in (test_gold_ids_well_formed, test_history, test_near_miss_key):
        check(plain)
    test_chinese_points_occur_in_source(plain, source_nows)
