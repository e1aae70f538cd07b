"""The routing policy: ordered declarative rules that send a contact to a bot, queue, team, agent or callback.

Pure: no database and no clock. `compile_policy(document)` validates a policy document (see
`policy_schema`) and turns every condition into a small predicate once; `decide(policy, facts)` walks
the rules in order. A `continue` rule that matches adds its priority, skills and stickiness and the walk
goes on; the first other rule that matches decides. When none does, the contact goes to the default
queue with the reason "no rule matched". Reasons are built only for rules that matched, so a decision
costs a few attribute reads per rule.
"""

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from omniline.routing.policy_schema import (
    DEFAULT_RULE,
    RISKS,
    Conditions,
    PolicyError,
    RepeatWindow,
    Rule,
    parse_policy,
)

__all__ = [
    "LIVE_CHANNEL_KINDS",
    "Decision",
    "Facts",
    "Policy",
    "PolicyError",
    "RepeatWindow",
    "channel_class",
    "compile_policy",
    "decide",
    "decision_record",
]

LIVE_CHANNEL_KINDS = frozenset({"voice", "webchat", "telegram", "wechat", "walkin"})

Destination = Literal["bot", "queue", "team", "agent", "callback"]


def channel_class(kind: str) -> Literal["live", "async"]:
    """Live channels expect an answer while the customer waits; the others (email, sms, social, api) not."""
    return "live" if kind in LIVE_CHANNEL_KINDS else "async"


@dataclass(frozen=True, slots=True)
class Facts:
    """What is known about a contact when it is routed. The defaults describe a first contact about an
    unknown topic from a standard customer through the app, in business hours."""

    topic_code: str | None = None
    topic_tags: frozenset[str] = frozenset()
    risk: str | None = None
    complexity: str | None = None
    self_service: bool = False
    topic_skills: tuple[str, ...] = ()
    customer_tier: str = "standard"
    customer_value: float = 0.0
    channel_kind: str = "api"
    language: str | None = None
    sentiment: str | None = None
    urgency: str | None = None
    in_business_hours: bool = True
    repeat_contact: bool = False
    case_reopened: bool = False
    contacts_in_window: int = 1  # contacts in the repeat window, this one included


@dataclass(frozen=True, slots=True)
class Decision:
    """Where a contact goes and why. `priority` is the sum over the rules that matched; `skills` are the
    topic's plus those the rules added; `matched` names every rule that applied, in order."""

    rule: str
    destination: Destination
    target: str
    priority: int
    skills: tuple[str, ...]
    sticky: bool
    reasons: tuple[str, ...]
    matched: tuple[str, ...]


# --- conditions: each compiled once into a test, plus how to say why it held (or did not) ---


@dataclass(frozen=True, slots=True)
class Check:
    test: Callable[[Facts], bool]
    explain: Callable[[Facts], str]  # why it held
    explain_not: Callable[[Facts], str]  # why it did not (for `not`)


def _listed(values: list[str]) -> str:
    return values[0] if len(values) == 1 else f"one of {', '.join(values)}"


def _shown(value: object) -> str:
    return "unknown" if value is None else str(value)


def _one_of(label: str, read: Callable[[Facts], object], values: list[str]) -> Check:
    allowed = frozenset(values)
    wanted = _listed(values)
    return Check(
        test=lambda facts: read(facts) in allowed,
        explain=lambda facts: f"{label} is {_shown(read(facts))}",
        explain_not=lambda facts: f"{label} is {_shown(read(facts))}, not {wanted}",
    )


def _flag(read: Callable[[Facts], bool], expected: bool, yes: str, no: str) -> Check:
    def said(facts: Facts) -> str:
        return yes if read(facts) else no

    return Check(test=lambda facts: read(facts) is expected, explain=said, explain_not=said)


def _is_glob(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern


def _topic(patterns: list[str]) -> Check:
    """Exact codes are a set lookup; `billing.*` a prefix test; other globs a regex compiled here, once."""
    exact = frozenset(pattern for pattern in patterns if not _is_glob(pattern))
    by_prefix = [pattern for pattern in patterns if pattern.endswith("*") and not _is_glob(pattern[:-1])]
    prefixes = tuple(pattern[:-1] for pattern in by_prefix)
    globs = [pattern for pattern in patterns if _is_glob(pattern) and pattern not in by_prefix]
    regex = re.compile("|".join(fnmatch.translate(glob) for glob in globs)) if globs else None
    wanted = _listed(patterns)

    def test(facts: Facts) -> bool:
        code = facts.topic_code
        if code is None:
            return False
        return (
            code in exact
            or code.startswith(prefixes)
            or (regex is not None and regex.match(code) is not None)
        )

    def explain(facts: Facts) -> str:
        code = facts.topic_code
        return f"topic is {code}" if code in exact else f"topic {code} matches {wanted}"

    return Check(test, explain, lambda facts: f"topic {_shown(facts.topic_code)} is not {wanted}")


def _tags(tags: list[str]) -> Check:
    wanted = frozenset(tags)

    def explain(facts: Facts) -> str:
        found = [tag for tag in tags if tag in facts.topic_tags]
        return f"topic {facts.topic_code} is tagged {', '.join(found)}"

    return Check(
        test=lambda facts: not wanted.isdisjoint(facts.topic_tags),
        explain=explain,
        explain_not=lambda facts: f"topic {_shown(facts.topic_code)} is not tagged {' or '.join(tags)}",
    )


def _value_at_least(floor: float) -> Check:
    return Check(
        test=lambda facts: facts.customer_value >= floor,
        explain=lambda facts: f"customer value {facts.customer_value:g} is at least {floor:g}",
        explain_not=lambda facts: f"customer value {facts.customer_value:g} is below {floor:g}",
    )


def _contacts_at_least(floor: int) -> Check:
    def counted(facts: Facts) -> str:
        count = facts.contacts_in_window
        return f"{count} contact{'' if count == 1 else 's'} in the repeat window"

    return Check(
        test=lambda facts: facts.contacts_in_window >= floor,
        explain=lambda facts: f"{counted(facts)}, at least {floor}",
        explain_not=lambda facts: f"{counted(facts)}, fewer than {floor}",
    )


def _risk_at_least(floor: str) -> Check:
    allowed = frozenset(RISKS[RISKS.index(floor) :])
    return Check(
        test=lambda facts: facts.risk in allowed,
        explain=lambda facts: f"risk {facts.risk} is at least {floor}",
        explain_not=lambda facts: f"risk {_shown(facts.risk)} is below {floor}",
    )


def _channel_class(classes: list[str]) -> Check:
    kinds = frozenset(kind for kind in _ALL_KINDS if channel_class(kind) in classes)
    return Check(
        test=lambda facts: facts.channel_kind in kinds,
        explain=lambda facts: f"channel {facts.channel_kind} is {channel_class(facts.channel_kind)}",
        explain_not=lambda facts: (
            f"channel {facts.channel_kind} is {channel_class(facts.channel_kind)}, not {_listed(classes)}"
        ),
    )


def _any(branches: list[Conditions]) -> Check:
    compiled = [tuple(compile_conditions(branch)) for branch in branches]
    tests = tuple(_all_of(checks) for checks in compiled)

    def explain(facts: Facts) -> str:
        for checks, test in zip(compiled, tests, strict=True):
            if test(facts):
                return _explain_all(checks, facts)
        return ""

    def explain_not(facts: Facts) -> str:
        return "; ".join(_explain_first_failure(checks, facts) for checks in compiled)

    return Check(
        test=lambda facts: any(test(facts) for test in tests), explain=explain, explain_not=explain_not
    )


def _not(inner: Conditions) -> Check:
    checks = tuple(compile_conditions(inner))
    holds = _all_of(checks)
    return Check(
        test=lambda facts: not holds(facts),
        explain=lambda facts: _explain_first_failure(checks, facts),
        explain_not=lambda facts: _explain_all(checks, facts),
    )


def _explain_all(checks: tuple[Check, ...], facts: Facts) -> str:
    return " and ".join(check.explain(facts) for check in checks) or "always"


def _explain_first_failure(checks: tuple[Check, ...], facts: Facts) -> str:
    return next((check.explain_not(facts) for check in checks if not check.test(facts)), "never")


_ALL_KINDS = ("api", "email", "webchat", "sms", "voice", "telegram", "wechat", "social", "walkin")


def compile_conditions(when: Conditions) -> list[Check]:
    """One check per condition written in `when`, in the order the conditions are listed above."""
    builders: dict[str, Callable[[Any], Check]] = {
        "topic": _topic,
        "topic_known": lambda v: _flag(
            lambda f: f.topic_code is not None, v, "topic is known", "topic is unknown"
        ),
        "topic_tags": _tags,
        "risk": lambda v: _one_of("risk", lambda f: f.risk, v),
        "risk_at_least": _risk_at_least,
        "complexity": lambda v: _one_of("complexity", lambda f: f.complexity, v),
        "self_service": lambda v: _flag(
            lambda f: f.self_service, v, "topic allows self-service", "topic does not allow self-service"
        ),
        "customer_tier": lambda v: _one_of("customer tier", lambda f: f.customer_tier, v),
        "customer_value_at_least": _value_at_least,
        "channel_kind": lambda v: _one_of("channel", lambda f: f.channel_kind, v),
        "channel_class": _channel_class,
        "language": lambda v: _one_of("language", lambda f: f.language, v),
        "sentiment": lambda v: _one_of("sentiment", lambda f: f.sentiment, v),
        "urgency": lambda v: _one_of("urgency", lambda f: f.urgency, v),
        "business_hours": lambda v: _flag(
            lambda f: f.in_business_hours, v, "within business hours", "outside business hours"
        ),
        "repeat_contact": lambda v: _flag(
            lambda f: f.repeat_contact, v, "this is a repeat contact", "this is not a repeat contact"
        ),
        "case_reopened": lambda v: _flag(
            lambda f: f.case_reopened, v, "the case was reopened", "the case was not reopened"
        ),
        "contacts_at_least": _contacts_at_least,
        "any_": _any,
        "not_": _not,
    }
    return [
        builders[name](getattr(when, name))
        for name in Conditions.model_fields
        if getattr(when, name) is not None
    ]


@dataclass(frozen=True, slots=True)
class CompiledRule:
    name: str
    holds: Callable[[Facts], bool]
    checks: tuple[Check, ...]
    carries_on: bool  # a `continue` rule
    destination: Destination | None
    target: str
    priority: int
    skills: tuple[str, ...]
    sticky: bool | None

    def reasons(self, facts: Facts) -> list[str]:
        if not self.checks:
            return ["the rule applies to every contact"]
        return [check.explain(facts) for check in self.checks]


@dataclass(frozen=True, slots=True)
class Policy:
    rules: tuple[CompiledRule, ...]
    default_queue: str
    repeat_window: RepeatWindow
    version: int = 0  # the stored version; 0 for the shipped default or a policy being tried


def compile_policy(document: dict[str, Any], *, version: int = 0) -> Policy:
    """The policy ready to decide; PolicyError (a 422) listing every problem when the document is invalid."""
    parsed = parse_policy(document)
    rules = tuple(_compile_rule(rule) for rule in parsed.rules)
    return Policy(
        rules=rules,
        default_queue=parsed.settings.default_queue,
        repeat_window=parsed.settings.repeat_contact,
        version=version,
    )


def _compile_rule(rule: Rule) -> CompiledRule:
    checks = tuple(compile_conditions(rule.when))
    destination = next(
        (
            name
            for name in ("bot", "queue", "team", "agent", "callback")
            if getattr(rule.then, name) is not None
        ),
        None,
    )
    target = getattr(rule.then, destination) if destination else ""
    if destination == "agent":
        target = target.casefold()  # users' e-mails are stored lower-cased
    return CompiledRule(
        name=rule.name,
        holds=_all_of(checks),
        checks=checks,
        carries_on=rule.continue_,
        destination=destination,  # type: ignore[arg-type]  # one of the literal names above
        target=target,
        priority=rule.then.priority,
        skills=tuple(rule.then.skills),
        sticky=rule.then.sticky,
    )


def _all_of(checks: tuple[Check, ...]) -> Callable[[Facts], bool]:
    tests = tuple(check.test for check in checks)
    if not tests:
        return lambda _facts: True
    if len(tests) == 1:
        return tests[0]

    def holds(facts: Facts) -> bool:
        for test in tests:  # noqa: SIM110 - all() would build a generator on every call
            if not test(facts):
                return False
        return True

    return holds


def decide(policy: Policy, facts: Facts) -> Decision:
    """Route one contact: the first matching destination rule, after every matching `continue` rule."""
    priority = 0
    extra_skills: tuple[str, ...] = ()
    sticky = True
    matched: list[str] = []
    reasons: list[str] = []
    for rule in policy.rules:
        if not rule.holds(facts):
            continue
        matched.append(rule.name)
        reasons.extend(rule.reasons(facts))
        priority += rule.priority
        extra_skills += rule.skills
        if rule.sticky is not None:
            sticky = rule.sticky
        if rule.carries_on or rule.destination is None:
            continue
        return Decision(
            rule=rule.name,
            destination=rule.destination,
            target=rule.target,
            priority=priority,
            skills=_merge(facts.topic_skills, extra_skills),
            sticky=sticky,
            reasons=tuple(reasons),
            matched=tuple(matched),
        )
    reasons.append("no rule matched")
    return Decision(
        rule=DEFAULT_RULE,
        destination="queue",
        target=policy.default_queue,
        priority=priority,
        skills=_merge(facts.topic_skills, extra_skills),
        sticky=sticky,
        reasons=tuple(reasons),
        matched=tuple(matched),
    )


def _merge(topic_skills: tuple[str, ...], extra: tuple[str, ...]) -> tuple[str, ...]:
    if not extra:
        return topic_skills
    return tuple(dict.fromkeys(topic_skills + extra))


def decision_record(decision: Decision) -> dict[str, Any]:
    """The decision as JSON-ready data (the API's answer, and what a case keeps of it)."""
    return {
        "rule": decision.rule,
        "destination": decision.destination,
        "target": decision.target,
        "priority": decision.priority,
        "skills": list(decision.skills),
        "sticky": decision.sticky,
        "reasons": list(decision.reasons),
        "matched": list(decision.matched),
    }
