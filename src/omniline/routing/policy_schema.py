"""The shape of a routing policy document (YAML or JSON), and problems reported so a manager can fix them.

`parse_policy(document)` returns a `PolicyDocument` or raises `PolicyError` listing every problem
found, each naming the rule (1-based index and name) and the field, e.g.
"rule 3 'vip': unknown condition 'tier' (did you mean customer_tier?)". Nothing here looks at a
database: whether a queue or team exists is for the people who run the policy to see.
"""

import difflib
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StringConstraints,
    ValidationError,
    model_validator,
)

from omniline.kernel.errors import InvalidInput

RISKS = ("low", "medium", "high")
DESTINATIONS = ("bot", "queue", "team", "agent", "callback")
DEFAULT_RULE = "default"  # the name a decision carries when no rule routed it


class PolicyError(InvalidInput):
    """The policy document is not valid; `problems` lists each problem in one sentence."""

    code = "invalid_policy"

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _one_or_many(value: Any) -> Any:
    """`risk: high` and `risk: [high, medium]` mean the same: any of the listed values."""
    return value if isinstance(value, list) else [value]


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
TopicPattern = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[\w.*?-]+$")
]
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200, pattern=r"^[^@\s]+@[^@\s]+$")]
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")]
ChannelKind = Literal["api", "email", "webchat", "sms", "voice", "telegram", "wechat", "social", "walkin"]
Risk = Literal["low", "medium", "high"]


_ONE_OR_MANY = BeforeValidator(_one_or_many)
TopicPatterns = Annotated[list[TopicPattern], _ONE_OR_MANY, Field(min_length=1)]
Names = Annotated[list[Name], _ONE_OR_MANY, Field(min_length=1)]
Risks = Annotated[list[Risk], _ONE_OR_MANY, Field(min_length=1)]
Complexities = Annotated[list[Literal["simple", "standard", "complex"]], _ONE_OR_MANY, Field(min_length=1)]
ChannelKinds = Annotated[list[ChannelKind], _ONE_OR_MANY, Field(min_length=1)]
ChannelClasses = Annotated[list[Literal["live", "async"]], _ONE_OR_MANY, Field(min_length=1)]
Languages = Annotated[list[Language], _ONE_OR_MANY, Field(min_length=1)]
Sentiments = Annotated[list[Literal["negative", "neutral", "positive"]], _ONE_OR_MANY, Field(min_length=1)]
Urgencies = Annotated[list[Literal["normal", "high"]], _ONE_OR_MANY, Field(min_length=1)]


class Conditions(BaseModel):
    """What must hold for a rule to apply; every listed condition must hold (`any` and `not` compose)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    topic: TopicPatterns | None = None
    topic_known: StrictBool | None = None
    topic_tags: Names | None = None
    risk: Risks | None = None
    risk_at_least: Risk | None = None
    complexity: Complexities | None = None
    self_service: StrictBool | None = None
    customer_tier: Names | None = None
    customer_value_at_least: StrictFloat | None = None
    channel_kind: ChannelKinds | None = None
    channel_class: ChannelClasses | None = None
    language: Languages | None = None
    sentiment: Sentiments | None = None
    urgency: Urgencies | None = None
    business_hours: StrictBool | None = None
    repeat_contact: StrictBool | None = None
    case_reopened: StrictBool | None = None
    contacts_at_least: Annotated[StrictInt, Field(ge=0)] | None = None
    any_: list["Conditions"] | None = Field(default=None, alias="any", min_length=1)
    not_: "Conditions | None" = Field(default=None, alias="not")


class Action(BaseModel):
    """Where the contact goes (one destination) and what it adds on the way."""

    model_config = ConfigDict(extra="forbid")

    bot: Name | None = None
    queue: Name | None = None
    team: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = None
    agent: Email | None = None
    callback: Name | None = None
    priority: Annotated[StrictInt, Field(ge=-1000, le=1000)] = 0
    skills: list[Name] = Field(default_factory=list)
    sticky: StrictBool | None = None

    @property
    def destinations(self) -> list[str]:
        return [name for name in DESTINATIONS if getattr(self, name) is not None]


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    when: Conditions = Field(default_factory=Conditions)
    then: Action
    continue_: StrictBool = Field(default=False, alias="continue")

    @model_validator(mode="after")
    def _one_destination(self) -> "Rule":
        chosen = self.then.destinations
        if self.continue_ and chosen:
            raise ValueError(
                f"a continue rule may carry only priority, skills and sticky, not {', '.join(chosen)}"
            )
        if not self.continue_ and len(chosen) != 1:
            found = f"has {len(chosen)} ({', '.join(chosen)})" if chosen else "has none"
            raise ValueError(
                f"then needs exactly one destination (bot, queue, team, agent or callback) and {found}; "
                "or mark the rule 'continue: true'"
            )
        return self


class RepeatWindow(BaseModel):
    """N contacts within D days make a repeat contact."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    contacts: Annotated[StrictInt, Field(ge=2, le=100)] = 2
    days: Annotated[StrictInt, Field(ge=1, le=365)] = 7


class PolicySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default_queue: Name = "general"
    repeat_contact: RepeatWindow = Field(default_factory=RepeatWindow)


class PolicyDocument(BaseModel):
    """A whole policy. `version` is accepted (exports carry it) and ignored: saving sets the next one."""

    model_config = ConfigDict(extra="forbid")

    settings: PolicySettings = Field(default_factory=PolicySettings)
    rules: list[Rule] = Field(default_factory=list)
    version: StrictInt | None = None


# Which names are allowed where: for "unknown …" messages and their suggestions.
_KNOWN_KEYS: dict[str, tuple[str, list[str]]] = {
    "when": ("condition", [field.alias or name for name, field in Conditions.model_fields.items()]),
    "then": ("action", list(Action.model_fields)),
    "rule": ("key", [field.alias or name for name, field in Rule.model_fields.items()]),
    "settings": ("setting", list(PolicySettings.model_fields)),
    "repeat_contact": ("setting", list(RepeatWindow.model_fields)),
    "document": ("key", list(PolicyDocument.model_fields)),
}


def parse_policy(document: Any) -> PolicyDocument:
    """The validated document; PolicyError with every problem when it is not valid."""
    if not isinstance(document, dict):
        raise PolicyError(["the policy must be a mapping with 'rules' (and optionally 'settings')"])
    problems: list[str] = []
    try:
        parsed = PolicyDocument.model_validate(document)
    except ValidationError as error:
        parsed = None
        problems.extend(_describe(item, document) for item in error.errors())
    problems.extend(_duplicate_names(document.get("rules")))
    if problems:
        raise PolicyError(list(dict.fromkeys(problems)))
    assert parsed is not None
    return parsed


def _duplicate_names(rules: Any) -> list[str]:
    if not isinstance(rules, list):
        return []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for index, rule in enumerate(rules, start=1):
        name = rule.get("name") if isinstance(rule, dict) else None
        if not isinstance(name, str) or not name.strip():
            continue
        name = name.strip()
        if name == DEFAULT_RULE:
            problems.append(
                f"rule {index} '{name}': the name '{DEFAULT_RULE}' is reserved for 'no rule matched'"
            )
        elif name in seen:
            problems.append(f"rule {index} '{name}': the name is already used by rule {seen[name]}")
        else:
            seen[name] = index
    return problems


def _describe(item: Any, document: dict[str, Any]) -> str:
    """One pydantic error as a sentence: where (rule and field), then what is wrong."""
    location = [part for part in item["loc"] if not _is_union_branch(part)]
    prefix, path = _where(location, document)
    if item["type"] == "extra_forbidden":
        unknown = str(location[-1])
        kind, known = _KNOWN_KEYS[_context(location[:-1])]
        hint = _suggest(unknown, known)
        where = f" in {'.'.join(path[:-1])}" if len(path) > 1 else ""
        return f"{prefix}unknown {kind} '{unknown}'{where}{hint}"
    message = str(item["msg"]).removeprefix("Value error, ")
    message = message[:1].lower() + message[1:]
    if item["type"] == "missing":
        message = "is required"
    elif item["type"] in ("dict_type", "model_type", "model_attributes_type"):
        message = f"should be a mapping (got {_shown(item['input'])})"
    elif item["type"] != "value_error" and "input" in item and not isinstance(item["input"], dict):
        message = f"{message} (got {_shown(item['input'])})"
    field = ".".join(path)
    return f"{prefix}{field}: {message}" if field else f"{prefix}{message}"


def _is_union_branch(part: Any) -> bool:
    # Pydantic names the branch of a union it tried (e.g. "int", "float", "list[...]"): noise to a reader.
    return isinstance(part, str) and (part in ("int", "float", "bool", "str") or "[" in part)


def _where(location: list[Any], document: dict[str, Any]) -> tuple[str, list[str]]:
    """("rule 3 'vip': ", ["when", "risk"]) for a location inside a rule; ("", [...]) elsewhere."""
    if len(location) >= 2 and location[0] == "rules" and isinstance(location[1], int):
        index = location[1]
        rule = document["rules"][index]
        name = rule.get("name") if isinstance(rule, dict) else None
        label = (
            f"rule {index + 1} '{name}': "
            if isinstance(name, str) and name.strip()
            else f"rule {index + 1}: "
        )
        return label, _path(location[2:])
    return "", _path(location)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def _path(parts: list[Any]) -> list[str]:
    path: list[str] = []
    for part in parts:
        # Only branches of `any` are worth numbering: in a value list the "got …" names the culprit.
        if isinstance(part, int) and path and path[-1] == "any":
            path[-1] = f"{path[-1]}[{part + 1}]"
        elif isinstance(part, int):
            continue
        else:
            path.append(str(part))
    return path


def _context(location: list[Any]) -> str:
    """Which mapping an unknown key was found in."""
    names = [part for part in location if isinstance(part, str)]
    if not names:
        return "document"
    if names == ["rules"]:
        return "rule"
    if names[-1] in ("when", "any", "not"):
        return "when"
    return names[-1] if names[-1] in _KNOWN_KEYS else "document"


def _suggest(unknown: str, known: list[str]) -> str:
    lowered = unknown.lower()
    close = [name for name in known if lowered and lowered in name]
    close = close or difflib.get_close_matches(lowered, known, n=2, cutoff=0.6)
    if not close:
        return ""
    return f" (did you mean {' or '.join(close[:2])}?)"
