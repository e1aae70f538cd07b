"""The taxonomy file (version 1, YAML or JSON) and the topic bodies of the API: their shape, their rules,
and the flat, complete rows a file becomes.

A file is a tree: children are nested under their parent and inherit whatever they leave unset (risk,
complexity, self_service, tags, skills, and each key of sla) when it is imported, so every stored row is
complete and routing never has to walk up the tree. Everything wrong with a file is reported at once, each
problem naming the topic code and the field, so an editor fixes the file in one round.
"""

import re
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    ValidationError,
    model_validator,
)

from omniline.kernel.errors import InvalidInput, MalformedInput

LANGUAGES = ("en", "ru", "zh")
CHANNEL_CLASSES = ("live", "async")
CODE_PATTERN = r"^[a-z0-9_]+(\.[a-z0-9_]+)*$"
ROOT_DEFAULTS: dict[str, Any] = {
    "risk": "low",
    "complexity": "standard",
    "self_service": False,
    "tags": [],
    "skills": [],
}

Risk = Literal["low", "medium", "high"]
Complexity = Literal["simple", "standard", "complex"]


class InvalidTaxonomy(InvalidInput):
    """A taxonomy document breaks the rules; `problems` lists every one, each naming topic and field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"the taxonomy has {len(problems)} problem(s): " + "; ".join(problems))
        self.problems = problems


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _names_in_known_languages(names: dict[str, str]) -> dict[str, str]:
    problems = []
    unknown = sorted(set(names) - set(LANGUAGES))
    if unknown:
        problems.append(f"unknown language(s) {', '.join(unknown)} (use {', '.join(LANGUAGES)})")
    if "en" not in names:
        problems.append("an English name ('en') is required")
    if problems:
        raise ValueError("; ".join(problems))
    return names


def _keywords_in_known_languages(keywords: dict[str, list[str]]) -> dict[str, list[str]]:
    unknown = sorted(set(keywords) - set(LANGUAGES))
    if unknown:
        raise ValueError(f"unknown language(s) {', '.join(unknown)} (use {', '.join(LANGUAGES)})")
    return {language: _unique(words) for language, words in keywords.items()}


def _patterns_compile(patterns: list[str]) -> list[str]:
    broken = []
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as error:
            broken.append(f"'{pattern}' does not compile ({error})")
    if broken:
        raise ValueError("; ".join(broken))
    return _unique(patterns)


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
# Tags and skills are matched against agents' skills and policy conditions: one spelling only.
Label = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9_-]{1,50}$")]
Labels = Annotated[list[Label], AfterValidator(_unique)]
Names = Annotated[dict[str, Text], AfterValidator(_names_in_known_languages)]
Keywords = Annotated[dict[str, list[Text]], AfterValidator(_keywords_in_known_languages)]
Patterns = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=500)]], AfterValidator(_patterns_compile)
]
Code = Annotated[str, StringConstraints(pattern=CODE_PATTERN, max_length=100)]


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SlaTargets(_Closed):
    """Seconds of business time."""

    first_response: int = Field(ge=0)
    resolution: int = Field(ge=0)

    @model_validator(mode="after")
    def _resolution_after_first_response(self) -> "SlaTargets":
        if self.resolution < self.first_response:
            raise ValueError("resolution must not be shorter than first_response")
        return self


class SlaSpec(_Closed):
    """Targets per channel class, and multipliers for customer tiers (0.5 halves the targets)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    live: SlaTargets | None = None
    async_: SlaTargets | None = Field(default=None, alias="async")
    tiers: dict[
        Annotated[str, StringConstraints(min_length=1, max_length=50)], Annotated[float, Field(gt=0)]
    ] = Field(default_factory=dict)

    def stored(self) -> dict[str, Any]:
        """The `Topic.sla` form: only the keys that were given."""
        return self.model_dump(by_alias=True, exclude_unset=True)


class TopicFields(_Closed):
    """What a topic says, shared by file topics and new topics over the API; unset means inherited."""

    names: Names
    risk: Risk | None = None
    complexity: Complexity | None = None
    self_service: StrictBool | None = None
    tags: Labels | None = None
    skills: Labels | None = None
    sla: SlaSpec | None = None
    keywords: Keywords = Field(default_factory=dict)
    patterns: Patterns = Field(default_factory=list)


class TopicSpec(TopicFields):
    code: Code
    children: list["TopicSpec"] = Field(default_factory=list)


class TaxonomyDocument(_Closed):
    version: Literal[1]
    topics: list[TopicSpec]


class NewTopic(TopicFields):
    """POST /topics: the parent is the code without its last segment and must exist."""

    code: Code
    position: int | None = Field(default=None, ge=0)


class TopicChanges(_Closed):
    """PATCH /topics/{id}: only the fields sent change (the code never does: rules and policies name it)."""

    names: Names | None = None
    risk: Risk | None = None
    complexity: Complexity | None = None
    self_service: StrictBool | None = None
    tags: Labels | None = None
    skills: Labels | None = None
    sla: SlaSpec | None = None
    keywords: Keywords | None = None
    patterns: Patterns | None = None
    position: int | None = Field(default=None, ge=0)
    is_active: StrictBool | None = None


@dataclass(frozen=True)
class TopicRow:
    """One topic as stored: complete, inheritance already applied."""

    code: str
    parent_code: str | None
    position: int
    names: dict[str, str]
    risk: str
    complexity: str
    self_service: bool
    tags: list[str]
    skills: list[str]
    sla: dict[str, Any]
    rules: dict[str, Any] = field(default_factory=dict)

    def values(self) -> dict[str, Any]:
        """The Topic columns this row sets (parent_id and is_active are the service's business)."""
        return {
            "code": self.code,
            "name": self.names["en"],
            "names": self.names,
            "risk": self.risk,
            "complexity": self.complexity,
            "self_service": self.self_service,
            "tags": self.tags,
            "skills": self.skills,
            "sla": self.sla,
            "rules": self.rules,
            "position": self.position,
        }


def parse_yaml(raw: bytes | str) -> Any:
    """The YAML (or JSON, a subset of it) document in `raw`; MalformedInput saying where it breaks."""
    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise MalformedInput(f"the file is not valid YAML{where}: {problem}", code="malformed_yaml") from None


def dump_yaml(document: dict[str, Any]) -> str:
    """The document as YAML people can read and edit: Unicode kept, keys in the document's order."""
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=120)


def parse_taxonomy(document: Any) -> TaxonomyDocument:
    """The validated document; InvalidTaxonomy listing every problem (shape, values, codes, regexes)."""
    if not isinstance(document, dict):
        raise InvalidTaxonomy(["the document must be a mapping with 'version' and 'topics'"])
    problems = _tree_problems(document.get("topics"))
    try:
        parsed = TaxonomyDocument.model_validate(document)
    except ValidationError as error:
        problems += [_describe(document, item) for item in error.errors()]
    if problems:
        raise InvalidTaxonomy(problems)
    return parsed


def materialise(document: TaxonomyDocument) -> list[TopicRow]:
    """Every topic of the tree as a complete row, parents before their children."""
    rows: list[TopicRow] = []

    def walk(topics: list[TopicSpec], parent: TopicRow | None) -> None:
        for position, spec in enumerate(topics):
            row = complete_row(spec, parent, code=spec.code, position=position)
            rows.append(row)
            walk(spec.children, row)

    walk(document.topics, None)
    return rows


def complete_row(fields: TopicFields, parent: TopicRow | None, *, code: str, position: int) -> TopicRow:
    """`fields` with what they leave unset taken from `parent` (or the root defaults)."""
    inherited: dict[str, Any] = (
        {key: getattr(parent, key) for key in ROOT_DEFAULTS} if parent is not None else dict(ROOT_DEFAULTS)
    )
    own = {key: getattr(fields, key) for key in ROOT_DEFAULTS if getattr(fields, key) is not None}
    sla = dict(parent.sla) if parent is not None else {}
    if fields.sla is not None:
        sla |= fields.sla.stored()
    return TopicRow(
        code=code,
        parent_code=parent.code if parent is not None else None,
        position=position,
        names=dict(fields.names),
        sla=sla,
        rules={"keywords": fields.keywords, "patterns": fields.patterns},
        **(inherited | own),
    )


def _tree_problems(topics: Any) -> list[str]:
    """Problems only the whole tree shows: a code used twice, a child not directly under its parent.
    Works on the raw document, so they are reported together with the field problems."""
    problems: list[str] = []
    seen: set[str] = set()
    visited: set[int] = set()

    def walk(items: Any, parent_code: str | None) -> None:
        if not isinstance(items, list) or id(items) in visited:
            return
        visited.add(id(items))
        for item in items:
            if not isinstance(item, dict):
                continue
            code = item.get("code")
            if isinstance(code, str):
                if code in seen:
                    problems.append(f"topic {code!r}: code: used more than once")
                seen.add(code)
                expected_parent = code.rpartition(".")[0] or None
                if parent_code is None and expected_parent is not None:
                    problems.append(
                        f"topic {code!r}: code: a top-level code is one segment; "
                        f"nest it under {expected_parent!r}"
                    )
                elif parent_code is not None and expected_parent != parent_code:
                    problems.append(
                        f"topic {code!r}: code: a child of {parent_code!r} must be '{parent_code}.<segment>'"
                    )
            walk(item.get("children"), code if isinstance(code, str) else parent_code)

    walk(topics, None)
    return problems


def _describe(document: dict[str, Any], error: Any) -> str:
    """One pydantic error as 'topic <code>: <field>: <problem>', finding the code in the raw document."""
    location = list(error["loc"])
    node: Any = document
    topic: str | None = None
    while len(location) >= 2 and location[0] in ("topics", "children") and isinstance(location[1], int):
        try:
            node = node[location[0]][location[1]]
        except (KeyError, IndexError, TypeError):
            break
        code = node.get("code") if isinstance(node, dict) else None
        # A topic without a usable code is named by its place: the third child of 'billing'.
        topic = repr(code) if isinstance(code, str) else f"#{location[1] + 1} under {topic or 'the top'}"
        location = location[2:]
    message = str(error["msg"]).removeprefix("Value error, ")
    where = ".".join(str(part) for part in location)
    text = f"{where}: {message}" if where else message
    return f"topic {topic}: {text}" if topic is not None else text
