from gmail_core import compose, dify, render


class CreateDraftTool(dify.GmailTool):
    capability = "compose"

    def run(self, p: dict) -> dify.Messages:
        fields = compose.fields_from_params(p)
        client = self.gmail()
        done = compose.create_draft(
            client, fields, dify.attachments_from_files(p.get("attachments"))
        )
        yield from self.answer(
            render.draft_saved_text(
                done.draft_id, done.message_id, done.thread_id, what="Draft created"
            ),
            {"draft_id": done.draft_id, "message_id": done.message_id, "thread_id": done.thread_id},
        )
