from gmail_core import compose, dify, params


class CreateDraftTool(dify.GmailTool):
    capability = "compose"

    def run(self, p: dict) -> dify.Messages:
        fields = compose.Draft(
            to=params.optional_str(p, "to", max_len=100_000),
            cc=params.optional_str(p, "cc", max_len=100_000),
            bcc=params.optional_str(p, "bcc", max_len=100_000),
            subject=params.as_str(p, "subject", max_len=2000),
            body=params.as_str(p, "body", max_len=5_000_000),
            body_format=params.body_format(p),
            reply_to=params.optional_str(p, "reply_to", max_len=10_000),
        )
        client = self.gmail()
        done = compose.create_draft(
            client, fields, dify.attachments_from_files(p.get("attachments"))
        )
        yield self.create_text_message(f"Draft created. Draft ID: {done.draft_id}")
        yield from self.variables(
            {"draft_id": done.draft_id, "message_id": done.message_id, "thread_id": done.thread_id}
        )
