"""BCP-47 language tags (``zh-Hant``, ``en-GB``, ``es-419`` …) read as one of the six UN languages.

Evaluators and clients write real tags; the assistant works per UN language. The tag is
parsed by ``langcodes`` (well-formedness, deprecated codes such as ``iw``); its language
subtag decides. The script does not: ``zh-Hant``/``zh-TW`` questions are Chinese, and the
search normalises Traditional characters to Simplified (``lexical.normalize``) as it does
for any Chinese question.
"""

from __future__ import annotations

from assistant.core.errors import ConfigError
from assistant.core.records import LANGS

# Chinese macrolanguage members a tag may name instead of "zh".
_CHINESE = {"cmn", "yue", "wuu", "hak", "nan", "gan", "hsn", "cjy", "cdo", "cpx", "czh", "czo", "mnp"}


def un_lang(tag: str) -> str:
    """The UN language a BCP-47 tag belongs to, or a ``ConfigError`` naming what is wrong."""
    import langcodes

    clean = tag.strip().replace("_", "-")
    base = langcodes.Language.get(clean).language if clean and langcodes.tag_is_valid(clean) else None
    base = "zh" if base in _CHINESE else base
    if base not in LANGS:
        raise ConfigError(
            f"unknown lang {tag!r}; valid values: {', '.join(LANGS)}, or a BCP-47 tag of one of them (zh-Hant, en-GB, es-419 …)"
        )
    return base
