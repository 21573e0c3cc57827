from gmail_core import compose, dify


class CreateDraftTool(dify.GmailTool):
    capability = "compose"

    def run(self, p: dict) -> dify.Messages:
        fields = compose.fields_from_params(p)
        client = self.gmail()
        done = compose.create_draft(
            client, fields, dify.attachments_from_files(p.get("attachments"))
        )
        yield from self.written(
            client,
            done,
            ("draft_id", "message_id", "thread_id", "from"),
            draft=True,
            saved="Draft created",
        )
