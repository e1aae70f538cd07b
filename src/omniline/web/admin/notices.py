"""What the admin pages say after a change: a redirect carries `?done=<key>`, the next page shows the
sentence in the page's language (post, redirect, get: a reload never repeats the change)."""

from omniline.web.rendering import Page


def N_(message: str) -> str:
    """gettext's name for "translate later": babel extracts the text, the page translates it when shown."""
    return message


_NOTICES = {
    "channel_enabled": N_("The channel is enabled."),
    "channel_disabled": N_("The channel is disabled."),
    "test_queued": N_("The test message is in the outbox; its status updates below."),
    "user_created": N_("The user was created."),
    "user_saved": N_("The user was saved."),
    "user_enabled": N_("The user is enabled."),
    "user_disabled": N_("The user is disabled and logged out everywhere."),
    "password_set": N_("The new password is set; the user was logged out everywhere."),
    "profile_saved": N_("The agent profile was saved."),
    "taxonomy_saved": N_("The taxonomy was saved."),
    "topic_deactivated": N_("The topic and the topics under it are deactivated."),
    "policy_saved": N_("The routing rules were saved."),
}


def notice_for(page: Page, key: str | None) -> str | None:
    message = _NOTICES.get(key or "")
    return page.gettext(message) if message else None
