from gmail_core import dify, params, sending


class SendDraftTool(dify.GmailTool):
    capability = "send"

    def run(self, p: dict) -> dify.Messages:
        draft_id = params.required_str(p, "draft_id")
        sent = sending.send_draft(self.gmail(), draft_id)
        message_id = str(sent.get("id", ""))
        yield self.say(f"Draft {draft_id} sent. Message ID: {message_id}")
        yield from self.variables(
            {
                "message_id": message_id,
                "thread_id": str(sent.get("threadId", "")),
                "draft_id": draft_id,
            }
        )
