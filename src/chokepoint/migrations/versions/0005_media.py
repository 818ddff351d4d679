"""Adverse media: articles, their mentions and mention words, signature
bands, and duplicate / related links.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media_articles",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("content_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("title", sa.Text()),
        sa.Column("published", sa.String(40)),
        sa.Column("source", sa.String(300)),
        sa.Column("author", sa.String(300)),
        sa.Column("url", sa.Text()),
        sa.Column("origin", sa.Text(), nullable=False),
        sa.Column("format", sa.String(10), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("extraction", sa.JSON(), nullable=False),
        sa.Column("attributions", sa.JSON(), nullable=False),
        sa.Column("signature", sa.JSON(), nullable=False),
        sa.Column("duplicate_of", sa.Integer(), sa.ForeignKey("media_articles.id")),
        sa.Column("similarity", sa.Float()),
        sa.Column("list_versions", sa.JSON(), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ingested_by", sa.String(100), nullable=False),
    )
    op.create_table(
        "media_mentions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("article_id", sa.Integer(), sa.ForeignKey("media_articles.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("label", sa.String(500), nullable=False),
        sa.Column("text", sa.String(500), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("speaker", sa.String(200)),
        sa.Column("speaker_role", sa.String(300)),
        sa.Column("score", sa.Float()),
        sa.Column("specific", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_index("ix_media_mentions_key", "media_mentions", ["kind", "key"])
    op.create_index("ix_media_mentions_article", "media_mentions", ["article_id"])
    op.create_table(
        "media_mention_words",
        sa.Column("word", sa.String(100), primary_key=True),
        sa.Column("mention_id", sa.Integer(), sa.ForeignKey("media_mentions.id"), primary_key=True),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "media_bands",
        sa.Column("band", sa.String(40), primary_key=True),
        sa.Column("article_id", sa.Integer(), sa.ForeignKey("media_articles.id"), primary_key=True),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "media_links",
        sa.Column("article_id", sa.Integer(), sa.ForeignKey("media_articles.id"), primary_key=True),
        sa.Column("other_id", sa.Integer(), sa.ForeignKey("media_articles.id"), primary_key=True),
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("shared", sa.JSON(), nullable=False),
    )
    op.create_index("ix_media_links_other", "media_links", ["other_id"])


def downgrade() -> None:
    op.drop_index("ix_media_links_other", "media_links")
    op.drop_table("media_links")
    op.drop_table("media_bands")
    op.drop_table("media_mention_words")
    op.drop_index("ix_media_mentions_article", "media_mentions")
    op.drop_index("ix_media_mentions_key", "media_mentions")
    op.drop_table("media_mentions")
    op.drop_table("media_articles")
