"""Schema migrations with Alembic (``migrations/`` at the top of the repository)."""
from __future__ import annotations

import os

from alembic import command
from alembic.config import Config
from flask import current_app

from sig.config import ROOT


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", os.path.join(ROOT, "migrations"))
    return cfg


def upgrade(revision: str = "head") -> None:
    """Upgrade the current app's database (the engine's connection is handed to env.py)."""
    cfg = alembic_config()
    with current_app.extensions["sig.db"].engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def import_models() -> None:
    """Import every module that defines tables, so ``Base.metadata`` is complete."""
    import auth.models  # noqa: F401
    import consent.models  # noqa: F401
    import kernel.audit.models  # noqa: F401
    import kernel.mail.models  # noqa: F401
    import kernel.reference  # noqa: F401
    import kernel.submissions  # noqa: F401
    import sig.area.models  # noqa: F401
    import sig.audit.models  # noqa: F401
    import sig.cases.models  # noqa: F401
    import sig.documents.models  # noqa: F401
    import sig.extracts.models  # noqa: F401
    import sig.meetings.models  # noqa: F401
    import sig.outcomes.models  # noqa: F401
    import sig.plans.models  # noqa: F401
    import sig.referrals.models  # noqa: F401
    import sig.retention.models  # noqa: F401
    import sig.statistics.models  # noqa: F401
    import sig.youths.models  # noqa: F401
