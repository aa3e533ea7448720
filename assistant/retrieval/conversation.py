"""Follow-up questions ("那2015年呢？", "and in 2018?") resolved against earlier turns.

A follow-up is short or opens with a continuation marker; it is then searched together
with the previous question, so "那最新加入的国家是哪个？" after a question on the Blue Heart
Campaign still finds paragraph 38. The earlier turn goes to the dense query (which needs
the topic) and to the lexical side as extra words, while the new question keeps its own
words, so "2015" is not drowned by the "2013" it replaces.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.core.records import Unit
from assistant.core.text import has_han
from assistant.retrieval import glossary
from assistant.retrieval.lexical import simplify, tag, tokenize
from assistant.retrieval.ordinals import meeting_ordinals
from assistant.retrieval.searcher import Passage, rescored

_MARKERS = re.compile(
    r"^\s*(那|那么|那些|这|这个|这些|它|它们|其|该|还有|另外|此外|再|又|"
    r"and\b|what about\b|how about\b|also\b|and what\b|it\b|they\b|those\b|that\b|then\b|"
    r"et\b|et pour\b|qu'en est-il|alors\b|y\b|y en\b|¿y\b|и\b|а\b|а как\b|و)",
    re.IGNORECASE,
)
_ENDINGS = re.compile(r"(呢|吗)[？?。.!！]*\s*$")
# Words that point back at something named earlier ("When was it launched?", "Qui la
# coordonne ?", "它是哪年成立的？"): a short question holding one refers to the last topic,
# whatever language that topic was asked in.
_ANAPHORA = re.compile(
    r"它|它们|该运动|该倡议|该机构|该文件|该条|此项|这项|这一|那项|其中|"
    r"\b(?:it|its|they|them|their|this|that|these|those|there|he|she|his|her)\b|"
    r"\b(?:il|elle|ils|elles|le|la|les|lui|leur|leurs|son|sa|ses|ce|cet|cette|ces|celui|celle|y)\b|"
    r"\b(?:él|ella|ello|ellos|ellas|lo|la|los|las|le|les|su|sus|eso|esa|ese|esto|esta|este|estos|estas|allí)\b|"
    r"\b(?:он|она|оно|они|его|её|ее|их|ним|ней|нём|нем|это|этот|эта|эти|этого|этой|там)\b|"
    r"(?:^|\s)(?:ذلك|تلك|هذا|هذه|هو|هي|هم|هناك)(?:\s|$|[؟?])",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\d+(?:[./]\d+)*")
FOLLOWUP_MAX_TOKENS = 4
BARE_MAX_TOKENS = 5
# A capitalised word after the first names something (a campaign, a country): the question has its own topic.
_CAPITALISED = re.compile(r"(?<=\w )[A-ZÀ-ÖØ-ÞА-ЯЁ]")
# "这次会议", "this background paper", "ce document", "этот справочный документ": the
# question speaks of the document itself or of the meeting it was written for, which its title
# block names with the date, the city and the symbol.
_SELF_REFERENCE = re.compile(
    r"这[份篇次届][^，。？！?]{0,10}(?:文件|会议)|本[次届][^，。？！?]{0,10}会议|本(?:背景)?文件"
    r"|\bth(?:is|e present) (?:background )?(?:paper|document|meeting|session)\b"
    r"|\bce document\b|\bcette (?:réunion|session)\b|\best(?:e|a) (?:documento|reunión|sesión)\b"
    r"|\bэт(?:от|о|ого|ом|ой|а|у) (?:справочн\w+ )?(?:документ|совещани|сесси)"
    r"|(?:ورقة|الورقة|الوثيقة|الاجتماع|الدورة)(?: \S+){0,3} (?:هذه|هذا)|هذ[اه] (?:الورقة|الوثيقة|الاجتماع|الدورة)",
    re.IGNORECASE,
)

# "That meeting", "esa campaña", "в том докладе", "ذلك الاجتماع", "那次会议": a distal demonstrative before
# a noun points at something said earlier, however long the question ("What did it identify at that
# meeting as a key area for State intervention?"). "This meeting" may be the document's own.
_POINTS_BACK = re.compile(
    r"\b(?:that|those) (?:meeting|session|campaign|initiative|report|year|paper|document|resolution|database|law|"
    r"protocol|convention|group|day|congress|declaration|guide|handbook|publication|recommendation)s?\b|"
    r"\b(?:esa|ese|esos|esas|aquel|aquella|aquellos|aquellas) [^\W\d_]{3,}|"
    r"\b(?:том|той|тот|тех|того|тому) [^\W\d_]{4,}|"
    r"(?:^|\s)(?:ذلك|تلك) ال[^\W\d_]{2,}|"
    r"那[次个项份届]|该(?:会议|运动|倡议|机构|文件|报告|数据库|决议|指南|小组|活动)",
    re.IGNORECASE,
)
ANAPHORA_MAX_TOKENS = 6
# "What does the paper say about cryptocurrency?": what comes after "about" is the question's
# own topic, even when the glossary does not know it; "about it", "sobre eso", "关于这个" point back.
_ABOUT = re.compile(
    r"\b(?:about|regarding|concerning|à propos d[eu']|au sujet d[eu']|concernant|sobre|acerca de|"
    r"относительно|касательно|про|об?|حول|بشأن)\s+(?:(?:the|an?|la|le|les|l'|el|los|las)\s*)?(?!(?:it|its|this|that|them|these|those|ça|cela|ceci|eux|elle|elles|lui|"
    r"eso|esto|ello|ella|él|ellos|ellas|нём|нем|ней|них|этом|этой|этих|том|ذلك|هذا|هذه)\b)[^\W\d_]{3,}"
    r"|关于(?![这那它此该其])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ResolvedQuery:
    question: str  # what the user typed
    dense_query: str  # what the embedder sees
    lexical_extra: str  # earlier context for BM25
    is_followup: bool


def is_followup(question: str) -> bool:
    marker = _MARKERS.search(question)
    # The 这 of "这次会议在哪个城市举行？" belongs to "this meeting", not to the last answer.
    own = _SELF_REFERENCE.search(question)
    if marker and own and own.start() <= marker.start(1) < own.end():
        marker = None
    if marker or _ENDINGS.search(question) or _POINTS_BACK.search(question):
        return True
    n_tokens = len(tokenize(question))
    if n_tokens > max(ANAPHORA_MAX_TOKENS, BARE_MAX_TOKENS, FOLLOWUP_MAX_TOKENS):
        return False
    # "Who prepared this background paper?" and "韩国的人口贩运受害者有多少？" are short, but
    # name their own topic (a term of the paper's, a place): they are not about the last one.
    own_topic = names_a_topic(question)
    if n_tokens <= ANAPHORA_MAX_TOKENS and _ANAPHORA.search(question) and not own_topic:
        return True
    if n_tokens <= BARE_MAX_TOKENS and not own_topic:
        # "¿En cuántos casos se basa?", "文件举了什么例子？": a short question naming none of
        # the paper's terms and no proper name has no topic of its own.
        return True
    return n_tokens <= FOLLOWUP_MAX_TOKENS and bool(re.search(r"\d", question))


def speaks_of_itself(question: str) -> bool:
    """Whether the question is about the document itself or the meeting it was written for."""
    return bool(_SELF_REFERENCE.search(simplify(question)))


# "And the Legislative Guide?", "那立法指南呢？", "¿Y Ecuador?": a follow-up that only names a new
# topic, with no question word of its own, asks the earlier question again of it.
_ELLIPTICAL = re.compile(
    r"^\W*(?:and|what about|how about|et|et pour|qu'en est-il d[eu']|y|¿y|и|а|а как же|و|وماذا عن|那|那么)(?:\s|$)|^那|呢\W*$",
    re.IGNORECASE,
)
_QUESTION_WORD = re.compile(
    r"\b(?:what|which|who|whom|when|where|how|why|quel(?:le)?s?|qui|quoi|quand|où|comment|pourquoi|combien|qué|quién|cuándo|"
    r"dónde|cómo|cuánt[oa]s?|cuál(?:es)?|что|кто|когда|где|как|какой|какая|какие|сколько|почему)\b|"
    r"(?:^|\s)(?:ما|ماذا|من|متى|أين|كيف|كم|لماذا|هل)(?:\s|$)|什么|谁|哪|何|几|多少|怎么|如何|为什么|是否",
    re.IGNORECASE,
)


def is_elliptical(question: str) -> bool:
    """Whether a follow-up only names a new topic ("And the Legislative Guide?"): it asks the earlier question of it."""
    return bool(_ELLIPTICAL.search(question)) and not _QUESTION_WORD.search(_ELLIPTICAL.sub(" ", question, count=1))


def names_a_topic(question: str) -> bool:
    """Whether the question names one of the paper's terms (in any language), a proper name, or
    the document itself ("这次会议在哪个城市举行？" is not about the last answer's topic)."""
    if speaks_of_itself(question) or _ABOUT.search(question) or meeting_ordinals(question):
        return True  # "第六次会议建议了什么？" is about the sixth meeting, whatever was asked before
    if has_han(question):
        simplified = simplify(question)
        return any(term in simplified for term in glossary.chinese_terms()) or any(
            flag[:2] in ("ns", "nr", "nt", "nz") and len(word) >= 2 for word, flag in tag(simplified)
        )
    return bool(glossary.expand(question) or _CAPITALISED.search(question))


def resolve(question: str, history: Sequence[str], lang: str | None = None) -> ResolvedQuery:
    """``history`` holds earlier user questions, oldest first (already resolved or not).

    A follow-up that points back with a pronoun ("Who coordinates it?", "¿Y quién la
    coordina?") asks something new of the thing the topic named: given ``lang``, the dense
    query carries that thing's name in the reader's language (the glossary's), not the
    earlier question's own details ("UNODC's budget … in 2018" would pull towards 2018).
    """
    alone = ResolvedQuery(question, question, "", False)
    if not is_followup(question):
        return alone  # and the earlier turns are not examined at all
    # The topic is the latest question that stood on its own: after "2013年的建议？",
    # "2015年呢？" and then "2018年呢？" both refer back to the 2013 question's topic.
    topic = next((h for h in reversed(history) if h and h.strip() and not is_followup(h)), None)
    if topic is None:
        topic = next((h for h in reversed(history) if h and h.strip()), None)
    if topic is None:
        return alone
    topic = swap_numbers(topic, question) or topic
    named = glossary.named_terms(topic, lang) if lang and _ANAPHORA.search(question) else []
    return ResolvedQuery(question, f"{' '.join(named) if named else topic} {question}", topic, True)


def swap_numbers(topic: str, followup: str) -> str | None:
    """The topic asked again with the follow-up's numbers in place of its own, or None.

    An elliptical follow-up swaps one value: "¿Y en 2013?" after "¿Qué recomendó el Grupo
    de Trabajo en 2009?", "那第12条和第13条呢？" after a question on article 11. Left in,
    the old number pulls both searches back to the paragraph already answered.
    """
    new = _NUMBER.findall(followup)
    old = _NUMBER.findall(topic)
    if not new or len(old) != 1 or old[0] in new or len(old[0]) != len(new[0]):
        return None
    joiner = "、" if has_han(topic) else ", "
    return topic.replace(old[0], joiner.join(dict.fromkeys(new)), 1)


def near_topic(passages: Sequence[Passage], topic: Unit, weight: float, named: Sequence[str] = ()) -> tuple[Passage, ...]:
    """Reorder a follow-up's passages, favouring those in the section its topic was answered from, or,
    when the follow-up names other terms of the paper's (``named``, in Chinese), those that name them.

    "What accompanies each of its provisions?" after a question on the Model Law asks about
    the Model Law's section, not about provisions anywhere: a follow-up stays with its
    topic unless the words it adds clearly lead elsewhere. "And the Legislative Guide?" after
    "When will the revised Model Law be published?" swaps the thing asked about: para. 45, which
    names the guide, not para. 44 on the Model Law.
    """

    def extra(p: Passage) -> float:
        if named:  # it leaves its topic for what it names
            return weight * all(term in re.sub(r"\s+", "", p.unit.text) for term in named)
        return weight * ((p.unit.doc_id, p.unit.section) == (topic.doc_id, topic.section))

    return rescored(passages, extra)
