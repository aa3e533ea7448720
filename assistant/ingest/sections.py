"""Split a document without numbered paragraphs at its headings into citable passages.

Ids are positional and say where a passage is: ``s2.p3`` is the third passage after the
second heading; ``s0.p1`` is the first passage before any heading. They are stable as long
as the file is unchanged, which is all a citation into a user's own file needs. Long
passages stay whole: windowing them for the model is the chunker's job, and a citation
must point at text the reader can find in the source.
"""

from __future__ import annotations

from collections.abc import Iterable

from assistant.core.records import Unit
from assistant.core.text import join_lines
from assistant.ingest.readers import Block


def split_sections(blocks: Iterable[Block], doc_id: str) -> tuple[Unit, ...]:
    """Passages (kind ``"passage"``) with ``section`` = the heading path above them.

    Every heading, whatever its level, starts a new section number; the heading path keeps
    the enclosing higher-level headings (an ``h3`` under an ``h2`` lists both).
    """
    units: list[Unit] = []
    path: list[tuple[int, str]] = []  # (level, heading text)
    section_no = 0
    passage_no = 0
    for block in blocks:
        text = block.text.strip()
        if not text:
            continue
        if block.kind == "heading":
            level = max(1, block.level)
            while path and path[-1][0] >= level:
                path.pop()
            path.append((level, join_lines(text.split("\n"))))
            section_no += 1
            passage_no = 0
            continue
        passage_no += 1
        units.append(
            Unit(
                doc_id=doc_id,
                unit_id=f"s{section_no}.p{passage_no}",
                kind="passage",
                text=join_lines(text.split("\n")),
                section=tuple(h for _, h in path),
                order=len(units),
            )
        )
    return tuple(units)
