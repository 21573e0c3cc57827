from gmail_core import dify, messages, params, render


class SearchMessagesTool(dify.GmailTool):
    def run(self, p: dict) -> dify.Messages:
        include_body = params.as_bool(p, "include_body")
        client = self.gmail()
        result = messages.search(
            client,
            query=params.as_str(p, "query", max_len=2000),
            max_results=params.as_int(p, "max_results", 20, minimum=1, maximum=500),
            include_body=include_body,
            label_names=params.as_list(p, "label", split_spaces=False),
            page_token=params.as_str(p, "page_token", max_len=500).strip(),
            include_spam_trash=params.as_bool(p, "include_spam_trash"),
        )
        items, shown = [], []
        for m in result.messages:
            body = ""
            if include_body:
                m, body = messages.message_body(m, "text", 4000, client=client)
            item = render.message_summary(m, result.label_names)
            if include_body:
                item["body"] = body
            items.append(item)
            shown.append(m)
        yield self.say(
            render.search_summary(len(items), result.next_page_token, result.failed, shown)
        )
        yield from self.variables(
            {
                "messages": items,
                "count": len(items),
                "next_page_token": result.next_page_token,
                "failed_ids": list(result.failed),
            }
        )
