"""The template repository's tables and the record of which versions each job rendered.

A template is a name; its text lives in numbered versions (1, 2, …) that are never
changed, each with who, when, why and the body's sha256. ``job_template`` keeps the name,
version and sha (not a foreign key), so a job's record survives the template's deletion.
Revision 0007.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def _now() -> datetime:
    return datetime.now(UTC)


class RepoTemplate(SQLModel, table=True):
    __tablename__ = "repo_template"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)
    created_at: datetime = Field(default_factory=_now, sa_type=DateTime(timezone=True))


class RepoTemplateVersion(SQLModel, table=True):
    __tablename__ = "repo_template_version"
    __table_args__ = (UniqueConstraint("template_id", "version", name="uq_template_version"),)
    id: int | None = Field(default=None, primary_key=True)
    template_id: int = Field(foreign_key="repo_template.id", index=True)
    version: int
    sha256: str
    body: str = Field(sa_column=Column(Text, nullable=False))
    author: str
    message: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=_now, sa_type=DateTime(timezone=True))


class JobTemplate(SQLModel, table=True):
    """One row per template version a job rendered."""

    __tablename__ = "job_template"
    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(foreign_key="job.id", index=True)
    name: str
    version: int
    sha256: str
