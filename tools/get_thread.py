from collections.abc import Sequence
from typing import Any

from gmail_core import dify, messages, params, render


class GetThreadTool(dify.GmailTool):
    def run(self, p: dict) -> dify.Messages:
        body_format = params.body_format(p)
        max_chars = params.as_int(p, "max_body_chars", 20000, minimum=0, maximum=1_000_000)
        trim = params.as_bool(p, "trim_quoted", default=True)
        allowance = params.attachment_text(p)
        client = self.gmail()
        found, names = messages.get_thread(client, params.required_str(p, "thread_id"))
        # Converted off the event loop; a body that fails costs only itself (with a note).
        read = [
            messages.message_body(
                m, body_format, max_chars, trim=trim and body_format != "html", client=client
            )
            for m in found
        ]
        thread = [m for m, _ in read]
        bodies = [body for _, body in read]
        # One allowance for the whole thread: its characters and files are shared by all.
        texts = [
            messages.read_attachment_texts(client, m.id, list(m.attachments), allowance)
            if allowance
            else []
            for m in thread
        ]

        def rendered(shown: Sequence[str]) -> tuple[str, dict[str, Any]]:
            return render.thread_text(thread, names, shown, body_format, texts), {
                "thread_id": thread[0].thread_id if thread else "",
                "subject": thread[0].subject if thread else "",
                "count": len(thread),
                "messages": [
                    {
                        **render.message_full(m, names, body),
                        "attachment_texts": render.attachment_text_dicts(read_texts),
                    }
                    for m, body, read_texts in zip(thread, shown, texts, strict=True)
                ],
            }

        yield from self.answer_bodies(
            bodies,
            rendered,
            lambda i: f"read it alone with get_message (message_id {thread[i].id})",
        )
