"""The TTS service face: the servers of the seed's JSON-lines contract (``studio.protocol``).

| module | its one job |
|---|---|
| ``stdio`` | the service loop on stdin/stdout (``narration-studio serve``) |
| ``lines`` | the stdio wire: bounded request lines in, whole answer lines out |
| ``usage`` | what the ``metrics`` action reports: counters and memory |
| ``shared_answers`` | answers both servers give alike: voices, a request's direction |
| ``confined`` | writes confined to the audio root |
| ``http`` | ``serve --http``: the FastAPI app and its server |
| ``dispatch`` | the HTTP server's bridge to the worker pool: queue, deadlines, loading state |
| ``http_guard`` | token, body limit and body deadline, in front of the app |
| ``http_metrics`` | ``GET /metrics`` in the Prometheus text format |
| ``openai_api`` | ``POST /v1/audio/speech``, OpenAI's speech endpoint |
| ``openai_body`` | its request body: a pydantic model, checked into our terms |

The HTTP server's workers are stdio services in a ``studio.client`` pool (``dispatch``).
"""
