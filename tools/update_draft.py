from gmail_core import compose, dify, params


class UpdateDraftTool(dify.GmailTool):
    capability = "compose"

    def run(self, p: dict) -> dify.Messages:
        draft_id = params.required_str(p, "draft_id")
        fields = compose.fields_from_params(p, keep_unset=True)
        client = self.gmail()
        given = p.get("attachments")
        files = dify.attachments_from_files(given) if given else None
        done = compose.update_draft(client, draft_id, fields, files)
        yield from self.written(
            client,
            done,
            ("draft_id", "message_id", "thread_id", "from"),
            draft=True,
            saved="Draft updated",
        )
