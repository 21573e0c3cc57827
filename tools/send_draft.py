from gmail_core import dify, params, render, sending


class SendDraftTool(dify.GmailTool):
    capability = "send"

    def run(self, p: dict) -> dify.Messages:
        draft_id = params.required_str(p, "draft_id")
        sent = sending.send_draft(self.gmail(), draft_id)
        message_id = str(sent.get("id", ""))
        thread_id = str(sent.get("threadId", ""))
        yield from self.answer(
            render.draft_sent_text(draft_id, message_id, thread_id),
            {"message_id": message_id, "thread_id": thread_id, "draft_id": draft_id},
        )
