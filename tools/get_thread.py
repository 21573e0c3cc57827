from gmail_core import dify, messages, params, render


class GetThreadTool(dify.GmailTool):
    def run(self, p: dict) -> dify.Messages:
        body_format = params.body_format(p)
        max_chars = params.as_int(p, "max_body_chars", 20000, minimum=0, maximum=1_000_000)
        trim = params.as_bool(p, "trim_quoted", default=True)
        client = self.gmail()
        thread, names = messages.get_thread(client, params.required_str(p, "thread_id"))
        items, shown = [], []
        for m in thread:
            m, body = messages.message_body(
                m, body_format, max_chars, trim=trim and body_format != "html", client=client
            )
            items.append(render.message_full(m, names, body))
            shown.append(m)
        if note := render.notes_summary(shown):
            yield self.say(note)
        yield from self.variables(
            {
                "thread_id": thread[0].thread_id if thread else "",
                "subject": thread[0].subject if thread else "",
                "count": len(items),
                "messages": items,
            }
        )
