"""The TTS service's Python client: it drives a stdio service it spawns, or an HTTP server.

| module | its one job |
|---|---|
| ``client`` | ``TTSClient``: spawn, match answers, recover from crashes, pool; or HTTP |
| ``payloads`` | what it sends to synthesize, and what it gets back |
| ``process`` | one service child process, seen from the client |
| ``slots`` | one place in the pool: its process, respawned with a backoff |
| ``chunk_events`` | chunk events with audio turned back into engine chunks |
| ``http_client`` | the client's HTTP transport |
| ``remote`` | ``RemoteEngine``: render and preview on an HTTP server |
| ``pieces`` | a scene longer than one service request, sent in pieces |

It speaks the contract in ``studio.protocol`` and imports no server: the service is a separate
process (``python -m studio.service``) or a server at a URL.
"""
