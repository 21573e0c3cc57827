from gmail_core import compose, dify, params, render


class ForwardMessageTool(dify.GmailTool):
    capability = "send"

    def run(self, p: dict) -> dify.Messages:
        to = params.required_str(p, "to", max_len=100_000)
        done = compose.forward(
            self.gmail(),
            params.required_str(p, "message_id"),
            to=to,
            cc=params.optional_str(p, "cc", max_len=100_000),
            bcc=params.optional_str(p, "bcc", max_len=100_000),
            note=params.as_str(p, "note", max_len=1_000_000),
            body_format=params.body_format(p),
            include_attachments=params.as_bool(p, "include_attachments", default=True),
        )
        yield from self.answer(
            render.sent_text(done.message_id, done.thread_id, what="Forwarded", to=to),
            {
                "message_id": done.message_id,
                "thread_id": done.thread_id,
                "message_id_header": done.message_id_header,
            },
        )
