"""Queries over the template repository and the job ↔ template-version record."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select

from netraven.store.queries import Bind
from netraven.store.template_models import JobTemplate, RepoTemplate, RepoTemplateVersion

__all__ = [
    "VersionRow",
    "add_version",
    "delete_template",
    "get_version",
    "job_templates",
    "list_templates",
    "record_job_templates",
    "sha256_of",
    "versions",
]

VersionRow = tuple[str, RepoTemplateVersion]  # (template name, version row)


def sha256_of(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def add_version(
    engine: Bind, name: str, body: str, author: str, message: str, when: datetime
) -> tuple[RepoTemplateVersion, bool]:
    """Append a version (creating the template if new); (row, created).

    A body identical to the latest version adds nothing: ``created`` is False and the
    latest is returned — that is what makes importing an unchanged folder a no-op.
    Two writers racing for the same number: the unique constraint refuses one, which
    retries on the next number.
    """
    sha = sha256_of(body)
    for _ in range(5):
        with Session(engine) as session:
            template = session.exec(select(RepoTemplate).where(RepoTemplate.name == name)).first()
            if template is None:
                template = RepoTemplate(name=name, created_at=when)
                session.add(template)
                try:
                    session.flush()
                except IntegrityError:
                    session.rollback()
                    continue
            assert template.id is not None
            latest = session.exec(
                select(RepoTemplateVersion)
                .where(RepoTemplateVersion.template_id == template.id)
                .order_by(col(RepoTemplateVersion.version).desc())
            ).first()
            if latest is not None and latest.sha256 == sha:
                return latest, False  # nothing was written; closing the session keeps it
            row = RepoTemplateVersion(
                template_id=template.id,
                version=(latest.version if latest else 0) + 1,
                sha256=sha,
                body=body,
                author=author,
                message=message,
                created_at=when,
            )
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                continue
            session.refresh(row)
            return row, True
    raise RuntimeError(f"template {name}: could not add a version (too many concurrent writers)")


def get_version(engine: Bind, name: str, version: int | None) -> RepoTemplateVersion | None:
    """One version of a template; the latest when ``version`` is None."""
    with Session(engine) as session:
        query = (
            select(RepoTemplateVersion)
            .join(RepoTemplate, col(RepoTemplate.id) == col(RepoTemplateVersion.template_id))
            .where(RepoTemplate.name == name)
        )
        if version is None:
            query = query.order_by(col(RepoTemplateVersion.version).desc())
        else:
            query = query.where(RepoTemplateVersion.version == version)
        return session.exec(query).first()


def versions(engine: Bind, name: str) -> list[RepoTemplateVersion]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(RepoTemplateVersion)
                .join(RepoTemplate, col(RepoTemplate.id) == col(RepoTemplateVersion.template_id))
                .where(RepoTemplate.name == name)
                .order_by(col(RepoTemplateVersion.version))
            ).all()
        )


def list_templates(engine: Bind) -> list[VersionRow]:
    """Every template with its latest version, by name."""
    with Session(engine) as session:
        newest = (
            select(
                col(RepoTemplateVersion.template_id),
                func.max(RepoTemplateVersion.version).label("version"),
            )
            .group_by(col(RepoTemplateVersion.template_id))
            .subquery()
        )
        rows = session.exec(
            select(RepoTemplate.name, RepoTemplateVersion)
            .join(RepoTemplateVersion, col(RepoTemplateVersion.template_id) == col(RepoTemplate.id))
            .join(
                newest,
                (newest.c.template_id == col(RepoTemplateVersion.template_id))
                & (newest.c.version == col(RepoTemplateVersion.version)),
            )
            .order_by(col(RepoTemplate.name))
        ).all()
        return [(name, row) for name, row in rows]


def delete_template(engine: Bind, name: str) -> bool:
    with Session(engine) as session:
        template = session.exec(select(RepoTemplate).where(RepoTemplate.name == name)).first()
        if template is None:
            return False
        session.exec(  # type: ignore[call-overload]
            delete(RepoTemplateVersion).where(col(RepoTemplateVersion.template_id) == template.id)
        )
        session.delete(template)
        session.commit()
        return True


def record_job_templates(
    engine: Bind, job_id: int, rendered: Iterable[tuple[str, int, str]]
) -> None:
    with Session(engine) as session:
        for name, version, sha in rendered:
            session.add(JobTemplate(job_id=job_id, name=name, version=version, sha256=sha))
        session.commit()


def job_templates(engine: Bind, job_id: int) -> list[JobTemplate]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(JobTemplate)
                .where(JobTemplate.job_id == job_id)
                .order_by(col(JobTemplate.name), col(JobTemplate.version))
            ).all()
        )
