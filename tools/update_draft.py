from gmail_core import compose, dify, params


class UpdateDraftTool(dify.GmailTool):
    capability = "compose"

    def run(self, p: dict) -> dify.Messages:
        draft_id = params.required_str(p, "draft_id")
        fields = compose.Draft(
            to=params.optional_str(p, "to", max_len=100_000),
            cc=params.optional_str(p, "cc", max_len=100_000),
            bcc=params.optional_str(p, "bcc", max_len=100_000),
            subject=params.optional_str(p, "subject", max_len=2000),
            body=params.optional_str(p, "body", max_len=5_000_000),
            body_format=params.body_format(p),
            reply_to=params.optional_str(p, "reply_to", max_len=10_000),
        )
        client = self.gmail()
        given = p.get("attachments")
        files = dify.attachments_from_files(given) if given else None
        done = compose.update_draft(client, draft_id, fields, files)
        yield self.create_text_message(f"Draft {done.draft_id} updated.")
        yield from self.variables(
            {"draft_id": done.draft_id, "message_id": done.message_id, "thread_id": done.thread_id}
        )
