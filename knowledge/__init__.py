"""Knowledge library: articles, embeddings, hybrid search. No Rasa, no Sanic imports."""
