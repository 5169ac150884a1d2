"""The TTS service face: the seed's JSON-lines contract, the loop that serves it, and its client.

| module | its one job |
|---|---|
| ``protocol`` | the contract: parse requests, build answers, typed errors (pure, no I/O) |
| ``stdio`` | the service loop on stdin/stdout (``narration-studio serve``) |
| ``process`` | one service child process, seen from the client |
| ``client`` | ``TTSClient``: spawn, match answers, recover from crashes, pool |
"""
