"""`omniline classify`: train the tenant's topic model and measure it on a held-out split."""

import sys
from typing import TYPE_CHECKING

import typer
from pydantic import ValidationError

from omniline.accounts.service import find_tenant
from omniline.cli.common import CLI_ACTOR, cli_container
from omniline.kernel.clock import utcnow
from omniline.kernel.errors import OmnilineError
from omniline.settings import Settings

if TYPE_CHECKING:  # the commands import scikit-learn when they run: every other command (`serve`) starts
    # seconds sooner without it
    from omniline.taxonomy.scoring import EvaluationReport

app = typer.Typer(help="Topic classification: train and evaluate the learned model.", no_args_is_help=True)

_TRAIN_STEPS = 4  # load, evaluate, refit, store: one tick of the progress bar each


@app.command("train")
def train(
    tenant: str | None = typer.Option(None, help="tenant slug; may be left out when there is one tenant"),
    holdout: float = typer.Option(0.2, help="share of each topic's examples held out for the scores"),
) -> None:
    """Train the tenant's topic model from the topics agents confirmed (and imported examples)."""
    from omniline.taxonomy.training import train_tenant_model

    with (
        cli_container() as container,
        container.uow() as uow,
        typer.progressbar(length=_TRAIN_STEPS, label="training", file=sys.stderr) as bar,
    ):
        owner = find_tenant(uow.session, tenant)
        stored = train_tenant_model(
            uow.session,
            owner.id,
            now=utcnow(),
            holdout=holdout,
            actor=CLI_ACTOR,
            progress=lambda _: bar.update(1),
        )
        uow.commit()
        metrics = stored.metrics
        samples, topics = stored.samples, len(stored.topic_codes)
    typer.echo(f"trained on {samples} examples of {topics} topics")
    for code, count in metrics.get("skipped_topics", {}).items():
        typer.echo(f"  left out {code}: only {count} example(s)")
    typer.echo(f"macro F1 (held out {holdout:.0%}): {metrics['macro_f1']:.3f}")


@app.command("evaluate")
def evaluate(
    tenant: str | None = typer.Option(None, help="tenant slug; may be left out when there is one tenant"),
    generated: bool = typer.Option(
        False, "--generated", help="evaluate on the generated 20-topic en/ru/zh set, without a database"
    ),
    holdout: float | None = typer.Option(
        None,
        help="share held out: of each topic's examples (default 0.2), with --generated of each "
        "topic's templates per language (default 0.25)",
    ),
    per_topic: int = typer.Option(40, help="with --generated: texts per topic and language"),
    seed: int = typer.Option(7, help="seed of the split (and of the generated set)"),
) -> None:
    """Print per-topic precision, recall, F1 and support on a held-out split, and the macro F1.

    With --generated: the rules and the model combined as they classify live messages, split by
    whole templates, with the model alone and the rules alone for comparison."""
    from omniline.taxonomy.training import evaluate_examples, load_examples, load_phrases, usable_examples

    if generated:
        _evaluate_generated(per_topic, 0.25 if holdout is None else holdout, seed)
        return
    with cli_container() as container, container.uow() as uow:
        owner = find_tenant(uow.session, tenant)
        texts, labels, skipped = usable_examples(*load_examples(uow.session, owner.id))
        for code, count in skipped.items():
            typer.echo(f"left out {code}: only {count} example(s)")
        phrases = load_phrases(uow.session, owner.id, labels)
        report = evaluate_examples(texts, labels, 0.2 if holdout is None else holdout, seed, phrases)
    _print_table(report)
    typer.echo(f"trained on {report.train_samples}, tested on {report.test_samples} held-out examples")
    typer.echo(f"macro F1: {report.macro_f1:.3f}")


def _evaluate_generated(per_topic: int, holdout: float, seed: int) -> None:
    from omniline.taxonomy.evaluation import evaluate_generated

    try:
        result = evaluate_generated(
            per_topic_per_language=per_topic, holdout=holdout, seed=seed, min_confidence=_live_threshold()
        )
    except OmnilineError as error:
        typer.secho(f"error: {error.message}", fg="red", err=True)
        raise typer.Exit(2) from None
    typer.echo(result.split)
    typer.echo("rules + model, as live messages are classified:")
    _print_table(result.combined)
    for label, report in (
        ("rules + model", result.combined),
        ("model alone", result.model),
        ("rules alone", result.rules),
    ):
        typer.echo(
            f"macro F1, {label + ':':<15}{report.macro_f1:.3f}  (abstained {report.abstention_rate:.1%})"
        )


def _live_threshold() -> float:
    """The threshold live classification uses, so abstentions are counted as they would happen; the
    default when the settings (irrelevant here: no database is used) do not load."""
    try:
        return Settings().classifier_min_confidence
    except ValidationError:
        return float(Settings.model_fields["classifier_min_confidence"].default)


def _print_table(report: "EvaluationReport") -> None:
    typer.echo(f"{'topic':<28}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}")
    for score in report.topics:
        typer.echo(
            f"{score.topic_code:<28}{score.precision:>10.3f}{score.recall:>10.3f}"
            f"{score.f1:>10.3f}{score.support:>9}"
        )
