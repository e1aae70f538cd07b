"""GET /api/v1/supervisor/wallboard: the wallboard's figures as JSON, for other tools (a TV app, a
reporting script). The same `Board` the page draws; definitions are in `figures.py`."""

from datetime import datetime
from typing import Any

from fastapi import APIRouter

from omniline.web.dependencies import ActorDep, ContainerDep
from omniline.web.wallboard.board import Board, Tile, build_board

router = APIRouter(prefix="/api/v1", tags=["routing"])


@router.get("/supervisor/wallboard")
def supervisor_wallboard(actor: ActorDep, container: ContainerDep) -> dict[str, Any]:
    """Tiles per channel kind and queue (live and today's figures), agents by state, the agents
    table and the hourly contacts. Supervisors and admins only (403 for agents)."""
    actor.require("supervisor")
    with container.uow() as uow:
        return board_view(build_board(uow.session, actor.tenant_id, container.clock()))


def board_view(board: Board) -> dict[str, Any]:
    return {
        "at": board.at.isoformat(),
        "day": {
            "date": board.day.local_date.isoformat(),
            "timezone": board.day.timezone,
            "start": board.day.start.isoformat(),
            "end": board.day.end.isoformat(),
        },
        "total": tile_view(board.total, "total"),
        "channels": [tile_view(tile, "channel") for tile in board.channels],
        "queues": [tile_view(tile, "queue") for tile in board.queues],
        "agents_by_state": board.presence,
        "paused_by_reason": board.paused_reasons,
        "agents": [
            {
                "user_id": row.user_id,
                "name": row.name,
                "team": row.team,
                "presence": row.presence,
                "reason": row.reason,
                "since": _iso(row.since),
                "load": {load.channel: {"load": load.load, "capacity": load.capacity} for load in row.loads},
                "skills": row.skills,
                "languages": row.languages,
                "missed_offers_today": row.missed_today,
                "missed_offers_in_a_row": row.missed_in_a_row,
            }
            for row in board.agents
        ],
        "contacts_per_hour": board.hourly,
    }


def tile_view(tile: Tile, kind: str) -> dict[str, Any]:
    view: dict[str, Any] = {kind: tile.name} if kind in ("channel", "queue") else {}
    level = tile.service_level
    return view | {
        "waiting": tile.live.waiting,
        "oldest_waiting_since": _iso(tile.live.oldest_waiting),
        "longest_wait_seconds": tile.longest_wait_seconds,
        "offered": tile.live.offered,
        "assigned": tile.live.assigned,
        "received_today": tile.today.received,
        "handled_today": tile.today.handled,
        "abandoned_today": tile.abandoned,
        "first_response_met_today": tile.today.met,
        "first_response_missed_today": tile.today.missed,
        "service_level_today": None if level is None else round(level, 4),
        "breaches_today": tile.today.breaches,
        "no_agent_free": tile.no_agent_free,
        "tone": tile.tone,
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
