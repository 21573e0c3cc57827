from gmail_core import compose, dify, params


class ReplyToMessageTool(dify.GmailTool):
    capability = "send"
    instead_of_sending = (
        "Call reply_to_message again with as_draft=true: the reply is saved as a draft in its "
        "thread for a person to send."
    )

    def run(self, p: dict) -> dify.Messages:
        as_draft = params.as_bool(p, "as_draft")
        client = self.gmail("compose" if as_draft else "send")
        done = compose.reply(
            client,
            params.required_str(p, "message_id"),
            body=params.as_str(p, "body", max_len=5_000_000),
            body_format=params.body_format(p),
            reply_all=params.as_bool(p, "reply_all"),
            quote_original=params.as_bool(p, "quote_original", default=True),
            as_draft=as_draft,
            attachments=dify.attachments_from_files(p.get("attachments")),
            send_as=compose.send_as_param(p),
            signature=compose.signature_param(p),
        )
        yield from self.written(
            client,
            done,
            ("message_id", "thread_id", "message_id_header", "draft_id", "to", "from"),
            draft=as_draft,
            sent="Reply sent",
            saved="Reply saved as a draft",
            to=done.to,
        )
