"""Classify one message into the tenant's topics: rules first, then the newest trained model.

How the answer is made:

1. The tenant's active topics' rules (rules.py) are matched. A rule result's confidence is
   `1 - 0.5 ** margin`, where margin is the best hit's score minus the runner-up's (0 when alone):
   one keyword alone gives 0.5, two keywords or one pattern ahead give 0.75, a tie gives 0. At
   `RULES_WIN` (0.75) or above the rules win outright.
2. Otherwise the newest ClassifierModel's probabilities are taken (for active topics only), and the
   rule's best topic, if any, is combined with them as independent evidence:
   `1 - (1 - p_model) * (1 - rule_confidence)`.
3. The best topic is the answer when its confidence reaches `min_confidence`; below it the topic is
   left for the agent (topic_code None, source "none"), with the candidates still listed.

Caches (per process): the compiled rules of a tenant and the id of its newest model for
`RULES_TTL_SECONDS` (topics change rarely, training takes minutes), and loaded models by id; a message
costs no query when both are fresh. A model trained in this process is used at once
(`forget_tenant_classifier`); one trained elsewhere within `RULES_TTL_SECONDS`.
"""

import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from sqlalchemy import Uuid, bindparam, select
from sqlalchemy.orm import Session

from omniline.kernel.errors import InvalidInput
from omniline.kernel.ttl_cache import TtlCache
from omniline.taxonomy.models import ClassifierModel, Topic
from omniline.taxonomy.rules import RuleHit, RuleSet, TopicRules, compile_rules, match_rules

log = logging.getLogger(__name__)

RULES_WIN = 0.75
RULES_TTL_SECONDS = 5.0
MODELS_KEPT = 8  # loaded models kept per process (one per active tenant is typical)
CANDIDATES = 3

if TYPE_CHECKING:  # scikit-learn is imported only when a tenant's model is first loaded: it costs
    # seconds, and a server (or a CLI command) that never classifies with a model should not wait for it
    from omniline.taxonomy.model import TopicModel

Source = Literal["rules", "model", "none"]


@dataclass(frozen=True, slots=True)
class Classification:
    """What `classify_text` decided. `candidates` are the best topics with their confidence, best
    first; when the rules win outright the topics they put behind the winner are listed with 0."""

    topic_code: str | None
    confidence: float
    source: Source
    candidates: tuple[tuple[str, float], ...]  # best first, at most CANDIDATES


@dataclass(frozen=True, slots=True)
class _TenantRules:
    ruleset: RuleSet
    active_codes: frozenset[str]
    model_id: uuid.UUID | None  # the newest trained model, if any


class _Caches:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.rules: TtlCache[uuid.UUID, _TenantRules] = TtlCache(RULES_TTL_SECONDS)
        self._models: OrderedDict[uuid.UUID, TopicModel] = OrderedDict()

    def model(self, model_id: uuid.UUID, load: Callable[[], "TopicModel"]) -> "TopicModel":
        with self._lock:
            cached = self._models.get(model_id)
            if cached is not None:
                self._models.move_to_end(model_id)
                return cached
        loaded = load()  # outside the lock: reading a model takes milliseconds
        with self._lock:
            self._models[model_id] = loaded
            while len(self._models) > MODELS_KEPT:
                self._models.popitem(last=False)
        return loaded

    def clear(self) -> None:
        self.rules.clear()
        with self._lock:
            self._models.clear()


_caches = _Caches()
_NEWEST_MODEL = (
    select(ClassifierModel.id)
    .where(ClassifierModel.tenant_id == bindparam("tenant_id", type_=Uuid()))
    .order_by(ClassifierModel.created_at.desc(), ClassifierModel.id.desc())
    .limit(1)
)


def clear_classifier_caches() -> None:
    """Forget cached rules and models (tests; a process that must see a change at once)."""
    _caches.clear()


def forget_tenant_classifier(tenant_id: uuid.UUID) -> None:
    """Read the tenant's topics and newest model again on its next message (after training)."""
    _caches.rules.forget(tenant_id)


def _load_rules(session: Session, tenant_id: uuid.UUID) -> _TenantRules:
    rows = session.execute(
        select(Topic.code, Topic.rules)
        .where(Topic.tenant_id == tenant_id, Topic.is_active.is_(True))
        .order_by(Topic.position, Topic.code)
    ).all()
    topics = []
    for code, rules in rows:
        try:
            topics.append(TopicRules.from_mapping(code, rules))
        except InvalidInput:
            continue
    # A bad pattern stored in one topic must not stop every message from being classified.
    ruleset = compile_rules(topics, skip_invalid=True)
    model_id = session.scalar(_NEWEST_MODEL, {"tenant_id": tenant_id})
    return _TenantRules(ruleset, frozenset(code for code, _ in rows), model_id)


def _load_model(session: Session, model_id: uuid.UUID) -> "TopicModel":
    from omniline.taxonomy.model import loads

    blob = session.scalar(select(ClassifierModel.blob).where(ClassifierModel.id == model_id))
    return loads(blob or b"")


def rule_confidence(hits: list[RuleHit]) -> float:
    """The confidence of the best rule hit, as the module docstring defines it (0 with no hits)."""
    if not hits:
        return 0.0
    margin = hits[0].score - (hits[1].score if len(hits) > 1 else 0.0)
    return float(1.0 - 0.5**margin)


def classify_text(
    session: Session, tenant_id: uuid.UUID, text: str, *, language: str | None, min_confidence: float
) -> Classification:
    """The topic of `text` for the tenant, as the module docstring describes. Reads only."""
    tenant = _caches.rules.get(tenant_id, lambda _stale: _load_rules(session, tenant_id))
    hits = match_rules(tenant.ruleset, text, language)
    scores: dict[str, float] = {}
    # The model is only loaded when the rules do not win outright (combine would ignore it).
    if rule_confidence(hits) < RULES_WIN:
        model_id = tenant.model_id
        if model_id is not None:
            try:
                model = _caches.model(model_id, lambda: _load_model(session, model_id))
            except InvalidInput:  # a stored model this code cannot read: the rules decide alone
                log.warning("topic model %s cannot be read; train again to replace it", model_id)
            else:
                scores = {code: p for code, p in model.predict(text) if code in tenant.active_codes}
    return combine(hits, scores, min_confidence=min_confidence)


def combine(hits: list[RuleHit], scores: Mapping[str, float], *, min_confidence: float) -> Classification:
    """The decision of steps 1–3 of the module docstring from the rule hits (best first, as
    `match_rules` gives them) and the model's probabilities per topic (empty without a model).

    Pure: `classify_text` and the evaluation (`omniline classify evaluate`) both call it, so what is
    measured is what runs. Empty hits give the model alone, empty scores the rules alone."""
    from_rules = rule_confidence(hits)
    if from_rules >= RULES_WIN:
        candidates = [(hits[0].topic_code, from_rules)]
        candidates += [(hit.topic_code, 0.0) for hit in hits[1:CANDIDATES]]
        return Classification(hits[0].topic_code, round(from_rules, 4), "rules", _rounded(candidates))
    combined = dict(scores)
    rule_code = hits[0].topic_code if hits and from_rules > 0 else None
    source: Source = "model"
    if rule_code is not None:
        from_model = combined.get(rule_code, 0.0)
        combined[rule_code] = 1.0 - (1.0 - from_model) * (1.0 - from_rules)
        if from_rules >= from_model and max(combined, key=combined.__getitem__) == rule_code:
            source = "rules"
    ranked = sorted(combined.items(), key=lambda item: (-item[1], item[0]))[:CANDIDATES]
    listed = _rounded(ranked)
    if not ranked or ranked[0][1] < min_confidence:
        return Classification(None, listed[0][1] if listed else 0.0, "none", listed)
    return Classification(ranked[0][0], listed[0][1], source, listed)


def _rounded(pairs: list[tuple[str, float]]) -> tuple[tuple[str, float], ...]:
    return tuple((code, round(score, 4)) for code, score in pairs)
