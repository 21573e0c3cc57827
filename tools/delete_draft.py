from gmail_core import dify, params, sending


class DeleteDraftTool(dify.GmailTool):
    capability = "compose"

    def run(self, p: dict) -> dify.Messages:
        draft_id = params.required_str(p, "draft_id")
        sending.delete_draft(self.gmail(), draft_id)
        yield self.say(f"Draft {draft_id} deleted.")
        yield from self.variables({"draft_id": draft_id})
