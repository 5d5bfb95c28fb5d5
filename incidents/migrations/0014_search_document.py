"""The incidents' search documents and vocabulary (incidents.search) and the triggers that keep them.

One view, `incidents_search_source`, defines an incident's document (weights: A number and title, B service
and configuration item names, C description, resolution notes and public comments, D internal work notes)
and its `words` (title, service and CI names: the vocabulary typos are corrected against);
`incidents_search_refresh(ids)` writes both for the given incidents. Triggers call
it when an incident is inserted (once per statement, so bulk SQL inserts stay fast), when a searched
column of an incident changes, when a comment joins an incident's timeline, and when a service or a
configuration item is renamed. Existing incidents get their document here."""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

SOURCE_VIEW = r"""
CREATE VIEW incidents_search_source AS
SELECT i.id AS incident_id,
       CASE WHEN i.number ~ '^[A-Z]+-[0-9]+$' THEN format(
           '%L:1A %L:1A', lower(i.number), coalesce(nullif(ltrim(split_part(i.number, '-', 2), '0'), ''), '0')
       )::tsvector ELSE ''::tsvector END
       || setweight(to_tsvector('english', i.title), 'A')
       || setweight(to_tsvector('english', concat_ws(' ', s.name, c.name)), 'B')
       || setweight(to_tsvector('english', concat_ws(E'\n', i.description, i.resolution_notes, n.public)), 'C')
       || setweight(to_tsvector('english', coalesce(n.internal, '')), 'D') AS document,
       concat_ws(' ', i.title, s.name, c.name) AS words
FROM incidents_incident i
JOIN catalog_service s ON s.id = i.service_id
LEFT JOIN catalog_configurationitem c ON c.id = i.ci_id
LEFT JOIN LATERAL (
    SELECT string_agg(t.note, E'\n' ORDER BY t.id) FILTER (WHERE t.visibility = 'public') AS public,
           string_agg(t.note, E'\n' ORDER BY t.id) FILTER (WHERE t.visibility <> 'public') AS internal
    FROM core_timelineentry t
    WHERE t.content_type_id = (
              SELECT id FROM django_content_type WHERE app_label = 'incidents' AND model = 'incident')
      AND t.object_id = i.id AND t.kind = 'comment'
) n ON true;
"""

FUNCTIONS = r"""
CREATE FUNCTION incidents_search_refresh(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    WITH source AS (SELECT * FROM incidents_search_source WHERE incident_id = ANY(ids)),
    documents AS (
        INSERT INTO incidents_searchdocument (incident_id, document)
        SELECT incident_id, document FROM source
        ON CONFLICT (incident_id) DO UPDATE SET document = EXCLUDED.document
    )
    INSERT INTO incidents_searchword (word)  -- in order: concurrent writers take the same locks in turn
    SELECT DISTINCT word FROM (
        SELECT btrim(regexp_split_to_table(lower(words), '[^[:alnum:]_.@/-]+'), '.-/@_') AS word FROM source
    ) AS split
    WHERE length(word) BETWEEN 3 AND 64 AND word !~ '^[0-9]+$'
    ORDER BY word
    ON CONFLICT (word) DO NOTHING
$$;

CREATE FUNCTION incidents_search_on_incident_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM incidents_search_refresh(ARRAY(SELECT id FROM inserted));
    RETURN NULL;
END $$;

CREATE FUNCTION incidents_search_on_incident_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM incidents_search_refresh(ARRAY[NEW.id]);
    RETURN NULL;
END $$;

CREATE FUNCTION incidents_search_on_comment() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[] := ARRAY(
        SELECT DISTINCT e.object_id FROM inserted e
        WHERE e.kind = 'comment' AND e.content_type_id = (
            SELECT id FROM django_content_type WHERE app_label = 'incidents' AND model = 'incident'));
BEGIN
    IF cardinality(ids) > 0 THEN
        PERFORM incidents_search_refresh(ids);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION incidents_search_on_service_rename() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM incidents_search_refresh(ARRAY(SELECT id FROM incidents_incident WHERE service_id = NEW.id));
    RETURN NULL;
END $$;

CREATE FUNCTION incidents_search_on_ci_rename() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM incidents_search_refresh(ARRAY(SELECT id FROM incidents_incident WHERE ci_id = NEW.id));
    RETURN NULL;
END $$;
"""

TRIGGERS = r"""
CREATE TRIGGER incidents_search_incident_insert
    AFTER INSERT ON incidents_incident REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION incidents_search_on_incident_insert();

CREATE TRIGGER incidents_search_incident_update
    AFTER UPDATE OF number, title, description, resolution_notes, service_id, ci_id ON incidents_incident
    FOR EACH ROW WHEN (
        OLD.number IS DISTINCT FROM NEW.number OR OLD.title IS DISTINCT FROM NEW.title
        OR OLD.description IS DISTINCT FROM NEW.description
        OR OLD.resolution_notes IS DISTINCT FROM NEW.resolution_notes
        OR OLD.service_id IS DISTINCT FROM NEW.service_id OR OLD.ci_id IS DISTINCT FROM NEW.ci_id)
    EXECUTE FUNCTION incidents_search_on_incident_update();

CREATE TRIGGER incidents_search_comment
    AFTER INSERT ON core_timelineentry REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION incidents_search_on_comment();

CREATE TRIGGER incidents_search_service_rename
    AFTER UPDATE OF name ON catalog_service
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION incidents_search_on_service_rename();

CREATE TRIGGER incidents_search_ci_rename
    AFTER UPDATE OF name ON catalog_configurationitem
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION incidents_search_on_ci_rename();
"""

DROP = r"""
DROP TRIGGER IF EXISTS incidents_search_ci_rename ON catalog_configurationitem;
DROP TRIGGER IF EXISTS incidents_search_service_rename ON catalog_service;
DROP TRIGGER IF EXISTS incidents_search_comment ON core_timelineentry;
DROP TRIGGER IF EXISTS incidents_search_incident_update ON incidents_incident;
DROP TRIGGER IF EXISTS incidents_search_incident_insert ON incidents_incident;
DROP FUNCTION IF EXISTS incidents_search_on_ci_rename();
DROP FUNCTION IF EXISTS incidents_search_on_service_rename();
DROP FUNCTION IF EXISTS incidents_search_on_comment();
DROP FUNCTION IF EXISTS incidents_search_on_incident_update();
DROP FUNCTION IF EXISTS incidents_search_on_incident_insert();
DROP FUNCTION IF EXISTS incidents_search_refresh(bigint[]);
DROP VIEW IF EXISTS incidents_search_source;
"""

BACKFILL = "SELECT incidents_search_refresh(ARRAY(SELECT id FROM incidents_incident));"


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("catalog", "0003_dependency_walk_index"),
        ("core", "0001_initial"),
        ("incidents", "0013_hold_reason_caller_watchers"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchDocument",
            fields=[
                (
                    "incident",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_document",
                        serialize=False,
                        to="incidents.incident",
                    ),
                ),
                ("document", django.contrib.postgres.search.SearchVectorField()),
            ],
            options={
                "indexes": [
                    django.contrib.postgres.indexes.GinIndex(
                        fields=["document"], name="incident_search_document_idx"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="SearchWord",
            fields=[("word", models.TextField(primary_key=True, serialize=False))],
            options={
                "indexes": [
                    django.contrib.postgres.indexes.GinIndex(
                        django.contrib.postgres.indexes.OpClass("word", name="gin_trgm_ops"),
                        name="incident_search_word_trgm_idx",
                    )
                ],
            },
        ),
        migrations.RunSQL(SOURCE_VIEW + FUNCTIONS + TRIGGERS + BACKFILL, reverse_sql=DROP),
    ]
