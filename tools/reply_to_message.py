from gmail_core import compose, dify, params, render


class ReplyToMessageTool(dify.GmailTool):
    capability = "send"

    def run(self, p: dict) -> dify.Messages:
        as_draft = params.as_bool(p, "as_draft")
        client = self.gmail()
        if as_draft:
            client.capability = "compose"  # a draft needs compose; compose.reply checks it
        done = compose.reply(
            client,
            params.required_str(p, "message_id"),
            body=params.as_str(p, "body", max_len=5_000_000),
            body_format=params.body_format(p),
            reply_all=params.as_bool(p, "reply_all"),
            quote_original=params.as_bool(p, "quote_original", default=True),
            as_draft=as_draft,
            attachments=dify.attachments_from_files(p.get("attachments")),
        )
        if as_draft:
            text = render.draft_saved_text(
                done.draft_id,
                done.message_id,
                done.thread_id,
                what="Reply saved as a draft",
                to=done.to,
            )
        else:
            text = render.sent_text(done.message_id, done.thread_id, what="Reply sent", to=done.to)
        yield from self.answer(
            text,
            {
                "message_id": done.message_id,
                "thread_id": done.thread_id,
                "message_id_header": done.message_id_header,
                "draft_id": done.draft_id,
                "to": done.to,
            },
        )
