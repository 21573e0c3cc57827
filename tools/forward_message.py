from gmail_core import compose, dify, params, render


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
        if as_draft:
            text = render.draft_saved_text(
                done.draft_id,
                done.message_id,
                done.thread_id,
                what="Forward saved as a draft",
                to=to,
                from_=done.from_,
                send_hint=client.allows("send"),
            )
        else:
            text = render.sent_text(
                done.message_id, done.thread_id, what="Forwarded", to=to, from_=done.from_
            )
        yield from self.answer(
            text,
            {
                "message_id": done.message_id,
                "thread_id": done.thread_id,
                "message_id_header": done.message_id_header,
                "draft_id": done.draft_id,
                "from": done.from_,
            },
        )
