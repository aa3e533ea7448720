"""Documents in: readers per format, structure into numbered units, language, the corpus manifest."""
