from gmail_core import dify, labels, render


class ListLabelsTool(dify.GmailTool):
    def run(self, p: dict) -> dify.Messages:
        found, without_counts = labels.list_labels_with_counts(self.gmail())
        if without_counts:
            yield self.say(
                "Counts could not be fetched for: " + ", ".join(without_counts) + " (try again)."
            )
        yield from self.variables(
            {"labels": [render.label_dict(lbl) for lbl in found], "count": len(found)}
        )
