"""The TTS service face: the seed's JSON-lines contract, the loop that serves it, and its client.

| module | its one job |
|---|---|
| ``protocol`` | the contract: parse requests, build answers, typed errors (pure, no I/O) |
| ``stdio`` | the service loop on stdin/stdout (``narration-studio serve``) |
| ``process`` | one service child process, seen from the client |
| ``client`` | ``TTSClient``: spawn, match answers, recover from crashes, pool; or HTTP |
| ``http_client`` | the client's HTTP transport |
| ``http`` | ``serve --http``: the FastAPI app and its server |
| ``dispatch`` | the HTTP server's bridge to the worker pool: queue, deadlines, loading state |
| ``http_guard`` | token, body limit and body deadline, in front of the app |
| ``http_metrics`` | ``GET /metrics`` in the Prometheus text format |
| ``openai_api`` | ``POST /v1/audio/speech``, OpenAI's speech endpoint |
| ``remote`` | ``RemoteEngine``: render and preview on an HTTP server |
"""
