"""Stack Exchange questions for a tag (API 2.3), with their answers as the thread.

Titles and names arrive HTML-escaped and times as epoch seconds; a `backoff` in any
response is honoured before the same method is called again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from inbox.config import Option
from inbox.errors import SourceError
from inbox.models import Item, Reply
from inbox.net.http import Session, with_params
from inbox.sources.base import Page, Source, Stream, SyncContext, activity, usable_id
from inbox.sources.pagination import page_number_pages
from inbox.text import html_to_text, one_line, unescape
from inbox.timeutil import parse_time


class StackExchangeSource(Source):
    kind = "stackexchange"
    required = ("tagged",)
    options = {"site": Option.TEXT, "tagged": Option.STRINGS, "key_env": Option.ENV}
    default_base_url = "https://api.stackexchange.com/2.3"
    min_interval = timedelta(minutes=10)  # 300 requests a day without an app key
    secret_keys = ("key_env",)

    @property
    def site(self) -> str:
        return str(self.config.get("site") or "stackoverflow")

    def params(self) -> dict[str, str]:
        key = self.secret("key_env")
        return {"key": key} if key else {}

    def _wrapper(self, session: Session, data: Any, url: str, method: str) -> list[dict]:
        """Check the common wrapper, note quota and backoff, return `items`."""
        if not isinstance(data, dict) or not isinstance(data.get("items"), list):
            raise SourceError(self.name, f"expected a Stack Exchange wrapper with items ({url})")
        if isinstance(data.get("quota_remaining"), int):
            session.rate.remaining = data["quota_remaining"]
        if isinstance(data.get("quota_max"), int):
            session.rate.limit = data["quota_max"]
        if data.get("backoff"):
            session.hold(method, float(data["backoff"]))
        return [item for item in data["items"] if isinstance(item, dict)]

    async def fetch(self, session: Session, context: SyncContext) -> AsyncIterator[Page]:
        tagged = self.config.get("tagged")
        tagged = ";".join(tagged) if isinstance(tagged, list) else str(tagged)
        stream = Stream("questions", context.cursor("questions"))
        fresh = with_params(f"{self.base_url}/questions", site=self.site, tagged=tagged,
                            sort="activity", order="desc", pagesize=100, page=1, filter="withbody")
        url = stream.first_url(fresh)
        async for fetched in page_number_pages(session, url, hold_key="questions",
                                               has_more=lambda d: isinstance(d, dict) and bool(d.get("has_more"))):
            questions = self._wrapper(session, fetched.data, fetched.url, "questions")
            times = [activity(q.get("last_activity_date") or q.get("creation_date")) for q in questions]
            cursor, finished = stream.after_page(times, fetched.next_url)
            known = context.threads_fetched_at([self.key(q.get("question_id")) for q in questions])
            changed = [q for q, when in zip(questions, times)
                       if known.get(self.key(q.get("question_id"))) != when and q.get("answer_count")
                       and usable_id(q.get("question_id")) is not None]
            answers = await self._answers(session, context, changed)
            items = []
            for question in questions:
                raw = {"question": question, "answers": answers.get(usable_id(question.get("question_id")))}
                item = self.normalize_or_skip(raw, context, f"question {question.get('question_id')}",
                                              page=fetched.url)
                if item is not None:
                    items.append(item)
            yield Page("questions", items=items, cursor=cursor)
            if finished:
                return

    async def _answers(self, session: Session, context: SyncContext,
                       questions: list[dict]) -> dict[Any, list[dict]]:
        """Answers of the given questions, by question id, in one call per 100 questions.

        A question missing from the result was not fetched (the call failed): its thread
        stays as stored and is tried again next sync.
        """
        found: dict[Any, list[dict]] = {q.get("question_id"): [] for q in questions}
        ids = [str(q.get("question_id")) for q in questions]
        for start in range(0, len(ids), 100):
            url = with_params(f"{self.base_url}/questions/{';'.join(ids[start:start + 100])}/answers",
                              site=self.site, sort="creation", order="asc", pagesize=100,
                              filter="withbody", page=1)
            try:
                async for fetched in page_number_pages(
                        session, url, hold_key="answers",
                        has_more=lambda d: isinstance(d, dict) and bool(d.get("has_more"))):
                    for answer in self._wrapper(session, fetched.data, fetched.url, "answers"):
                        found.setdefault(usable_id(answer.get("question_id")), []).append(answer)
            except SourceError as exc:
                if not exc.not_there:  # a site without the answers method is not a failure
                    context.warn(f"answers: {exc.reason}")
                return {}
        return found

    def _name(self, owner: Any) -> str:
        if isinstance(owner, dict) and owner.get("display_name"):
            return one_line(unescape(owner["display_name"]))
        return "deleted user"

    def check_url(self) -> str:
        return with_params(f"{self.base_url}/info", site=self.site)

    def normalize(self, raw: dict[str, Any]) -> Item:
        """`raw` is {"question": ..., "answers": [...] or None}."""
        question = raw["question"] if "question" in raw else raw
        answers = raw.get("answers") if "question" in raw else None
        author = self._name(question.get("owner"))
        created = parse_time(question.get("creation_date"))
        replies = int(question.get("answer_count") or 0)
        if answers is not None:
            thread = [self.normalize_answer(a) for a in answers]
        else:
            thread = [] if replies == 0 else None  # None: not fetched this time
        last_reply_by_staff = None
        if replies and thread:
            last_reply_by_staff = max(thread, key=lambda r: r.created_at).author_is_staff
        return Item(
            source=self.name,
            kind=self.kind,
            external_id=str(question["question_id"]),
            url=str(question.get("link") or f"https://{self.site}.com/questions/{question['question_id']}"),
            title=one_line(unescape(question.get("title"))),
            body=html_to_text(question.get("body")),
            author=author,
            author_is_staff=self.is_staff(author),
            created_at=created,
            last_activity_at=parse_time(question.get("last_activity_date")) or created,
            replies=replies,
            last_reply_by_staff=last_reply_by_staff,
            answered=bool(question.get("is_answered") or question.get("accepted_answer_id")),
            state="closed" if question.get("closed_date") else "open",
            labels=[one_line(tag) for tag in question.get("tags") or [] if tag],
            thread=thread,
        )

    def normalize_answer(self, answer: dict[str, Any]) -> Reply:
        author = self._name(answer.get("owner"))
        return Reply(
            external_id=str(answer.get("answer_id")),
            author=author,
            author_is_staff=self.is_staff(author),
            created_at=parse_time(answer.get("creation_date")),
            body=html_to_text(answer.get("body")),
        )
