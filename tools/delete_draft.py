from gmail_core import dify, params, render, sending


class DeleteDraftTool(dify.GmailTool):
    capability = "compose"

    def run(self, p: dict) -> dify.Messages:
        draft_id = params.required_str(p, "draft_id")
        sending.delete_draft(self.gmail(), draft_id)
        yield from self.answer(render.draft_deleted_text(draft_id), {"draft_id": draft_id})
