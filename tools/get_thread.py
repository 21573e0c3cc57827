from gmail_core import dify, messages, params, render
from gmail_core.reading import body_for, trim_quoted, truncate


class GetThreadTool(dify.GmailTool):
    def run(self, p: dict) -> dify.Messages:
        body_format = params.body_format(p)
        max_chars = params.as_int(p, "max_body_chars", 20000, minimum=0, maximum=1_000_000)
        trim = params.as_bool(p, "trim_quoted", default=True)
        allowance = params.attachment_text(p)
        client = self.gmail()
        thread, names = messages.get_thread(client, params.required_str(p, "thread_id"))
        bodies = []
        for m in thread:
            body = body_for(m, body_format, 0)
            if trim and body_format != "html":
                body = trim_quoted(body)
            bodies.append(truncate(body, max_chars))
        # One allowance for the whole thread: its characters and files are shared by all.
        texts = [
            messages.read_attachment_texts(client, m.id, list(m.attachments), allowance)
            if allowance
            else []
            for m in thread
        ]
        yield from self.answer(
            render.thread_text(thread, names, bodies, body_format, texts),
            {
                "thread_id": thread[0].thread_id if thread else "",
                "subject": thread[0].subject if thread else "",
                "count": len(thread),
                "messages": [
                    {
                        **render.message_full(m, names, body),
                        "attachment_texts": render.attachment_text_dicts(found),
                    }
                    for m, body, found in zip(thread, bodies, texts, strict=True)
                ],
            },
        )
