from __future__ import annotations

from assistant.core.records import Document, Unit
from assistant.index.chunking import chunk_document, split_sentences


def _doc(*units: Unit) -> Document:
    return Document("d", "T", "zh", "txt", units)


def test_subitem_chunk_carries_heading_path_and_lead_in_but_quote_stays_verbatim():
    lead = Unit("d", "16", "paragraph", "2013 年，工作组建议：", ("三. 背景", "先前的审议情况"))
    item = Unit("d", "16(e)", "subitem", "禁止向雇员收取征聘费；", ("三. 背景", "先前的审议情况"), parent="16")
    chunks = chunk_document(_doc(lead, item))
    assert [c.unit_id for c in chunks] == ["16", "16(e)"]
    assert chunks[1].embed_text == "三. 背景 > 先前的审议情况\n2013 年，工作组建议：\n禁止向雇员收取征聘费；"
    assert item.text == "禁止向雇员收取征聘费；"


def test_long_unit_is_windowed_and_every_window_keeps_the_citation_id():
    text = "".join(f"第{i}句话说明了预防措施的一个方面。" for i in range(60))
    unit = Unit("d", "7", "paragraph", text, ("一. 导言",))
    chunks = chunk_document(_doc(unit), count_tokens=len, max_tokens=120)
    assert len(chunks) > 1
    assert {c.unit_id for c in chunks} == {"7"}
    assert [c.window for c in chunks] == list(range(len(chunks)))
    assert all(len(c.embed_text) <= 120 for c in chunks)
    # the windows together hold the whole text, in order
    assert "".join(c.embed_text.split("\n", 1)[1] for c in chunks) == text


def test_sentences_split_in_several_scripts():
    assert split_sentences("第一句。第二句；第三句") == ["第一句。", "第二句；", "第三句"]
    assert split_sentences("One. Two? Three") == ["One.", "Two?", "Three"]
    assert split_sentences("出售品编号：E.04.V.17 (Part II)。下一句") == ["出售品编号：E.04.V.17 (Part II)。", "下一句"]
