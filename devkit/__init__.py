"""Developer tools shipped in the repository but not in the plugin package (.difyignore).

- ``fakegoogle``: a local stand-in for Gmail API v1 and Google's OAuth endpoints (127.0.0.1).
- ``plugin_process``: runs the plugin exactly as Dify's daemon does (``python -m main``, stdio).
- ``dify_views``: what each of Dify's readers gets from a tool's messages.
- ``tryout`` (``make try``), with ``sample_mailbox``, ``loopback`` (the OAuth redirect
  listener) and ``file_service`` (a stand-in for Dify's file service).

Tests, benchmarks and the try-it command all use these; the plugin itself never imports them.
"""
