from gmail_core import compose, dify


class SendMessageTool(dify.GmailTool):
    capability = "send"
    instead_of_sending = (
        "Save it as a draft with create_draft instead (same parameters): a person sends it "
        "from Gmail."
    )

    def run(self, p: dict) -> dify.Messages:
        fields = compose.fields_from_params(p, to_required=True)
        client = self.gmail()
        files = dify.attachments_from_files(p.get("attachments"))
        sent = compose.send_new(client, fields, files)
        yield from self.written(
            client,
            sent,
            ("message_id", "thread_id", "message_id_header", "from"),
            to=fields.to or "",
        )
