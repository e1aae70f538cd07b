"""Conversations an agent starts: a message to a customer on a channel they did not write on.

Threading follows the same rules as inbound (`thread_message`): without a provider thread, the
customer's live conversation on that channel continues, so a second SMS to a caller does not open a
second thread and the customer's answer lands where the agent wrote. With a thread key (e-mail: the
Message-ID of our first mail, which the customer's reply will reference) a new thread always starts.
"""

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from omniline.conversations.message_threading import DEFAULT_IDLE_TIMEOUT
from omniline.conversations.models import Conversation
from omniline.conversations.service import ThreadedConversation, store_conversation, thread_message
from omniline.kernel.ids import new_id


def open_outbound_conversation(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    channel_id: uuid.UUID,
    customer_id: uuid.UUID,
    identity_id: uuid.UUID,
    case_id: uuid.UUID | None,
    subject: str | None,
    thread_key: str | None,
    now: datetime,
) -> Conversation:
    """The conversation the agent's message goes on (continued or new), replying to `identity_id`
    from now on and serving `case_id` (a continued conversation keeps its case when that is None)."""
    if thread_key is None:
        threaded = thread_message(
            session,
            channel_id=channel_id,
            customer_id=customer_id,
            thread_key=None,
            now=now,
            idle_timeout=DEFAULT_IDLE_TIMEOUT,
        )
    else:
        threaded = ThreadedConversation(new_id(), None, is_new=True)
    store_conversation(
        session,
        threaded,
        tenant_id=tenant_id,
        channel_id=channel_id,
        customer_id=customer_id,
        identity_id=identity_id,
        thread_key=thread_key,
        subject=subject,
        case_id=case_id if case_id is not None else threaded.case_id,
        now=now,
    )
    conversation = session.get_one(Conversation, threaded.id, populate_existing=True)
    if not threaded.is_new and subject and not conversation.subject:
        conversation.subject = subject
    return conversation
