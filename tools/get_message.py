from gmail_core import dify, messages, params, render


class GetMessageTool(dify.GmailTool):
    def run(self, p: dict) -> dify.Messages:
        body_format = params.body_format(p)
        max_chars = params.as_int(p, "max_body_chars", 20000, minimum=0, maximum=1_000_000)
        download = params.as_bool(p, "download_attachments")
        allowance = params.attachment_text(p)
        trim = params.as_bool(p, "trim_quoted")
        client = self.gmail()
        message, names = messages.get_message(client, params.required_str(p, "message_id"))
        if download:
            messages.check_dify_file_limit(list(message.attachments))
        message, body = messages.message_body(
            message, body_format, max_chars, trim=trim, client=client
        )
        texts = (
            messages.read_attachment_texts(client, message.id, list(message.attachments), allowance)
            if allowance
            else []
        )
        yield from self.answer_bodies(
            [body],
            lambda shown: (
                render.message_text(message, names, shown[0], body_format, texts),
                {
                    **render.message_full(message, names, shown[0]),
                    "attachment_texts": render.attachment_text_dicts(texts),
                },
            ),
            lambda _: (
                "open the message in Gmail"
                + (
                    ", or read it as body_format markdown or text (smaller)"
                    if body_format == "html"
                    else ""
                )
            ),
        )
        if download and message.attachments:
            for att, data in messages.iter_attachments(
                client, message.id, list(message.attachments)
            ):
                yield self.create_blob_message(
                    data, meta={"filename": att.filename, "mime_type": att.mime_type}
                )
