"""Which of the six UN languages a text is in: script first, then lingua for Latin script.

Used for documents (on a sample of their text) and for every question, so it must be
cheap: the script count is a single pass, and the lingua detector (English, French and
Spanish only) is built once on first use. Measured here after warm-up: ~0.1-0.3 ms for a
one-sentence question (benchmarks can re-measure with ``python -m assistant.ingest.langid``).
"""

from __future__ import annotations

import functools
import re
import unicodedata

from assistant.core.text import is_han

DEFAULT_LANG = "en"
# Characters looked at: enough to be sure about a document, fast for any question.
_SAMPLE_CHARS = 4000
# One Han character carries about as much as a short Latin word, so a Chinese question
# that names "UNODC" or "Palermo" is still Chinese.
_HAN_WEIGHT = 3


def _script(ch: str) -> str | None:
    cp = ord(ch)
    if is_han(ch) or 0x3040 <= cp <= 0x30FF:  # kana: not a UN language; CJK is closest
        return "zh"
    if 0x0400 <= cp <= 0x052F or 0x1C80 <= cp <= 0x1C8F or 0x2DE0 <= cp <= 0x2DFF or 0xA640 <= cp <= 0xA69F:
        return "ru"
    if 0x0600 <= cp <= 0x06FF or 0x0750 <= cp <= 0x077F or 0x08A0 <= cp <= 0x08FF or 0xFB50 <= cp <= 0xFDFF or 0xFE70 <= cp <= 0xFEFF:
        return "ar"
    if ch.isalpha() and (cp < 0x0250 or 0x1E00 <= cp <= 0x1EFF):
        return "latin"
    return None


def script_counts(text: str) -> dict[str, int]:
    """Letters per script ("zh", "ru", "ar", "latin") in the first few thousand characters."""
    counts = {"zh": 0, "ru": 0, "ar": 0, "latin": 0}
    for ch in text[:_SAMPLE_CHARS]:
        s = _script(ch)
        if s is not None:
            counts[s] += 1
    return counts


@functools.cache
def _latin_detector() -> object:
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.FRENCH, Language.SPANISH).build()


_LINGUA_CODES = {"ENGLISH": "en", "FRENCH": "fr", "SPANISH": "es"}

# A question of a few words gives lingua little to go on ("Whta are carier sanctons?" and
# "paragraphe 12" read as English or French wrongly); its function words (and the words for
# a paragraph), when they belong to one language only, settle it.
_SHORT_WORDS = 6
_FUNCTION_WORDS = {
    "en": frozenset(
        "what which who whom when where why how is are was were does do did the of about and for to with on "
        "this that these those it its paragraph footnote".split()
    ),
    "fr": frozenset(
        "quel quelle quels quelles qui que quoi quand où pourquoi comment est sont les des du le au aux sur et pour "
        "avec dans ce cette paragraphe alinéa".split()
    ),
    "es": frozenset(
        "qué cuál cuáles quién quiénes cuándo dónde cómo es son los las del el al sobre y con este esta párrafo inciso".split()
    ),
}


def _by_function_words(text: str) -> str | None:
    words = [w.casefold() for w in re.findall(r"[^\W\d_]+", text)]
    if not words or len(words) > _SHORT_WORDS:
        return None
    votes = {lang: sum(w in vocabulary for w in words) for lang, vocabulary in _FUNCTION_WORDS.items()}
    best = max(votes.values())
    winners = [lang for lang, n in votes.items() if n == best]
    return winners[0] if best > 0 and len(winners) == 1 else None


def detect_language(text: str) -> str:
    """One of zh, en, fr, es, ru, ar; ``"en"`` when the text gives no clue (digits, symbols)."""
    sample = unicodedata.normalize("NFC", text[:_SAMPLE_CHARS])
    counts = script_counts(sample)
    weighted = {"zh": counts["zh"] * _HAN_WEIGHT, "ru": counts["ru"], "ar": counts["ar"], "latin": counts["latin"]}
    best = max(weighted, key=lambda k: weighted[k])
    if weighted[best] == 0:
        return DEFAULT_LANG
    if best != "latin":
        return best
    short = _by_function_words(sample)
    if short is not None:
        return short
    found = _latin_detector().detect_language_of(sample)  # type: ignore[attr-defined]
    if found is None:
        return DEFAULT_LANG
    return _LINGUA_CODES.get(found.name, DEFAULT_LANG)


def warm_up() -> None:
    """Build the detector and load its models now (the web app calls this at start-up)."""
    detect_language("warm up the language models")
    detect_language("préparer les modèles de langue")
    detect_language("preparar los modelos de idioma")


if __name__ == "__main__":  # a quick timing: python -m assistant.ingest.langid
    import time

    t0 = time.perf_counter()
    warm_up()
    print(f"warm-up: {(time.perf_counter() - t0) * 1000:.0f} ms")
    for q in (
        "What does the paper recommend on awareness-raising campaigns?",
        "Que recommande le document sur les campagnes de sensibilisation ?",
        "¿Qué recomienda el documento sobre las campañas de sensibilización?",
        "文件对提高认识活动有何建议？",
        "Что говорится о повышении осведомленности?",
        "ماذا تقول الورقة عن حملات التوعية؟",
    ):
        n = 200
        t0 = time.perf_counter()
        for _ in range(n):
            lang = detect_language(q)
        print(f"{lang}  {(time.perf_counter() - t0) / n * 1000:.3f} ms  {q}")
