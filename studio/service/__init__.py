"""The TTS service face: the servers of the seed's JSON-lines contract (``studio.protocol``).

| module | its one job |
|---|---|
| ``stdio`` | the service loop on stdin/stdout (``narration-studio serve``) |
| ``confined`` | writes confined to the audio root |
| ``http`` | ``serve --http``: the FastAPI app and its server |
| ``dispatch`` | the HTTP server's bridge to the worker pool: queue, deadlines, loading state |
| ``http_guard`` | token, body limit and body deadline, in front of the app |
| ``http_metrics`` | ``GET /metrics`` in the Prometheus text format |
| ``openai_api`` | ``POST /v1/audio/speech``, OpenAI's speech endpoint |

The HTTP server's workers are stdio services in a ``studio.client`` pool (``dispatch``).
"""
