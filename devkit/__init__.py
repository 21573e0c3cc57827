"""Developer tools shipped in the repository but not in the plugin package (.difyignore).

- ``fakegoogle``: a local stand-in for Gmail API v1 and Google's OAuth endpoints (127.0.0.1).
- ``plugin_process``: runs the plugin exactly as Dify's daemon does (``python -m main``, stdio).

Tests, benchmarks and the try-it command all use these; the plugin itself never imports them.
"""
