"""The event a fact question asks about, and whether the sentence stating the fact is about it.

"On what date did the General Assembly adopt resolution 68/192?" finds a date in the very
clause that names the resolution, "大会第 68/192 号决议将 7 月 30 日指定为…": the date it
*designated*, not the date it was adopted, which the paper never gives. "In what year did UNODC
launch E4J?" finds 2015 in the sentence that also says UNODC 发起了 the initiative, but 2015 is
when the Doha Declaration was 通过 (adopted). The kind of fact is right, the event is not.

Each event has the verbs that ask about it in the six languages (stems, matched in the
question) and the verbs that state it (in the paper's Chinese and in a note's own language,
matched in the sentence). A question naming no event, or a sentence naming the event asked,
is left to the answerability model; otherwise the question is refused with that reason
(``refusal.decide``): on the dev half this fired on 17 unanswerable questions and 1 answerable
one (itself answered wrongly), evals/README.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answering.facts import FactKind

#: Facts that belong to an event: when, where and by whom it happened. A symbol or an article
#: asked for ("which resolution adopted the guidelines") is the instrument, not the event's.
EVENT_KINDS: frozenset[FactKind] = frozenset({"date", "year", "time", "since", "place", "organisation", "person", "country"})
AGENT_KINDS: frozenset[FactKind] = frozenset({"organisation", "person", "country"})


@dataclass(frozen=True)
class Event:
    name: str  # as a refusal says it: "adopted"
    asked: re.Pattern[str]  # in a question, any of the six languages
    stated: re.Pattern[str]  # in the sentence that states the fact: Chinese, or a note's own words
    # What states the event's agent without its verb: "经济及社会理事会第 2002/13 号决议" says the
    # Council adopted it, not when ("大会第 68/192 号决议将 7 月 30 日指定为…" gives no adoption date).
    agent: re.Pattern[str] | None = None


def _words(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


EVENTS: tuple[Event, ...] = (
    Event(
        "adopted",
        _words(
            r"通过|\badopt|\badopté|\badoptée|\baprob[óaoe]|\bприня[лтв]|\bпринят|اعتم[دا]|اعتُمد|"
            r"\bpassed\b|\bvoté"
        ),
        _words(r"通过|\badopt|\badopté|\baprob|\bприня|اعتم"),
        _words(r"决议|\bresolution|\brésolution|\bresolución|\bрезолюци|قرار"),
    ),
    Event(
        "launched",
        _words(
            r"发起|启动|推出|发动|\blaunch|\blanc[ée]|\blancer|\blanz[óa]|\blanzamiento|puso en marcha|"
            r"\bзапуст|\bзапуск|\bначал[аио]?\b|أطلق|إطلاق|\bstart(?:ed)?\b|\binitiat|\bbeg[ai]n\b|\bbegun\b|\bcommenc|"
            r"\binaugur|\bcomenz|\bdébut|بدأ"
        ),
        _words(r"发起|启动|推出|发动|成立|开展|开始|\blaunch|\blanc|\blanz|\bзапуст|أطلق|إطلاق|\bstart|\bbeg[ai]n|\binitiat"),
    ),
    Event(
        "published",
        _words(
            r"出版|发布|发表|印发|刊印|\bpublish|\bissued\b|\bpubli(?:é|ée|és|ées|er|ca|có|cad)|\bопубликова|\bиздан|\bвыпущ|"
            r"نشر|نُشر|أصدر|صدر"
        ),
        _words(r"出版|发布|发表|印发|刊印|公布|编写|编制|\bpublish|\bissued\b|\bpubli|\bопубликова|\bиздан|نشر|أصدر|صدر"),
        # A body before a title is its author: "毒品和犯罪问题办公室《刑事司法从业人员打击人口贩运手册》".
        _words(r"《"),
    ),
    Event(
        "in force",
        _words(r"生效|into force|en vigueur|en vigor|в силу|حيز النفاذ"),
        _words(r"生效|into force|en vigueur|en vigor|в силу|حيز النفاذ"),
    ),
    Event(
        "established",
        _words(
            r"设立|成立|建立|创建|创立|\bestablished\b|\bfounded\b|\bcreated\b|\bcréée?\b|\bcréation\b|\bse creó|"
            r"\bcread[oa]\b|\bfundad[oa]\b|\bestablecid[oa]\b|\bset up\b|\bmise? en place\b|"
            r"\bсоздан|\bучрежд(?:ен[аоы]?|ил[аио]?)\b|\bоснован|"
            r"أنشئ|أُنشئ|إنشاء|تأسس|تأسيس"
        ),
        _words(
            r"设立|成立|建立|创建|创立|发起|启动|推出|\bestablish|\bfound|\bcreat|\bcréé|\bcre[óa]|\bestablec|\bсозда|\bучрежд|"
            r"\blaunch|أنش|تأسس"
        ),
    ),
    Event(
        "signed",
        _words(r"签署|签订|\bsign(?:ed|ing)?\b|\bsigné|\bfirm[óa]|\bподпис|وقّع|وقع|توقيع"),
        _words(r"签署|签订|\bsign|\bfirm|\bподпис|وق"),
    ),
    Event(
        "chaired",
        _words(r"主持|担任主席|\bchair(?:ed|s)?\b|\bpresided\b|\bprésid(?:é|ée|ait|ent)\b|\bpresidi[óo]\b|\bpresid(?:ía|ida)\b|\bпредседательств|\bпредседател|ترأس|رئاسة"),
        _words(r"主持|主席|\bchair|\bpresid|\bprésid|\bпредседател|ترأس|رئاس"),
    ),
    Event(
        "voted on",
        _words(r"投票|表决|\bvot(?:e|ed|es|ing|é|ée|èrent|aron|ó|ación)\b|\bголосова|\bпроголосова|صوّت|صوت"),
        _words(r"投票|表决|\bvot|\bголос|صو"),
    ),
    Event(
        "joined",
        _words(r"加入|\bjoin|\brejoint|\badhér|\bse (?:unió|incorporó|adhirió)|\bприсоедин|انضم|انضمام"),
        _words(r"加入|参与|\bjoin|\brejoin|\badhér|\bunió|\bincorpor|\bприсоедин|انضم"),
    ),
    Event(
        "ended",
        _words(r"结束|完成|截止|\bend(?:ed|s)?\b|\bconclude|\bcomplet|\btermin|\bfinalis|\bзаверш|\bоконч|ينتهي|انتهاء|اختتام"),
        _words(r"结束|完成|截止|\bend|\bconclu|\bcomplet|\bterm|\bзаверш|ينته|انته"),
    ),
)


def asked_events(question: str) -> tuple[Event, ...]:
    """The events the question asks about (none for most questions)."""
    return tuple(e for e in EVENTS if e.asked.search(question))


# A sentence that opens by pointing back continues the one before: "2015 年，工作组第六次会议讨论了…。
# 在这次会议上，工作组通过了以下建议：" says the recommendations were adopted in 2015.
_CONTINUES = re.compile(
    r"\s*(?:在(?:这|此|该)|(?:这|此|该)(?:次|届|项|些|一)|at (?:this|that) meeting\b|in (?:this|that)\b)", re.IGNORECASE
)


def stated_sentence(text: str, span: str) -> str:
    """The sentence of ``text`` that holds ``span``, with the sentences after it that point back
    to it (all of ``text`` when it does not hold ``span``)."""
    start = text.find(span)
    if start < 0:
        return text
    ends = [m.end() for m in re.finditer(r"[。！？；]|[.!?;](?:\s|$)", text)]
    begin = max((e for e in ends if e <= start), default=0)
    end = min((e for e in ends if e > start), default=len(text))
    while end < len(text) and _CONTINUES.match(text, end):
        end = min((e for e in ends if e > end), default=len(text))
    return text[begin:end]


def unstated_event(question: str, kind: FactKind, sentence: str) -> str | None:
    """The event the question asks when, where or by whom of, when the sentence stating its fact
    (of ``kind``) names none of the events asked: then the fact is another event's."""
    if kind not in EVENT_KINDS:
        return None
    asked = asked_events(question)
    agent_asked = kind in AGENT_KINDS
    if not asked or any(e.stated.search(sentence) or (agent_asked and e.agent and e.agent.search(sentence)) for e in asked):
        return None
    return asked[0].name
