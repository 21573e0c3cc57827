from gmail_core import dify, organize, params, render


class UntrashMessagesTool(dify.GmailTool):
    capability = "modify"

    def run(self, p: dict) -> dify.Messages:
        ids = organize.message_ids(params.as_list(p, "message_ids"))
        done = organize.trash(self.gmail(), ids, restore=True)
        yield from self.answer(
            render.trashed_text(done, restore=True), {"message_ids": done, "count": len(done)}
        )
