from gmail_core import dify, labels, render


class ListLabelsTool(dify.GmailTool):
    def run(self, p: dict) -> dify.Messages:
        found, without_counts = labels.list_labels_with_counts(self.gmail())
        yield from self.answer(
            render.labels_text(found, without_counts),
            {"labels": [render.label_dict(lbl) for lbl in found], "count": len(found)},
        )
