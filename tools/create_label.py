from gmail_core import dify, labels, params, render


class CreateLabelTool(dify.GmailTool):
    capability = "labels"

    def run(self, p: dict) -> dify.Messages:
        label = labels.create_label(
            self.gmail(),
            params.required_str(p, "name", max_len=225),
            background_color=params.as_str(p, "background_color").strip(),
            text_color=params.as_str(p, "text_color").strip(),
            show_in_label_list=params.as_choice(
                p,
                "label_list_visibility",
                ("labelShow", "labelShowIfUnread", "labelHide"),
                "labelShow",
            ),
            show_in_message_list=params.as_choice(
                p, "message_list_visibility", ("show", "hide"), "show"
            ),
        )
        yield from self.answer(
            render.label_created_text(label), {"label_id": label.id, "name": label.name}
        )
