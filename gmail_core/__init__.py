"""Shared core of the Gmail plugin: HTTP, OAuth, MIME reading/writing, rendering.

Nothing here imports ``dify_plugin`` except ``gmail_core.dify`` (the single place that
turns core errors into the SDK's exception types).
"""
