from collections.abc import Sequence
from typing import Any

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
        # With include_body, search converted each body as its chunk arrived (off the event
        # loop; a body that fails costs only itself).
        shown, bodies = result.messages, result.bodies

        def rendered(texts: Sequence[str]) -> tuple[str, dict[str, Any]]:
            by_id = dict(zip((m.id for m in shown), texts, strict=True)) if include_body else None
            # ``body`` is always there (declared in output_schema), empty unless asked for.
            items = [
                {
                    **render.message_summary(m, result.label_names),
                    "body": (by_id or {}).get(m.id, ""),
                }
                for m in shown
            ]
            text = render.search_text(
                shown,
                result.label_names,
                next_page_token=result.next_page_token,
                failed=result.failed,
                bodies=by_id,
            )
            return text, {
                "messages": items,
                "count": len(items),
                "next_page_token": result.next_page_token,
                "failed_ids": list(result.failed),
            }

        yield from self.answer_bodies(
            [bodies[m.id] for m in shown] if bodies is not None else [],
            rendered,
            lambda i: f"read it with get_message (message_id {shown[i].id})",
        )
