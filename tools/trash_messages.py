from gmail_core import dify, organize, params, render


class TrashMessagesTool(dify.GmailTool):
    capability = "modify"

    def run(self, p: dict) -> dify.Messages:
        ids = organize.message_ids(params.as_list(p, "message_ids"))
        done = organize.trash(self.gmail(), ids, restore=False)
        yield from self.answer(
            render.trashed_text(done, restore=False), {"message_ids": done, "count": len(done)}
        )
