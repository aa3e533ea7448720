"""Question to ranked passages: lexical (BM25) and dense search fused, glossary, conversation."""
