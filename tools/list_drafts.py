from gmail_core import compose, dify, params


class ListDraftsTool(dify.GmailTool):
    capability = "compose"

    def run(self, p: dict) -> dify.Messages:
        drafts, next_token, failed = compose.list_drafts(
            self.gmail(),
            query=params.as_str(p, "query", max_len=2000),
            max_results=params.as_int(p, "max_results", 20, minimum=1, maximum=500),
            page_token=params.as_str(p, "page_token", max_len=500).strip(),
        )
        if failed:
            yield self.say(
                f"Could not fetch {len(failed)} draft(s) after retries: {', '.join(failed)}"
            )
        incomplete = [d["draft_id"] for d in drafts if d["notes"]]
        if incomplete:
            yield self.say(
                f"{len(incomplete)} draft(s) could not be read completely (their notes say "
                f"what is missing): {', '.join(incomplete)}"
            )
        yield from self.variables(
            {"drafts": drafts, "count": len(drafts), "next_page_token": next_token}
        )
