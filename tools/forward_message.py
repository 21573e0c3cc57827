from gmail_core import compose, dify, params


class ForwardMessageTool(dify.GmailTool):
    capability = "send"
    instead_of_sending = (
        "Call forward_message again with as_draft=true: the forward is saved as a draft for a "
        "person to send."
    )

    def run(self, p: dict) -> dify.Messages:
        to = params.required_str(p, "to", max_len=100_000)
        as_draft = params.as_bool(p, "as_draft")
        client = self.gmail("compose" if as_draft else "send")
        done = compose.forward(
            client,
            params.required_str(p, "message_id"),
            to=to,
            cc=params.optional_str(p, "cc", max_len=100_000),
            bcc=params.optional_str(p, "bcc", max_len=100_000),
            note=params.as_str(p, "note", max_len=1_000_000),
            body_format=params.body_format(p),
            include_attachments=params.as_bool(p, "include_attachments", default=True),
            as_draft=as_draft,
            send_as=compose.send_as_param(p),
            signature=compose.signature_param(p),
        )
        yield from self.written(
            client,
            done,
            ("message_id", "thread_id", "message_id_header", "draft_id", "from"),
            draft=as_draft,
            sent="Forwarded",
            saved="Forward saved as a draft",
            to=to,
        )
