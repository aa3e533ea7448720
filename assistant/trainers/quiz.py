"""Quizzes from the paper's own sentences, with a paragraph answer key, and no language model.

Three kinds of item, all cut from one verbatim sentence:

- ``cloze``: a key term, number, year, article, session or named programme is blanked;
- ``choice``: the same blank with three distractors of the same kind taken from other
  paragraphs (other years for a year, other article numbers for an article, other
  《titles》 for a title), so no option is absurd on its face;
- ``which``: a sentence is quoted and the options are paragraph ids from around it.

An item is only made when its answer is unambiguous in the text: the blanked string
occurs once in the sentence, no distractor equals the answer or appears in the sentence,
options are distinct, and a quoted sentence occurs in one paragraph only. The same seed
gives the same quiz: candidates are built in document order and drawn with
``random.Random(seed)``.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from assistant.core.errors import ConfigError, choice_error
from assistant.core.records import Unit
from assistant.index.chunking import split_sentences
from assistant.retrieval import glossary
from assistant.trainers.brief import citable, is_question, make_brief

if TYPE_CHECKING:
    from assistant.answering.service import Assistant

ItemKind = Literal["cloze", "choice", "which"]
ITEM_KINDS: tuple[str, ...] = ("cloze", "choice", "which")
QUIZ_LANGS: tuple[str, ...] = ("zh", "en")
BLANK = "＿＿＿＿"  # full-width: no Markdown emphasis, the same width whatever the answer
MAX_ITEMS = 50
MIN_SENTENCE = 18
MAX_SENTENCE = 190
MAX_ANSWER = 30  # a 60-character title is not a blank anyone should fill
TERM_SHARE = 0.06  # glossary terms found in more units than this are too common to blank
PER_UNIT = 2  # at most this many items from one paragraph, while others remain

_YEAR = re.compile(r"(?<![\d/,.])((?:19|20)\d\d)(?=\s*年)")
_ARTICLE = re.compile(r"第\s*(\d+)\s*条")
_SESSION = re.compile(r"第([一二三四五六七八九十]+)次会议")
_COUNT = re.compile(r"(?<![\d,./])(\d{1,3}(?:,\d{3})+|\d+)(?=\s*(?:多\s*)?(?:个|项))")
_TITLE = re.compile(r"《([^《》<>]{2,60})》")
_QUOTED = re.compile(r"“([^“”]{2,60})”")
_NUMBER_TOKEN = re.compile(r"\d+(?:,\d{3})*")
# A sentence that opens on "this/it" needs the one before it; it makes a poor stand-alone item.
_DANGLING = re.compile(r"^(该|这|此|它|其|上述|如上所述|在这次|通过这一)|这两项|(?<!应)该(条|倡议|运动|文件|报告|工具包|战略)")
MIN_TITLE = 5  # 《议定书》, 《公约》: abbreviations that several titles share are no answer


# --- records ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerKey:
    doc_id: str
    unit_id: str
    sentence: str  # verbatim from the unit; the answer is a substring of it (ids aside)
    answer: str  # the blanked text, or the paragraph id for a "which" item


@dataclass(frozen=True)
class QuizItem:
    kind: ItemKind
    category: str  # year, article, session, count, title, quote, term, paragraph
    prompt: str  # the sentence with the blank, or the quoted sentence
    options: tuple[str, ...]  # empty for cloze
    key: AnswerKey

    @property
    def answer(self) -> str:
        return self.key.answer

    @property
    def answer_letter(self) -> str | None:
        return "ABCDEFGH"[self.options.index(self.answer)] if self.options else None


@dataclass(frozen=True)
class Quiz:
    topic: str | None
    seed: int
    lang: str
    items: tuple[QuizItem, ...]
    requested: int  # fewer items than asked when the topic has too little unambiguous material
    doc_title: str = ""
    source_lang: str = "zh"  # the language the sentences are quoted in

    def validate(self, assistant: Assistant) -> None:
        """Every answer is in its cited sentence, every sentence is verbatim, every choice is unambiguous."""
        for n, item in enumerate(self.items, 1):
            unit = assistant.unit(item.key.unit_id, item.key.doc_id)
            if item.key.sentence not in unit.text:
                raise AssertionError(f"item {n}: sentence is not verbatim in {unit.unit_id}")
            if item.kind == "which":
                if item.answer != unit.unit_id:
                    raise AssertionError(f"item {n}: answer {item.answer} is not the cited paragraph")
            else:
                if item.key.sentence.count(item.answer) != 1:
                    raise AssertionError(f"item {n}: answer {item.answer!r} is not once in its sentence")
                if item.prompt != item.key.sentence.replace(item.answer, BLANK, 1):
                    raise AssertionError(f"item {n}: prompt is not the sentence with one blank")
            if item.options:
                if len(set(item.options)) != len(item.options) or item.options.count(item.answer) != 1:
                    raise AssertionError(f"item {n}: options are ambiguous: {item.options}")


# --- candidates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Span:
    category: str
    answer: str
    start: int


def _sentences(unit: Unit) -> list[str]:
    return [s.strip() for s in split_sentences(unit.text) if s.strip()]


def _once(answer: str, sentence: str, category: str) -> bool:
    if sentence.count(answer) != 1:
        return False
    if category in ("year", "article", "count"):  # "11" must not hide in "2011" or "第 11 条" twice
        return _NUMBER_TOKEN.findall(sentence).count(answer) == 1
    return True


def _spans(sentence: str, terms: Sequence[str]) -> list[_Span]:
    spans: list[_Span] = []
    covered: list[tuple[int, int]] = []
    for category, pattern in (
        ("year", _YEAR),
        ("article", _ARTICLE),
        ("session", _SESSION),
        ("count", _COUNT),
        ("title", _TITLE),
        ("quote", _QUOTED),
    ):
        for m in pattern.finditer(sentence):
            answer = m.group(1)
            if category == "count" and _YEAR.fullmatch(answer + "年"):
                continue
            covered.append(m.span())
            if category in ("title", "quote") and len(answer) < MIN_TITLE:
                continue
            if len(answer) <= MAX_ANSWER and _once(answer, sentence, category):
                spans.append(_Span(category, answer, m.start(1)))
    for term in terms:  # longest first, outside titles and quotations already used
        start = sentence.find(term)
        if start < 0 or not _once(term, sentence, "term"):
            continue
        end = start + len(term)
        if any(a < end and start < b for a, b in covered):
            continue
        covered.append((start, end))
        spans.append(_Span("term", term, start))
    return spans


def _blankable_terms(units: Sequence[Unit]) -> list[str]:
    """Glossary terms the paper uses, neither everywhere nor trivially short, longest first."""
    texts = [u.text for u in units if citable(u)]
    limit = TERM_SHARE * max(1, len(texts))
    found = []
    for zh in glossary.chinese_terms():
        df = sum(zh in t for t in texts)
        if len(zh) >= 3 and 0 < df <= limit:
            found.append(zh)
    return sorted(found, key=lambda t: (-len(t), t))


@dataclass(frozen=True)
class _Candidate:
    kind: str
    category: str
    unit: Unit
    position: int  # of the sentence in the unit
    sentence: str
    answer: str
    pool: tuple[str, ...]  # distractor values for a choice item


def _present(value: str, sentence: str, category: str) -> bool:
    """A distractor the sentence itself states would confuse: 27 when the sentence cites 第 27 条."""
    if category in ("year", "article", "count"):
        return value in _NUMBER_TOKEN.findall(sentence)
    if category == "session":
        return f"第{value}次" in sentence
    return value in sentence


_TERM_TYPES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("campaign", ("运动", "倡议", "行为日", "活动日")),
    ("instrument", ("公约", "议定书", "示范法", "准则", "指南", "手册", "工具包", "数据库", "宣言", "守则", "门户网站")),
    ("actor", ("人员", "员", "官员", "者", "机构", "组织", "当局", "缔约国", "部门", "社会", "学术界", "工会", "小组",
               "办公室", "办事处", "理事会", "大会", "工作组", "集团", "工人", "雇主", "佣工")),
    ("place", ("墨西哥", "厄瓜多尔")),
)


def term_type(term: str) -> str:
    """A glossary term's kind, read off its head word (Chinese puts it last): distractors share it."""
    for name, endings in _TERM_TYPES:
        if any(term.endswith(e) for e in endings):
            return name
    return "concept"


def _term_pool(answer: str, values: Sequence[str]) -> list[str]:
    """Terms of the same kind: an actor for an actor, a campaign for a campaign."""
    kind = term_type(answer)
    if kind in ("concept", "place"):  # "multidisciplinary" vs "Ecuador": no fair options; a blank only
        return []
    if kind == "actor":  # the head noun itself: officials for officials (not "the Crime Congress" for agencies)
        return [v for v in values if term_type(v) == kind and v[-2:] == answer[-2:]]
    return [v for v in values if term_type(v) == kind]


def _too_close(value: str, answer: str, category: str) -> bool:
    """征聘机构 for 私营征聘和就业机构 would also be right: a distractor must not be a near-synonym."""
    if category not in ("title", "quote", "term"):
        return False
    if value in answer or answer in value:
        return True
    return len(set(value) & set(answer)) > 0.6 * len(set(value))


def _closest(answer: str, pool: Sequence[str], keep: int = 5) -> list[str]:
    """The names most like the answer (shared characters, similar length): plausible, not absurd."""
    chars = set(answer)
    ranked = sorted(pool, key=lambda v: (-len(chars & set(v)), abs(len(v) - len(answer)), v))
    return sorted(ranked[:keep])


def _candidates(units: Sequence[Unit], all_units: Sequence[Unit]) -> list[_Candidate]:
    terms = _blankable_terms(all_units)
    # Values of each category across the whole document: where distractors come from.
    values: dict[str, set[str]] = {}
    sentence_count: dict[str, int] = {}
    for unit in all_units:
        if not citable(unit):
            continue
        for s in _sentences(unit):
            sentence_count[s] = sentence_count.get(s, 0) + 1
            for span in _spans(s, terms):
                values.setdefault(span.category, set()).add(span.answer)
    sorted_values = {k: sorted(v) for k, v in values.items()}

    out: list[_Candidate] = []
    for unit in units:
        if not citable(unit) or is_question(unit):
            continue
        for position, s in enumerate(_sentences(unit)):
            if not MIN_SENTENCE <= len(s) <= MAX_SENTENCE:
                continue
            # A sentence leaning on the one before ("these two Protocols") can still be located,
            # but a blank in it cannot be filled fairly.
            for span in [] if _DANGLING.search(s) else _spans(s, terms):
                out.append(_Candidate("cloze", span.category, unit, position, s, span.answer, ()))
                pool = sorted_values.get(span.category, [])
                pool = [
                    v for v in pool
                    if v != span.answer and not _present(v, s, span.category) and not _too_close(v, span.answer, span.category)
                ]
                if span.category == "term":
                    pool = _term_pool(span.answer, pool)
                if span.category in ("title", "quote", "term"):
                    pool = _closest(span.answer, pool)
                if len(pool) >= 3:
                    out.append(_Candidate("choice", span.category, unit, position, s, span.answer, tuple(pool)))
            if len(s) >= 25 and sentence_count.get(s, 0) == 1 and not s.endswith(("：", ":")):
                out.append(_Candidate("which", "paragraph", unit, position, s, unit.unit_id, ()))
    return out


def _which_options(unit: Unit, all_units: Sequence[Unit], rng: random.Random) -> list[str]:
    """Ids near the answer (same section first), so the page around it must be read."""
    body = [u for u in all_units if u.kind in ("paragraph", "subitem") and not is_question(u) and u.unit_id != unit.unit_id]
    body.sort(key=lambda u: (u.section != unit.section, abs(u.order - unit.order), u.order))
    near = [u.unit_id for u in body[:6]]
    return rng.sample(near, 3)


# --- the quiz --------------------------------------------------------------------------------


def make_quiz(
    assistant: Assistant,
    topic: str | None = None,
    n: int = 10,
    seed: int = 0,
    lang: str | None = None,
    doc: str | None = None,
) -> Quiz:
    """``n`` items on ``topic`` (the paragraphs its brief selects) or on the whole paper."""
    if not 1 <= n <= MAX_ITEMS:
        raise ConfigError(f"a quiz has 1 to {MAX_ITEMS} items, not {n}")
    if lang is not None and lang not in QUIZ_LANGS:
        raise choice_error("language", lang, QUIZ_LANGS)
    topic = " ".join(topic.split()) if topic else None
    document = assistant.document(doc)
    all_units = list(document.units)
    if topic:
        brief = make_brief(assistant, topic, lang, doc=document.doc_id)
        lang = lang or brief.lang
        units = [p.unit for p in brief.paragraphs] + [r.unit for r in brief.resources if r.direct]
        units.sort(key=lambda u: u.order)
    else:
        lang = lang or (document.lang if document.lang in QUIZ_LANGS else "en")
        units = [u for u in all_units if citable(u)]

    rng = random.Random(seed)
    candidates = _candidates(units, all_units)
    rng.shuffle(candidates)
    chosen = _draw(candidates, n)
    chosen.sort(key=lambda c: (c.unit.order, c.position, ITEM_KINDS.index(c.kind)))
    items = [_item(c, all_units, rng) for c in chosen]
    return Quiz(topic, seed, lang, tuple(items), n, document.title, document.lang)


def _draw(candidates: Sequence[_Candidate], n: int) -> list[_Candidate]:
    """Blanks first, spread over paragraphs and answer kinds; then a few "which paragraph" items.

    One item per sentence and per answer, at most one "which" item per paragraph (three
    on one paragraph share one option set), and no item that prints another's answer.
    """
    chosen: list[_Candidate] = []
    used_sentences: set[str] = set()
    used_answers: set[str] = set()
    per_unit: dict[str, int] = {}
    which_units: set[str] = set()
    per_category: dict[str, int] = {}
    category_quota = max(2, -(-n // 4))
    which_quota = max(1, n // 4)

    def fits(c: _Candidate, balanced: bool) -> bool:
        if c.sentence in used_sentences:
            return False
        if c.kind == "which":
            if c.unit.unit_id in which_units or (balanced and len(which_units) >= which_quota):
                return False
        else:
            if c.answer in used_answers:
                return False
            if balanced and (per_unit.get(c.unit.unit_id, 0) >= PER_UNIT or per_category.get(c.category, 0) >= category_quota):
                return False
            # No item may give another's answer away: 2015 blanked here, printed in the next question.
            if any(_present(c.answer, x.sentence, c.category) for x in chosen):
                return False
        if any(x.kind != "which" and _present(x.answer, c.sentence, x.category) for x in chosen):
            return False
        return True

    blanks = [c for c in candidates if c.kind != "which"]
    which = [c for c in candidates if c.kind == "which"]
    # Blanks first, leaving room for the "which" items; then each relaxed in turn.
    for pool, balanced, limit in ((blanks, True, n - which_quota), (which, True, n), (blanks, False, n), (which, False, n)):
        for c in pool:
            if len(chosen) >= n:
                return chosen
            if len(chosen) >= limit:
                break
            if fits(c, balanced):
                chosen.append(c)
                used_sentences.add(c.sentence)
                per_unit[c.unit.unit_id] = per_unit.get(c.unit.unit_id, 0) + 1
                per_category[c.category] = per_category.get(c.category, 0) + 1
                if c.kind == "which":
                    which_units.add(c.unit.unit_id)
                else:
                    used_answers.add(c.answer)
    return chosen


def _item(c: _Candidate, all_units: Sequence[Unit], rng: random.Random) -> QuizItem:
    key = AnswerKey(c.unit.doc_id, c.unit.unit_id, c.sentence, c.answer)
    if c.kind == "which":
        options = [c.answer, *_which_options(c.unit, all_units, rng)]
        rng.shuffle(options)
        return QuizItem("which", c.category, c.sentence, tuple(options), key)
    prompt = c.sentence.replace(c.answer, BLANK, 1)
    if c.kind == "cloze":
        return QuizItem("cloze", c.category, prompt, (), key)
    options = [c.answer, *rng.sample(list(c.pool), 3)]
    rng.shuffle(options)
    return QuizItem("choice", c.category, prompt, tuple(options), key)
