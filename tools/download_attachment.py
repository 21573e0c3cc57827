from gmail_core import dify, messages, params, render
from gmail_core.errors import GmailError, InvalidInputError
from gmail_core.reading import find_attachment


class DownloadAttachmentTool(dify.GmailTool):
    def run(self, p: dict) -> dify.Messages:
        allowance = params.attachment_text(p)
        client = self.gmail()
        # No body is shown: body parts Gmail sends apart are not fetched.
        message, _ = messages.get_message(
            client, params.required_str(p, "message_id"), bodies=False
        )
        if not message.attachments:
            # Not read (its parts not walked): its files may be there all the same.
            unread = [n for n in message.notes if n.startswith(messages.UNREAD_NOTE_PREFIXES)]
            if unread:
                raise GmailError(
                    f"{' '.join(unread)} Its attachments could not be listed: download them "
                    "in Gmail."
                )
            raise InvalidInputError(
                "This message has no attachments (inline images are not attachments)."
            )
        chosen = find_attachment(message, params.as_str(p, "attachment", max_len=5000).strip())
        values = {"attachments": [render.attachment_dict(a) for a in chosen], "count": len(chosen)}
        if allowance:
            # Text instead of files: what an agent can read (a file fails an Agent node).
            texts = messages.read_attachment_texts(client, message.id, chosen, allowance)
            yield from self.answer(
                render.attachment_texts_text(message.id, texts),
                {**values, "attachment_texts": render.attachment_text_dicts(texts)},
            )
            return
        # The text first, then one file at a time (each up to 30 MB): a download that fails
        # midway fails the whole call, so the text never stands for files that did not come.
        yield from self.answer(
            render.attachments_text(message.id, chosen), {**values, "attachment_texts": []}
        )
        for att, data in messages.iter_attachments(client, message.id, chosen):
            yield self.create_blob_message(
                data, meta={"filename": att.filename, "mime_type": att.mime_type}
            )
