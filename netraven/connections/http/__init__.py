"""Devices reached through an HTTP API: eAPI (JSON-RPC) and RESTCONF, over httpx.

Layers, bottom up: ``options`` (inventory keys, no httpx), ``client`` (httpx, TLS, auth,
retries, the error boundary), ``eapi`` and ``restconf`` (the two protocols), ``connection``
(the ``http`` connection kind), ``api`` (what the engine may ask of it beyond the CLI).
"""
