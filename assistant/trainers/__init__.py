"""Trainers' tools: briefs, quizzes with answer keys, transcripts, their export."""
