"""Migration 0008: a topic model stored as a joblib pickle (the first format) becomes plain arrays
that `loads` reads without unpickling, and predicts what it predicted before. Run on a database of
its own, migrated to 0007 first (SQLite in a file, or a throwaway PostgreSQL database)."""

import io
from datetime import UTC, datetime

import joblib
import pytest
from sqlalchemy import create_engine, select

from omniline.accounts.models import Tenant
from omniline.db.base import table_of
from omniline.db.migrate import upgrade_database
from omniline.kernel.ids import new_id
from omniline.settings import Settings
from omniline.taxonomy.model import loads, train_topic_model
from omniline.taxonomy.models import ClassifierModel

TEXTS = [
    "Где мой заказ?",
    "Заказ не пришёл",
    "我的订单在哪里",
    "订单还没到",
    "Where is my order",
    "Верните деньги",
    "退款",
    "I want a refund",
    "Посылка потерялась",
    "请退钱",
    "refund my money",
    "订单号是多少",
]
LABELS = ["order", "order", "order", "order", "order", "refund", "refund", "refund", "order", "refund"]
LABELS += ["refund", "order"]


def test_a_pickled_model_becomes_arrays_that_predict_the_same(fresh_database: str) -> None:
    url = Settings(database_url=fresh_database, environment="development").sqlalchemy_url
    upgrade_database(url, "0007")
    model = train_topic_model(TEXTS, LABELS)
    pickled = io.BytesIO()
    joblib.dump(
        {"format": "omniline.topic-model/1", "vectorizer": model.vectorizer, "classifier": model.classifier},
        pickled,
    )
    tenant_id, model_id, broken_id = new_id(), new_id(), new_id()
    now = datetime(2026, 11, 24, tzinfo=UTC)
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                table_of(Tenant)
                .insert()
                .values(
                    id=tenant_id,
                    slug="mig",
                    name="Миграция",
                    default_region="RU",
                    case_counter=0,
                    created_at=now,
                )
            )
            for row_id, blob in ((model_id, pickled.getvalue()), (broken_id, b"\x80\x04not a model")):
                connection.execute(
                    table_of(ClassifierModel)
                    .insert()
                    .values(
                        id=row_id,
                        tenant_id=tenant_id,
                        blob=blob,
                        topic_codes=["order", "refund"],
                        samples=len(TEXTS),
                        metrics={},
                        created_at=now,
                    )
                )

        upgrade_database(url)

        with engine.connect() as connection:
            blobs = dict(connection.execute(select(ClassifierModel.id, ClassifierModel.blob)).all())
    finally:
        engine.dispose()
    restored = loads(blobs[model_id])
    for probe in ("где заказ", "退款了吗", "refund please"):
        before, after = model.predict(probe), restored.predict(probe)
        assert [code for code, _ in after] == [code for code, _ in before]
        assert [share for _, share in after] == pytest.approx([share for _, share in before])
    assert blobs[broken_id] == b"\x80\x04not a model"  # left alone: refused on load, replaced by training
