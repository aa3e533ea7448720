"""Passages to an answer: the question analysed, sentences chosen, facts, refusals, the service."""
