from gmail_core import dify, organize, params, render


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
        change = organize.resolve_labels(
            client, add, remove, create_missing=params.as_bool(p, "create_missing_labels")
        )
        organize.modify(client, ids, change.add_ids, change.remove_ids)
        yield from self.answer(
            render.modified_text(
                ids,
                [change.names[i] for i in change.add_ids],
                [change.names[i] for i in change.remove_ids],
                change.created,
            ),
            {
                "message_ids": ids,
                "count": len(ids),
                "added_label_ids": change.add_ids,
                "removed_label_ids": change.remove_ids,
                "created_labels": change.created,
            },
        )
