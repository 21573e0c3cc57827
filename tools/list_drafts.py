from gmail_core import compose, dify, params, render


class ListDraftsTool(dify.GmailTool):
    capability = "read_drafts"

    def run(self, p: dict) -> dify.Messages:
        client = self.gmail()
        drafts, next_token, failed = compose.list_drafts(
            client,
            query=params.as_str(p, "query", max_len=2000),
            max_results=params.as_int(p, "max_results", 20, minimum=1, maximum=500),
            page_token=params.as_str(p, "page_token", max_len=500).strip(),
        )
        yield from self.answer(
            render.drafts_text(
                drafts,
                next_token,
                failed,
                send_hint=client.allows("send"),
                edit_hint=client.allows("compose"),
            ),
            {"drafts": drafts, "count": len(drafts), "next_page_token": next_token},
        )
