"""consent

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 00:25:08.500825
"""
import datetime as dt

import sqlalchemy as sa
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('statutory_rules',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('source_kind', sa.String(length=32), nullable=False),
    sa.Column('recipient_kind', sa.String(length=32), nullable=False),
    sa.Column('categories', sa.String(length=255), nullable=False),
    sa.Column('excludes_pre_investigation', sa.Boolean(), nullable=False),
    sa.Column('needs_decision', sa.Boolean(), nullable=False),
    sa.Column('max_age', sa.Integer(), nullable=True),
    sa.Column('legal_reference', sa.String(length=200), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statutory_rules'))
    )
    with op.batch_alter_table('statutory_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statutory_rules_code'), ['code'], unique=False)

    op.create_table('consents',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('documented_by_id', sa.String(length=36), nullable=False),
    sa.Column('given_on', sa.Date(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_by_id', sa.String(length=36), nullable=True),
    sa.Column('note_enc', sa.LargeBinary(), nullable=True),
    sa.Column('origin_org_id', sa.String(length=36), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('created_by_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('pre_investigation', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_consents_case_id_cases')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_consents_created_by_id_users')),
    sa.ForeignKeyConstraint(['documented_by_id'], ['users.id'], name=op.f('fk_consents_documented_by_id_users')),
    sa.ForeignKeyConstraint(['origin_org_id'], ['organisations.id'], name=op.f('fk_consents_origin_org_id_organisations')),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['users.id'], name=op.f('fk_consents_withdrawn_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consents'))
    )
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consents_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consents_origin_org_id'), ['origin_org_id'], unique=False)

    op.create_table('disclosures',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('rule_id', sa.String(length=36), nullable=False),
    sa.Column('recipient_org_id', sa.String(length=36), nullable=False),
    sa.Column('assessment_enc', sa.LargeBinary(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('origin_org_id', sa.String(length=36), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('created_by_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('pre_investigation', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_disclosures_case_id_cases')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_disclosures_created_by_id_users')),
    sa.ForeignKeyConstraint(['origin_org_id'], ['organisations.id'], name=op.f('fk_disclosures_origin_org_id_organisations')),
    sa.ForeignKeyConstraint(['recipient_org_id'], ['organisations.id'], name=op.f('fk_disclosures_recipient_org_id_organisations')),
    sa.ForeignKeyConstraint(['rule_id'], ['statutory_rules.id'], name=op.f('fk_disclosures_rule_id_statutory_rules')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosures'))
    )
    with op.batch_alter_table('disclosures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disclosures_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_disclosures_origin_org_id'), ['origin_org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_disclosures_recipient_org_id'), ['recipient_org_id'], unique=False)

    op.create_table('consent_grants',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('consent_id', sa.String(length=36), nullable=False),
    sa.Column('source_org_id', sa.String(length=36), nullable=False),
    sa.Column('recipient_org_id', sa.String(length=36), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_by_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['consent_id'], ['consents.id'], name=op.f('fk_consent_grants_consent_id_consents')),
    sa.ForeignKeyConstraint(['recipient_org_id'], ['organisations.id'], name=op.f('fk_consent_grants_recipient_org_id_organisations')),
    sa.ForeignKeyConstraint(['source_org_id'], ['organisations.id'], name=op.f('fk_consent_grants_source_org_id_organisations')),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['users.id'], name=op.f('fk_consent_grants_withdrawn_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_grants'))
    )
    with op.batch_alter_table('consent_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_grants_consent_id'), ['consent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consent_grants_recipient_org_id'), ['recipient_org_id'], unique=False)

    op.create_table('consent_parties',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('consent_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('guardian_id', sa.String(length=36), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_by_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['consent_id'], ['consents.id'], name=op.f('fk_consent_parties_consent_id_consents')),
    sa.ForeignKeyConstraint(['guardian_id'], ['guardians.id'], name=op.f('fk_consent_parties_guardian_id_guardians')),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['users.id'], name=op.f('fk_consent_parties_withdrawn_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_parties'))
    )
    with op.batch_alter_table('consent_parties', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_parties_consent_id'), ['consent_id'], unique=False)

    op.create_table('disclosure_items',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('disclosure_id', sa.String(length=36), nullable=False),
    sa.Column('item_type', sa.String(length=32), nullable=False),
    sa.Column('item_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['disclosure_id'], ['disclosures.id'], name=op.f('fk_disclosure_items_disclosure_id_disclosures')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosure_items'))
    )
    with op.batch_alter_table('disclosure_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disclosure_items_disclosure_id'), ['disclosure_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_disclosure_items_item_id'), ['item_id'], unique=False)

    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pre_investigation', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pre_investigation', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))

    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pre_investigation', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))

    with op.batch_alter_table('goals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pre_investigation', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))

    with op.batch_alter_table('guardians', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pre_investigation', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))

    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pre_investigation', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))

    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pre_investigation', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))

    with op.batch_alter_table('minutes_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pre_investigation', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))

    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pre_investigation', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))

    with op.batch_alter_table('youths', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pre_investigation', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))



    # The statutory provisions in force (DESIGN §4), as reviewable data.
    rules = sa.table("statutory_rules", *(sa.column(c) for c in (
        "id", "code", "version", "source_kind", "recipient_kind", "categories",
        "excludes_pre_investigation", "needs_decision", "max_age", "legal_reference",
        "explanation", "valid_from", "valid_to")))
    op.bulk_insert(rules, [
        {"id": "0b5e1c64-6f0b-4c7e-9d1a-1f5e2a3b4c01", "code": "police_to_social_services",
         "version": 1, "source_kind": "police", "recipient_kind": "social_services",
         "categories": "*", "excludes_pre_investigation": True, "needs_decision": False,
         "max_age": None,
         "legal_reference": "OSL 10 kap. 28 § jfr 14 kap. 1 § SoL; undantag: "
                            "förundersökningssekretess, OSL 18 kap. 1 §",
         "explanation": "Polisen får lämna uppgifter till socialtjänsten om en ung person "
                        "som kan behöva socialtjänstens stöd. Uppgifter som omfattas av "
                        "sekretess i en förundersökning lämnas inte ut: polisen markerar "
                        "sådant material när det registreras.",
         "valid_from": dt.date(2026, 1, 1), "valid_to": None},
        {"id": "0b5e1c64-6f0b-4c7e-9d1a-1f5e2a3b4c02", "code": "social_services_to_police_u21",
         "version": 1, "source_kind": "social_services", "recipient_kind": "police",
         "categories": "*", "excludes_pre_investigation": False, "needs_decision": True,
         "max_age": 21, "legal_reference": "OSL 10 kap. 18 a §",
         "explanation": "Socialtjänsten får i det enskilda fallet lämna uppgifter om en person "
                        "under 21 år till polisen, om det behövs för att förhindra att den "
                        "unge begår brott. Det kräver ett beslut om utlämnande av namngivna "
                        "uppgifter med en skriftlig bedömning – aldrig ett generellt "
                        "utlämnande.",
         "valid_from": dt.date(2026, 1, 1), "valid_to": None},
    ])


def downgrade() -> None:
    with op.batch_alter_table('youths', schema=None) as batch_op:
        batch_op.drop_column('pre_investigation')

    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_column('pre_investigation')

    with op.batch_alter_table('minutes_entries', schema=None) as batch_op:
        batch_op.drop_column('pre_investigation')

    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_column('pre_investigation')

    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('pre_investigation')

    with op.batch_alter_table('guardians', schema=None) as batch_op:
        batch_op.drop_column('pre_investigation')

    with op.batch_alter_table('goals', schema=None) as batch_op:
        batch_op.drop_column('pre_investigation')

    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.drop_column('pre_investigation')

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('pre_investigation')

    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_column('pre_investigation')

    with op.batch_alter_table('disclosure_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disclosure_items_item_id'))
        batch_op.drop_index(batch_op.f('ix_disclosure_items_disclosure_id'))

    op.drop_table('disclosure_items')
    with op.batch_alter_table('consent_parties', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_parties_consent_id'))

    op.drop_table('consent_parties')
    with op.batch_alter_table('consent_grants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_grants_recipient_org_id'))
        batch_op.drop_index(batch_op.f('ix_consent_grants_consent_id'))

    op.drop_table('consent_grants')
    with op.batch_alter_table('disclosures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disclosures_recipient_org_id'))
        batch_op.drop_index(batch_op.f('ix_disclosures_origin_org_id'))
        batch_op.drop_index(batch_op.f('ix_disclosures_case_id'))

    op.drop_table('disclosures')
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consents_origin_org_id'))
        batch_op.drop_index(batch_op.f('ix_consents_case_id'))

    op.drop_table('consents')
    with op.batch_alter_table('statutory_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statutory_rules_code'))

    op.drop_table('statutory_rules')
