from gmail_core import dify, organize, params
from gmail_core.errors import InvalidInputError


class TrashMessagesTool(dify.GmailTool):
    capability = "modify"

    def run(self, p: dict) -> dify.Messages:
        ids = organize.message_ids(params.as_list(p, "message_ids"))
        failed = organize.trash(self.gmail(), ids, restore=False)
        done = [i for i in ids if i not in failed]
        if failed:
            reasons = "; ".join(f"{i}: {why}" for i, why in list(failed.items())[:10])
            raise InvalidInputError(f"Moved to Trash: {len(done)} of {len(ids)}. Failed: {reasons}")
        yield self.create_text_message(f"Moved to Trash: {len(done)} message(s).")
        yield from self.variables({"message_ids": done, "count": len(done)})
