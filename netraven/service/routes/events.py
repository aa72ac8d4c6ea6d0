"""A job's progress as server-sent events (``text/event-stream``).

Each event is ``id: SEQ``, ``event: KIND`` and ``data:`` one ``JobEvent`` as JSON. A
client that reconnects sends ``Last-Event-ID: SEQ`` (browsers' EventSource do) and gets
only what came after; the stream ends after the ``end`` event. Comment lines
(``: keep-alive``) are sent every ``KEEPALIVE`` seconds of quiet so proxies hold on.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from fastapi.responses import StreamingResponse

from netraven.app import jobs as app_jobs
from netraven.app.read_models import JobEvent
from netraven.errors import InputError
from netraven.service.auth import Principal, Role, require, state_of
from netraven.service.feed import replay_events
from netraven.store.liveness import UNFINISHED

router = APIRouter(prefix="/jobs", tags=["jobs"])
KEEPALIVE = 15.0
POLL = 1.0  # replaying a job another process runs: how often to look for more


@router.get(
    "/{job_id}/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "JobEvent stream"}},
)
async def job_events(
    job_id: int,
    request: Request,
    _: Annotated[Principal, Depends(require(Role.VIEWER))],
    last_event_id: Annotated[str | None, Header()] = None,
    after: int | None = None,
) -> StreamingResponse:
    """Follow a job to its end; resume with `Last-Event-ID` (or `?after=SEQ`)."""
    state = state_of(request)
    try:
        await state.db.read(app_jobs.resolve_job, job_id)
    except InputError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    start = after if after is not None else _seq(last_event_id)
    feed = state.feeds.get(job_id)
    if feed is not None:
        source = _frames(feed.follow(start, KEEPALIVE))
    else:
        source = _frames(_replay(request, job_id, start))
    return StreamingResponse(
        source,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _seq(header: str | None) -> int:
    if header is None:
        return 0
    try:
        return max(0, int(header.strip()))
    except ValueError:
        raise HTTPException(status_code=400, detail="Last-Event-ID must be a number") from None


async def _replay(request: Request, job_id: int, after: int) -> AsyncIterator[JobEvent | None]:
    """A recorded job, in canonical order; an unfinished one (run elsewhere) is polled."""
    state = state_of(request)
    sent = after
    quiet = 0.0
    while True:
        detail = await state.db.read(app_jobs.show_job, job_id)
        finished = detail.job.status not in UNFINISHED
        events = replay_events(detail, finished)
        for event in events[sent:]:
            yield event
        sent = max(sent, len(events))
        if finished:
            return
        live = state.feeds.get(job_id)
        if live is not None and live.events and sent <= 1:
            # Queued before a restart and started now: the replay said only "job" (seq 1),
            # as the live feed's first event does, so carry on with the live numbering.
            async for live_event in live.follow(sent, KEEPALIVE):
                yield live_event
            return
        await asyncio.sleep(POLL)
        quiet += POLL
        if quiet >= KEEPALIVE:
            quiet = 0.0
            yield None


async def _frames(events: AsyncIterator[JobEvent | None]) -> AsyncIterator[str]:
    async for event in events:
        if event is None:
            yield ": keep-alive\n\n"
            continue
        # The event's own unused fields are left out (optional in the schema); nested
        # task and host results keep their nulls, as in `jobs show --json`.
        unused = {name for name in type(event).model_fields if getattr(event, name) is None}
        data = event.model_dump_json(exclude=unused)
        yield f"id: {event.seq}\nevent: {event.kind}\ndata: {data}\n\n"
