"""The answer-quality suite: a question set run through ``Assistant.ask``, then scored.

Like sentence-transformers' ``InformationRetrievalEvaluator`` for the ranking metrics,
plus what an answering assistant adds: citations, verbatim quotes, refusals, languages.
One module per job:

- :mod:`~assistant.evaluation.dataset`: the set (``evals/README.md``), parsed and checked;
- :mod:`~assistant.evaluation.scoring`: one answer scored, with the per-item facts the metrics use;
- :mod:`~assistant.evaluation.ranking`: hit@k, MRR, nDCG, recall over one ranking;
- :mod:`~assistant.evaluation.metrics`: every metric over a slice of results;
- :mod:`~assistant.evaluation.gate`: the CI gate's floors and ceilings;
- :mod:`~assistant.evaluation.baseline`: the plain LangChain recipe at an equal budget;
- :mod:`~assistant.evaluation.run`: a whole run and its ``results.json``;
- :mod:`~assistant.evaluation.compare`: two runs side by side;
- :mod:`~assistant.evaluation.report`: Markdown and HTML pages with charts.
"""
