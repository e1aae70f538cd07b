"""The desktop's conversation view: the case header and actions, the messages, the reply box and
"write on another channel". The page's script (static/conversation.js) does the actions through the
JSON API and refreshes the parts from the fragments here."""

import uuid
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from omniline.conversations.service import get_conversation
from omniline.kernel.errors import NotFound
from omniline.messages.outreach import ADDRESS_KINDS
from omniline.web.desktop.conversation_context import RESOLUTION_CODES, ConversationContext, load_context
from omniline.web.desktop.conversation_messages import read_message, read_messages
from omniline.web.page_access import AgentPage
from omniline.web.rendering import Page

router = APIRouter(include_in_schema=False)

BASE = "/desktop/conversations/{conversation_id}"


@router.get(BASE)
def conversation_page(conversation_id: uuid.UUID, page: AgentPage) -> Response:
    with page.container.uow() as uow:
        conversation = get_conversation(uow.session, page.actor.tenant_id, conversation_id)
        context = load_context(uow.session, page.actor, conversation, language=page.language)
        messages = read_messages(uow.session, conversation.id)
        return page.render(
            "desktop/conversation.html",
            _values(page, context) | {"messages": messages.items, "has_earlier": messages.has_earlier},
        )


@router.get(BASE + "/case")
def case_fragment(conversation_id: uuid.UUID, page: AgentPage) -> Response:
    """The header and the case actions, after an action or a case.updated event."""
    with page.container.uow() as uow:
        conversation = get_conversation(uow.session, page.actor.tenant_id, conversation_id)
        context = load_context(uow.session, page.actor, conversation, language=page.language)
        return page.render("desktop/_conversation_case.html", _values(page, context))


@router.get(BASE + "/messages")
def earlier_messages(conversation_id: uuid.UUID, page: AgentPage, before: uuid.UUID = Query()) -> Response:
    """The page of messages before `before`, for "show earlier"."""
    with page.container.uow() as uow:
        conversation = get_conversation(uow.session, page.actor.tenant_id, conversation_id)
        messages = read_messages(uow.session, conversation.id, before=before)
        return page.render(
            "desktop/_conversation_messages.html",
            {"messages": messages.items, "has_earlier": messages.has_earlier},
        )


@router.get(BASE + "/messages/{message_id}")
def message_fragment(conversation_id: uuid.UUID, message_id: uuid.UUID, page: AgentPage) -> Response:
    """One bubble, re-read after its delivery changed (sent, delivered, failed)."""
    with page.container.uow() as uow:
        conversation = get_conversation(uow.session, page.actor.tenant_id, conversation_id)
        message = read_message(uow.session, conversation.id, message_id)
        if message is None:
            raise NotFound(page.gettext("This message is not in this conversation."))
        return page.render("desktop/_conversation_message.html", {"message": message})


def _values(page: Page, context: ConversationContext) -> dict[str, Any]:
    settings = page.container.settings
    return {
        "section": "desktop",
        "context": context,
        "resolution_codes": RESOLUTION_CODES,
        "timezone_name": getattr(page.timezone, "key", "UTC"),
        "address_kinds": ADDRESS_KINDS,
        # The larger of the two would be refused anyway: a file travels in one request body.
        "max_file_bytes": settings.max_file_bytes,  # the reply route's body limit allows this much
    }
