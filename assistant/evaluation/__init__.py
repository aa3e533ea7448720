"""The answer-quality suite: the set, scoring, metrics, the gate, runs and reports."""
