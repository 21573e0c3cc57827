from gmail_core import compose, dify, params


class SendMessageTool(dify.GmailTool):
    capability = "send"

    def run(self, p: dict) -> dify.Messages:
        fields = compose.Draft(
            to=params.required_str(p, "to", max_len=100_000),
            cc=params.optional_str(p, "cc", max_len=100_000),
            bcc=params.optional_str(p, "bcc", max_len=100_000),
            subject=params.as_str(p, "subject", max_len=2000),
            body=params.as_str(p, "body", max_len=5_000_000),
            body_format=params.body_format(p),
            reply_to=params.optional_str(p, "reply_to", max_len=10_000),
        )
        client = self.gmail()
        files = dify.attachments_from_files(p.get("attachments"))
        sent = compose.send_new(client, fields, files)
        yield self.create_text_message(f"Sent. Message ID: {sent.message_id}")
        yield from self.variables(
            {
                "message_id": sent.message_id,
                "thread_id": sent.thread_id,
                "message_id_header": sent.message_id_header,
            }
        )
