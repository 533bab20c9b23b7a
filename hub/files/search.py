"""Searching files by name across the workspaces a caller may open.

Which workspaces: read from the hub's database (every workspace of the caller's towns, or of
the towns named, each checked: NOT_FOUND / FORBIDDEN as the agenda answers), at most
``MAX_WORKSPACES`` in one search. Each workspace is searched concurrently, under its own
deadline (``BUDGET`` backend timeouts; each call within one), by the file server's own search
where it has one (``FileStore.search``: WebDAV SEARCH, Nextcloud's), by a bounded walk of
its folders otherwise (``hub.files.walk``). Names are matched by one rule whatever the
server (``connectors.files.search``: case, accents and ligatures set aside).

Nothing is left out in silence: a workspace whose search failed, or stopped before the end (a
walk cut by its bounds or deadline, a server search answering as many results as asked, more
than ``MAX_MATCHES`` matches), gives a ``Shortfall`` beside the matches found.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from connectors.files.port import Entry, FileStore
from connectors.files.search import fold, matches
from hub.errors import BadInput, ErrorCode, HubError, NotFound
from hub.files.stores import FileStores, backend_call
from hub.files.walk import walk
from hub.identity.principal import Principal
from hub.towns.models import Workspace
from hub.towns.repository import TownRepository, WorkspaceRepository

log = logging.getLogger(__name__)

MIN_TEXT = 2
MAX_TEXT = 100
MAX_WORKSPACES = 10
MAX_MATCHES = 50
"""Per workspace: past it the search says it stopped (the text is too common)."""
SERVER_RESULTS = 200
"""Candidates asked of a server's search (a superset of the matches, see
``connectors.files.search``)."""
BUDGET = 2
"""A workspace's search may take this many backend timeouts (``HUB_BACKEND_TIMEOUT``)."""
INCOMPLETE = "INCOMPLETE"
TIMEOUT = "TIMEOUT"


@dataclass(frozen=True)
class Match:
    workspace: Workspace
    entry: Entry
    rank: tuple[int, str, str]


@dataclass(frozen=True)
class Shortfall:
    """A workspace searched in part only, or not at all, and why."""

    workspace: Workspace
    code: str
    message: str


@dataclass(frozen=True)
class Findings:
    matches: list[Match]
    shortfalls: list[Shortfall]


def checked_text(text: str) -> str:
    """The text as names are compared (``fold``), or BAD_INPUT."""
    if len(text) > MAX_TEXT:
        raise BadInput(f"Search with {MAX_TEXT} characters at most.", field="text")
    folded = fold(text)
    if len(folded) < MIN_TEXT:
        raise BadInput(f"Search with {MIN_TEXT} characters at least.", field="text")
    return folded


async def search_scope(
    session: AsyncSession, actor: Principal, slugs: Sequence[str] | None
) -> Sequence[Workspace]:
    """The workspaces to search: of the towns named (each the caller's), or of all theirs."""
    if slugs is None:
        town_ids: Sequence[str] | None = None if actor.hub_admin else list(actor.roles)
    else:
        wanted = list(dict.fromkeys(slugs))
        found = {town.slug: town for town in await TownRepository(session).by_slugs(wanted)}
        for slug in wanted:
            town = found.get(slug)
            if town is None:
                raise NotFound(f"There is no town '{slug}'.", field="towns")
            actor.require_town(town.id, slug)
        town_ids = [town.id for town in found.values()]
    rows = await WorkspaceRepository(session).for_towns(town_ids)
    if len(rows) > MAX_WORKSPACES:
        raise BadInput(
            f"This search would cover {len(rows)} workspaces; name at most "
            f"{MAX_WORKSPACES} workspaces' towns with 'towns'.",
            field="towns",
        )
    return rows


async def search_workspaces(
    stores: FileStores, workspaces: Sequence[Workspace], folded: str, text: str
) -> Findings:
    """Every workspace searched at once; each one's failure is its own ``Shortfall``."""
    outcomes = await asyncio.gather(
        *(_search(stores, workspace, folded, text) for workspace in workspaces),
        return_exceptions=True,
    )
    found: list[Match] = []
    shortfalls: list[Shortfall] = []
    for workspace, outcome in zip(workspaces, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            shortfalls.append(_failure(workspace, outcome))
            continue
        hits, shortfall = outcome
        found += hits
        if shortfall is not None:
            shortfalls.append(shortfall)
    found.sort(key=lambda match: (match.rank, match.workspace.name, match.entry.path))
    return Findings(found, shortfalls)


async def _search(
    stores: FileStores, workspace: Workspace, folded: str, text: str
) -> tuple[list[Match], Shortfall | None]:
    store = stores.store(workspace.backend, workspace.root)
    found = await search_store(store, folded, text, stores.timeout)
    hits = sorted(
        (Match(workspace, entry, _rank(folded, entry.name)) for entry in found.entries),
        key=lambda match: match.rank,
    )
    why = found.stopped
    if len(hits) > MAX_MATCHES:
        hits, why = hits[:MAX_MATCHES], f"more than {MAX_MATCHES} names match; refine the search"
    if why is None:
        return hits, None
    return hits, Shortfall(
        workspace, INCOMPLETE, f"'{workspace.name}' was searched in part: {why}."
    )


@dataclass(frozen=True)
class StoreSearch:
    entries: list[Entry]
    """The entries whose name matches."""
    stopped: str | None
    """Why the search may have left matches out, or None when it went through everything."""
    searched_by_server: bool


async def search_store(
    store: FileStore,
    folded: str,
    text: str,
    each_call: float,
    *,
    server_results: int = SERVER_RESULTS,
) -> StoreSearch:
    """The entries of one store matching ``folded``: by the server's search if it has one,
    else by a bounded walk, all within ``BUDGET`` calls' time (``each_call``)."""
    deadline = asyncio.get_running_loop().time() + BUDGET * each_call
    async with backend_call("the search", each_call):
        answered = await store.search(text, limit=server_results)
    if answered is not None:
        candidates, complete = answered, len(answered) < server_results
        why = f"the file server gave its first {server_results} results only"
    else:
        walked = await walk(store, each_call, deadline=deadline)
        candidates, complete = walked.entries, walked.complete
        why = "the walk of its folders stopped at its bounds or its time limit"
    return StoreSearch(
        [entry for entry in candidates if matches(folded, entry.name)],
        None if complete else why,
        searched_by_server=answered is not None,
    )


def _rank(folded: str, name: str) -> tuple[int, str, str]:
    """The name itself first, then names starting with the text, then a word starting with
    it, then the rest; then by name."""
    own = fold(name)
    stem = own.rsplit(".", 1)[0] if "." in own[1:] else own
    if folded in (own, stem):
        order = 0
    elif own.startswith(folded):
        order = 1
    elif re.search(r"(?:^|[^0-9a-z])" + re.escape(folded), own):
        order = 2
    else:
        order = 3
    return order, own, name


def _failure(workspace: Workspace, exc: BaseException) -> Shortfall:
    if isinstance(exc, HubError):
        return Shortfall(workspace, exc.code.value, f"'{workspace.name}': {exc.message}")
    if isinstance(exc, TimeoutError):
        return Shortfall(
            workspace, TIMEOUT, f"The file server did not answer in time for '{workspace.name}'."
        )
    if not isinstance(exc, Exception):
        raise exc
    log.error("searching the workspace %s failed", workspace.id, exc_info=exc)
    return Shortfall(
        workspace, ErrorCode.INTERNAL.value, f"'{workspace.name}' could not be searched."
    )
