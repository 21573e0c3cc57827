from gmail_core import dify, messages, params, render
from gmail_core.reading import body_for, trim_quoted, truncate


class GetThreadTool(dify.GmailTool):
    def run(self, p: dict) -> dify.Messages:
        body_format = params.body_format(p)
        max_chars = params.as_int(p, "max_body_chars", 20000, minimum=0, maximum=1_000_000)
        trim = params.as_bool(p, "trim_quoted", default=True)
        thread, names = messages.get_thread(self.gmail(), params.required_str(p, "thread_id"))
        bodies = []
        for m in thread:
            body = body_for(m, body_format, 0)
            if trim and body_format != "html":
                body = trim_quoted(body)
            bodies.append(truncate(body, max_chars))
        yield from self.answer(
            render.thread_text(thread, names, bodies, body_format),
            {
                "thread_id": thread[0].thread_id if thread else "",
                "subject": thread[0].subject if thread else "",
                "count": len(thread),
                "messages": [
                    render.message_full(m, names, body)
                    for m, body in zip(thread, bodies, strict=True)
                ],
            },
        )
