"""The lexical side of retrieval: BM25 (bm25s) over jieba tokens.

Chinese is normalised to Simplified (OpenCC t2s) so a Traditional-Chinese question
matches the Simplified paper; Latin, Cyrillic and Arabic text is split into words.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import tempfile
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from assistant.core.text import HAN, HAN_CHAR

# Han runs go to jieba; any other run of letters or digits is a word ("A/HRC/41/46" stays one).
_WORD = f"[^\\W_{HAN}]+"
_RUNS = re.compile(f"([{HAN}]+)|({_WORD}(?:[./-]{_WORD})*)", re.UNICODE)

# Question words and particles that say nothing about the topic; BM25's idf would give
# them little weight anyway, but they also break jieba segmentation of short questions.
STOPWORDS = frozenset(
    """的 了 是 在 和 与 及 或 吗 呢 吧 啊 什么 哪些 哪个 哪 怎么 怎样 如何 为什么 是否 有 有没有 请 问 关于 一下
    文件 报告 说 提到 中 对 被 把 这 那 其 该 这些 那些 它 他们 我们 你 么 多少 几
    the a an of to in on for and or is are was were be been what which who whom how why when where does do did
    about with by from that this these those it its as at any can could should would paper document say says
    le la les de des du un une et ou est sont que qui quoi quel quelle quels quelles comment pourquoi dans sur pour par
    el los las del y o es son qué que cuál cuáles cómo por para en con se lo al
    и в во на по с со о об что как какие какой каких для это ли из к у
    في من على إلى عن ما ماذا هل التي الذي و أو مع هذا هذه""".split()
)


@cache
def _t2s() -> Any:
    from opencc import OpenCC

    return OpenCC("t2s")


@cache
def _jieba() -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


@cache
def _bm25s() -> Any:
    import bm25s

    # bm25s logs every build at DEBUG through a handler of its own.
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


_jieba_words_lock = threading.Lock()


@cache
def _pos_tagger() -> Any:
    import jieba.posseg

    # Importing jieba.posseg already read the dictionary's word tags into its default
    # tagger; a POSTokenizer(...) would read the same file again (0.5 s of every start).
    # Ours takes a copy of that table and our own tokenizer (the glossary's words).
    tagger = object.__new__(jieba.posseg.POSTokenizer)
    tagger.tokenizer = _jieba()
    tagger.word_tag_tab = dict(jieba.posseg.dt.word_tag_tab)
    return tagger


def tag(text: str) -> list[tuple[str, str]]:
    """(word, part-of-speech) pairs by jieba: "ns" places, "nr" people, "nt" organisations."""
    return [(pair.word, pair.flag) for pair in _pos_tagger().cut(text)]


def add_words(words: Iterable[str]) -> None:
    """Teach jieba multi-character terms (the glossary's) so they stay one token as well."""
    tokenizer = _jieba()
    with _jieba_words_lock:
        for word in words:
            if len(word) > 1 and HAN_CHAR.search(word):
                tokenizer.add_word(word)


def simplify(text: str) -> str:
    """NFKC, and Traditional Chinese characters to Simplified (the corpus's script)."""
    text = unicodedata.normalize("NFKC", text)
    return _t2s().convert(text) if HAN_CHAR.search(text) else text


def normalise(text: str) -> str:
    return simplify(text).casefold()


def tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    for cjk, word in _RUNS.findall(normalise(text)):
        if cjk:
            tokens.extend(t for t in _jieba().lcut_for_search(cjk) if t not in STOPWORDS)
        elif word not in STOPWORDS:
            tokens.append(word)
    return tokens


#: The files of a saved BM25 index (bm25s's own layout: three .npy arrays and two JSON
#: files, no pickle), named so they sit beside the other files of an index build.
LEXICAL_FILES: dict[str, str] = {
    "data_name": "lexical.data.npy",
    "indices_name": "lexical.indices.npy",
    "indptr_name": "lexical.indptr.npy",
    "vocab_name": "lexical.vocab.json",
    "params_name": "lexical.params.json",
}


def tokenizer_fingerprint(words: Iterable[str]) -> str:
    """What decides how text becomes tokens: a saved index is only valid under the same.

    Query tokens must be made the way the saved passages' tokens were: the stopwords, the
    run pattern, jieba's and OpenCC's versions and the extra words taught to it (the glossary's).
    """
    from importlib.metadata import version

    digest = hashlib.sha256()
    for part in (_RUNS.pattern, version("jieba"), version("opencc-python-reimplemented"), *sorted(STOPWORDS), "\x00", *sorted(set(words))):
        digest.update(part.encode("utf-8") + b"\x00")
    return digest.hexdigest()


class BM25Index:
    """BM25 over a fixed list of texts; ``search`` returns row numbers best first."""

    def __init__(self, retriever: Any, size: int) -> None:
        self._retriever = retriever
        self._size = size

    @classmethod
    def build(cls, texts: Sequence[str]) -> BM25Index:
        """Tokenise every text (jieba: the slow part, minutes at 1M passages) and index."""
        retriever = _bm25s().BM25()
        retriever.index([tokenize(t) or [""] for t in texts], show_progress=False)
        return cls(retriever, len(texts))

    def save(self, directory: Path) -> tuple[str, ...]:
        """Write the index into ``directory`` as plain arrays plus JSON; returns the file names.

        bm25s writes in place, so it writes into a private temporary directory and each
        file is then renamed into ``directory``: a crash leaves no half-written file there.
        """
        tmp = Path(tempfile.mkdtemp(dir=directory, prefix=".lexical."))
        try:
            self._retriever.save(tmp, allow_pickle=False, show_progress=False, **LEXICAL_FILES)
            names = tuple(sorted(p.name for p in tmp.iterdir()))
            for name in names:
                os.replace(tmp / name, directory / name)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return names

    @classmethod
    def load(cls, directory: Path) -> BM25Index:
        """Read a saved index (never a pickle); nothing is tokenised."""
        retriever = _bm25s().BM25.load(directory, allow_pickle=False, mmap=False, show_progress=False, **LEXICAL_FILES)
        size, data = retriever.scores.get("num_docs"), retriever.scores["data"]
        indices, indptr = retriever.scores["indices"], retriever.scores["indptr"]
        # Checksums catch a damaged file; this catches arrays that do not belong together.
        if not (
            isinstance(size, int)
            and size >= 1
            and len(indptr) >= 1
            and int(indptr[-1]) == len(data) == len(indices)
            and (len(indices) == 0 or 0 <= int(indices.min()) <= int(indices.max()) < size)
        ):
            raise ValueError(f"the lexical index in {directory} is inconsistent")
        return cls(retriever, size)

    def __len__(self) -> int:
        return self._size

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        if not query_tokens:
            return np.zeros(self._size, dtype=np.float32)
        return np.asarray(self._retriever.get_scores(query_tokens), dtype=np.float32)

    def search(self, query_tokens: list[str], k: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        scores = self.scores(query_tokens)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        k = min(k, self._size)
        top = np.argpartition(-scores, k - 1)[:k] if k < self._size else np.arange(self._size)
        ranked = sorted(top.tolist(), key=lambda i: -scores[i])
        return [(i, float(scores[i])) for i in ranked if scores[i] > 0]
