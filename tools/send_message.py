from gmail_core import compose, dify, render


class SendMessageTool(dify.GmailTool):
    capability = "send"

    def run(self, p: dict) -> dify.Messages:
        fields = compose.fields_from_params(p, to_required=True)
        client = self.gmail()
        files = dify.attachments_from_files(p.get("attachments"))
        sent = compose.send_new(client, fields, files)
        yield from self.answer(
            render.sent_text(sent.message_id, sent.thread_id, to=fields.to or ""),
            {
                "message_id": sent.message_id,
                "thread_id": sent.thread_id,
                "message_id_header": sent.message_id_header,
            },
        )
