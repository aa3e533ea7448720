"""Units to vectors: chunking, embeddings and their cache, the index build and load, vector stores."""
