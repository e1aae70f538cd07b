"""topic models without pickle: stored models become NumPy archives of plain arrays

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 23:30:00
"""

import io
import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

# Written out here rather than imported, so that this step keeps working whatever the model code
# becomes: the format taxonomy/model.py reads since this revision.
_NEW_FORMAT = "omniline.topic-model/2"
_OLD_FORMAT = "omniline.topic-model/1"


def upgrade() -> None:
    """Each model stored as a joblib pickle (written by this project's own training, before this
    revision) is read once more, here, and written again as plain arrays; from now on no stored
    model is ever unpickled. A blob that cannot be read is left alone: the classifier refuses it,
    and training again replaces it."""
    import joblib  # scikit-learn's own dependency; needed by this step only

    connection = op.get_bind()
    models = sa.table("classifier_models", sa.column("id", sa.Uuid()), sa.column("blob", sa.LargeBinary()))
    for model_id, blob in connection.execute(sa.select(models.c.id, models.c.blob)).all():
        try:
            content: Any = joblib.load(io.BytesIO(blob))
        except Exception:  # not a pickle: converted already, or never readable
            continue
        if not isinstance(content, dict) or content.get("format") != _OLD_FORMAT:
            log.warning("topic model %s is in no known format; train again to replace it", model_id)
            continue
        connection.execute(models.update().where(models.c.id == model_id).values(blob=_arrays(content)))


def _arrays(content: dict[str, Any]) -> bytes:
    vectorizer, classifier = content["vectorizer"], content["classifier"]
    vocabulary: dict[str, int] = vectorizer.vocabulary_
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        format=np.array(_NEW_FORMAT),
        terms=np.array(sorted(vocabulary, key=vocabulary.__getitem__), dtype=str),
        idf=vectorizer.idf_,
        coef=classifier.coef_,
        intercept=classifier.intercept_,
        classes=np.array([str(code) for code in classifier.classes_], dtype=str),
    )
    return buffer.getvalue()


def downgrade() -> None:
    # The arrays are not turned back into a pickle: a model trained again after a downgrade replaces
    # them, and until then the older code's classifier refuses them and routes on its rules alone.
    pass
