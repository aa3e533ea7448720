"""Framing text (labels, refusals, notices) in the six UN languages.

Excerpts are never translated: they are quoted in the source language. Only what the
assistant itself says follows the reader.
"""

from __future__ import annotations

from assistant.core.errors import choice_error

UI_LANGS: tuple[str, ...] = ("zh", "en", "fr", "es", "ru", "ar")

_STRINGS: dict[str, dict[str, str]] = {
    "answer_intro": {
        "zh": "根据文件：",
        "en": "According to the documents:",
        "fr": "D'après les documents :",
        "es": "Según los documentos:",
        "ru": "Согласно документам:",
        "ar": "وفقاً للوثائق:",
    },
    "refusal": {
        "zh": "文件中没有回答这个问题的内容。",
        "en": "The documents do not say.",
        "fr": "Les documents ne le disent pas.",
        "es": "Los documentos no lo dicen.",
        "ru": "В документах об этом не говорится.",
        "ar": "لا تذكر الوثائق ذلك.",
    },
    "closest": {
        "zh": "最接近的段落（仅供参考，并非答案）：",
        "en": "Closest paragraphs (for reference, not an answer):",
        "fr": "Paragraphes les plus proches (pour information, pas une réponse) :",
        "es": "Párrafos más cercanos (como referencia, no una respuesta):",
        "ru": "Ближайшие пункты (для справки, не ответ):",
        "ar": "أقرب الفقرات (للاطلاع، وليست إجابة):",
    },
    "excerpts": {
        "zh": "摘录",
        "en": "Excerpts",
        "fr": "Extraits",
        "es": "Extractos",
        "ru": "Выдержки",
        "ar": "مقتطفات",
    },
    "in_your_language": {
        "zh": "中文版本",
        "en": "In English",
        "fr": "En français",
        "es": "En español",
        "ru": "На русском языке",
        "ar": "باللغة العربية",
    },
    "truncated": {
        "zh": "问题过长，只使用了前 {n} 个字符。",
        "en": "The question was too long; only its first {n} characters were used.",
        "fr": "La question était trop longue ; seuls ses {n} premiers caractères ont été utilisés.",
        "es": "La pregunta era demasiado larga; solo se usaron sus primeros {n} caracteres.",
        "ru": "Вопрос слишком длинный; использованы только первые {n} символов.",
        "ar": "السؤال طويل جداً؛ استُخدمت أول {n} حرفاً فقط.",
    },
    "empty": {
        "zh": "请输入一个问题。",
        "en": "Please type a question.",
        "fr": "Veuillez saisir une question.",
        "es": "Escriba una pregunta.",
        "ru": "Пожалуйста, введите вопрос.",
        "ar": "يرجى كتابة سؤال.",
    },
    "llm_fallback": {
        "zh": "语言模型不可用，以下为摘录式回答。",
        "en": "The language model was unavailable; this is the extractive answer.",
        "fr": "Le modèle de langue était indisponible ; voici la réponse extractive.",
        "es": "El modelo de lenguaje no estaba disponible; esta es la respuesta extractiva.",
        "ru": "Языковая модель недоступна; это извлечённый ответ.",
        "ar": "النموذج اللغوي غير متاح؛ هذه هي الإجابة المستخلصة.",
    },
    "citation_removed": {
        "zh": "已删除 {n} 个指向未检索段落的引用。",
        "en": "{n} citation(s) to paragraphs that were not retrieved were removed.",
        "fr": "{n} citation(s) vers des paragraphes non retrouvés ont été supprimées.",
        "es": "Se eliminaron {n} cita(s) a párrafos no recuperados.",
        "ru": "Удалено ссылок на неизвлечённые пункты: {n}.",
        "ar": "أُزيلت {n} إحالة إلى فقرات لم تُسترجع.",
    },
    "terms": {
        "zh": "术语",
        "en": "Terms",
        "fr": "Termes",
        "es": "Términos",
        "ru": "Термины",
        "ar": "المصطلحات",
    },
    "no_such_unit": {
        "zh": "文件中没有{label}。最接近的编号：{close}。",
        "en": "The document has no {label}. Nearest: {close}.",
        "fr": "Le document n'a pas de {label}. Les plus proches : {close}.",
        "es": "El documento no tiene {label}. Los más cercanos: {close}.",
        "ru": "В документе нет: {label}. Ближайшие: {close}.",
        "ar": "لا تتضمن الوثيقة {label}. الأقرب: {close}.",
    },
    "error": {
        "zh": "出错了：{message}",
        "en": "Something went wrong: {message}",
        "fr": "Une erreur s'est produite : {message}",
        "es": "Se produjo un error: {message}",
        "ru": "Произошла ошибка: {message}",
        "ar": "حدث خطأ: {message}",
    },
}


def text(key: str, lang: str, **values: object) -> str:
    table = _STRINGS[key]
    template = table.get(lang) or table["en"]
    return template.format(**values) if values else template


def check_lang(lang: str) -> str:
    if lang not in UI_LANGS:
        raise choice_error("language", lang, UI_LANGS)
    return lang


def cite_label(unit_id: str, lang: str) -> str:
    """``第16(e)段`` in Chinese, ``para. 16(e)`` in English, the same address in each language."""
    if unit_id.startswith("fn"):
        number = unit_id[2:]
        return {
            "zh": f"脚注{number}",
            "fr": f"note {number}",
            "es": f"nota {number}",
            "ru": f"сноска {number}",
            "ar": f"الحاشية {number}",
        }.get(lang, f"footnote {number}")
    if unit_id == "header":
        return {"zh": "标题", "fr": "en-tête", "es": "encabezado", "ru": "заголовок", "ar": "العنوان"}.get(lang, "heading")
    return {
        "zh": f"第{unit_id}段",
        "fr": f"par. {unit_id}",
        "es": f"párr. {unit_id}",
        "ru": f"п. {unit_id}",
        "ar": f"الفقرة {unit_id}",
    }.get(lang, f"para. {unit_id}")
