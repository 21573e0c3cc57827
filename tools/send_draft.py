from gmail_core import dify, params, render, sending


class SendDraftTool(dify.GmailTool):
    capability = "send"
    instead_of_sending = "The draft stays in Drafts: a person sends it from Gmail."

    def run(self, p: dict) -> dify.Messages:
        draft_id = params.required_str(p, "draft_id")
        sent, from_ = sending.send_draft(self.gmail(), draft_id)
        message_id = str(sent.get("id", ""))
        thread_id = str(sent.get("threadId", ""))
        yield from self.answer(
            render.draft_sent_text(draft_id, message_id, thread_id, from_=from_),
            {"message_id": message_id, "thread_id": thread_id, "draft_id": draft_id},
        )
