"""Tasks over the API: the callback list (`?status=open`) and marking a callback made."""

import uuid
from typing import Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from omniline.routing.service import complete_task, list_tasks, task_view
from omniline.web.dependencies import ActorDep, ContainerDep

router = APIRouter(prefix="/api/v1/tasks", tags=["tasks"])


class CompleteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=2000)


@router.get("")
def get_tasks(
    actor: ActorDep,
    container: ContainerDep,
    status: Literal["open", "offered", "assigned", "done", "cancelled"] | None = None,
    kind: Literal["callback", "conversation"] | None = None,
    limit: int = Query(default=100, ge=1, le=500),
) -> dict[str, Any]:
    """The tenant's tasks, soonest due first; `?status=open&kind=callback` is the callback list."""
    with container.uow() as uow:
        tasks = list_tasks(uow.session, actor.tenant_id, status=status, kind=kind, limit=limit)
        return {"items": [task_view(task) for task in tasks]}


@router.post("/{task_id}/complete")
def complete(
    task_id: uuid.UUID, actor: ActorDep, container: ContainerDep, body: CompleteRequest | None = None
) -> dict[str, Any]:
    """Mark the task done (the customer was called back); 409 when it is already closed."""
    with container.uow() as uow:
        task = complete_task(
            uow.session,
            actor=actor,
            task_id=task_id,
            note=body.note.strip() if body and body.note and body.note.strip() else None,
            now=container.clock(),
        )
        view = task_view(task)
        uow.commit()
        return view
