from gmail_core import dify, organize, params


class UntrashMessagesTool(dify.GmailTool):
    capability = "modify"

    def run(self, p: dict) -> dify.Messages:
        ids = organize.message_ids(params.as_list(p, "message_ids"))
        done = organize.trash(self.gmail(), ids, restore=True)
        yield self.say(f"Restored from Trash: {len(done)} message(s).")
        yield from self.variables({"message_ids": done, "count": len(done)})
