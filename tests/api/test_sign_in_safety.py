"""Sign-in safety (accounts/sign_in.py): a brake on guessing passwords, for the token API and the login
form alike, and access tokens that die with the password they were issued under."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from omniline.accounts.models import User
from omniline.bootstrap import Container
from omniline.security.models import SignInFailure
from tests.support import PASSWORD, ApiWorld, HandClock, agent_email
from tests.web.support import page_login

MAX_FAILURES = 5  # the default of OMNILINE_SIGN_IN_MAX_FAILURES
WINDOW = timedelta(minutes=15)  # the default of OMNILINE_SIGN_IN_WINDOW_MINUTES


@pytest.fixture
def clock(container: Container) -> HandClock:
    fixed = HandClock(datetime.now(UTC))
    container.clock = fixed
    return fixed


def token_attempt(world: ApiWorld, email: str, password: str) -> tuple[int, dict[str, object]]:
    response = world.client.post("/api/v1/auth/token", json={"email": email, "password": password})
    return response.status_code, response.json() | {"retry_after": response.headers.get("retry-after")}


def failures_kept(container: Container) -> int:
    with container.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(SignInFailure)).scalar_one())


def test_after_five_wrong_passwords_even_the_right_one_waits_for_the_window(
    container: Container, world: ApiWorld, clock: HandClock
) -> None:
    email = agent_email(container, world)
    for _ in range(MAX_FAILURES):
        status, _ = token_attempt(world, email, "guess-guess-guess")
        assert status == 401
        clock.now += timedelta(seconds=10)

    status, body = token_attempt(world, email, PASSWORD)
    assert status == 429
    assert body["error"]["code"] == "too_many_attempts"  # type: ignore[index]
    # The oldest failure leaves the window 15 min after it happened: 50 s of that have passed.
    assert body["retry_after"] == str(int((WINDOW - timedelta(seconds=50)).total_seconds()))
    assert "access_token" not in body
    assert failures_kept(container) == MAX_FAILURES  # the refused attempt itself is not counted

    clock.now += WINDOW  # every failure has left the window
    status, body = token_attempt(world, email, PASSWORD)
    assert status == 200 and body["access_token"]
    assert failures_kept(container) == 0  # a successful sign-in forgets the failures


def test_a_successful_sign_in_forgets_the_earlier_failures(
    container: Container, world: ApiWorld, clock: HandClock
) -> None:
    email = agent_email(container, world)
    for _ in range(MAX_FAILURES - 1):
        assert token_attempt(world, email, "wrong-password")[0] == 401
    assert token_attempt(world, email, PASSWORD)[0] == 200
    for _ in range(MAX_FAILURES - 1):
        assert token_attempt(world, email, "wrong-password")[0] == 401
    assert token_attempt(world, email, PASSWORD)[0] == 200


def test_an_unknown_e_mail_is_braked_alike_and_its_address_is_not_stored(
    container: Container, world: ApiWorld, clock: HandClock
) -> None:
    for _ in range(MAX_FAILURES):
        assert token_attempt(world, "Nobody@Example.com", "whatever-it-is")[0] == 401
    status, body = token_attempt(world, "nobody@example.com ", "whatever-it-is")  # the same, folded
    assert body["error"]["code"] == "too_many_attempts"  # type: ignore[index]
    assert status == 429
    with container.engine.connect() as connection:
        keys = set(connection.execute(select(SignInFailure.email_key)).scalars())
    assert len(keys) == 1 and "nobody" not in next(iter(keys))


def test_the_login_form_is_braked_too_and_says_so_in_the_users_language(
    container: Container, world: ApiWorld, clock: HandClock
) -> None:
    email = agent_email(container, world)
    world.client.headers["Accept-Language"] = "ru"
    for _ in range(MAX_FAILURES):
        assert page_login(world.client, email, password="wrong-password").status_code == 401

    response = page_login(world.client, email)
    assert response.status_code == 429
    assert "Слишком много неудачных попыток входа" in response.text
    assert "15 мин" in response.text
    assert response.headers["retry-after"] == str(int(WINDOW.total_seconds()))
    assert "omniline_session" not in response.headers.get("set-cookie", "")


def test_a_token_issued_before_a_new_password_is_refused(
    container: Container, world: ApiWorld, clock: HandClock
) -> None:
    email = agent_email(container, world)
    status, body = token_attempt(world, email, PASSWORD)
    old_headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert world.client.get("/api/v1/offers", headers=old_headers).status_code == 200
    with container.uow() as uow:
        agent_id = uow.session.scalar(select(User.id).where(User.email == email))

    changed = world.client.patch(
        f"/api/v1/users/{agent_id}", json={"password": "a-brand-new-pass"}, headers=world.admin_headers
    )
    assert changed.status_code == 200, changed.text

    refused = world.client.get("/api/v1/offers", headers=old_headers)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "token_revoked"
    status, body = token_attempt(world, email, "a-brand-new-pass")
    assert status == 200
    fresh = {"Authorization": f"Bearer {body['access_token']}"}
    assert world.client.get("/api/v1/offers", headers=fresh).status_code == 200
