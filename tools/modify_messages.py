from gmail_core import dify, organize, params


class ModifyMessagesTool(dify.GmailTool):
    capability = "modify"

    def run(self, p: dict) -> dify.Messages:
        ids = organize.message_ids(params.as_list(p, "message_ids"))
        add, remove = organize.shortcut_labels(
            {name: params.as_bool(p, name) for name in organize.SHORTCUTS}
        )
        add += params.as_list(p, "add_labels", split_spaces=False)
        remove += params.as_list(p, "remove_labels", split_spaces=False)
        client = self.gmail()
        add_ids, remove_ids, created = organize.resolve_labels(
            client, add, remove, create_missing=params.as_bool(p, "create_missing_labels")
        )
        organize.modify(client, ids, add_ids, remove_ids)
        yield self.say(f"Changed {len(ids)} message(s).")
        yield from self.variables(
            {
                "message_ids": ids,
                "count": len(ids),
                "added_label_ids": add_ids,
                "removed_label_ids": remove_ids,
                "created_labels": created,
            }
        )
