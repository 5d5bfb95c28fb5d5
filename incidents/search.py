"""Full-text search over incidents: what is stored and how results are found and ranked.

Each incident has one `SearchDocument` row, written by PostgreSQL triggers (migration
`0014_search_document`), so every writer keeps it current — the services, the admin, bulk SQL (the
benchmark's seeding) alike; adding a comment or renaming a service or configuration item rewrites it.
Its `document` is a tsvector (core.search.CONFIG) weighted A: number and title, B: service and
configuration item names, C: description, resolution notes and public comments, D: internal work
notes; the number is also stored as the lexemes `inc-000042` and `42`. The same triggers add the words
of numbers, titles and service and CI names to `SearchWord`, the vocabulary typos are corrected against.

A search is one index-backed query (GIN on the document) read with a LIMIT: no COUNT(*), no scan of the
incidents. When no incident contains every term (one cheap query tells), each term also matches the
vocabulary's words most similar to it (pg_trgm, its own small GIN index): "replicaton" finds
"replication" at the cost of a search for "replication", whatever the number of incidents. Whoever may
not read internal work notes searches with each term restricted to weights A–C, so a note's words never
reveal an incident to them. Ranking (`search_rank`): the incident with the number asked for first, then
ts_rank over any of the terms; every part of the rank is read from the document, so PostgreSQL sorts
the matching documents and joins only a page of incidents. A number searched alone reads the incidents
of its (few) matches by id, at most NUMBER_MATCHES.
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchRank, SearchVectorField
from django.db import connection, models
from django.db.models import BigIntegerField, Case, F, Q, QuerySet, Value, When
from django.db.models.functions import Cast

from core import search as text_search

NUMBER_PREFIX = "INC"  # as incidents.services numbers them
RANK = "search_rank"
RANK_ORDERING = (f"-{RANK}", "-id")  # most relevant first, newest first among equals
NUMBER_FIRST = 10.0  # the number asked for outranks any text match (ts_rank stays below 1)
RANK_SCALE = 1_000_000.0
CORRECTIONS = 3  # vocabulary words tried for a term that matches nothing
MIN_SIMILARITY = 0.4  # pg_trgm similarity of a correction to the term typed
NUMBER_MATCHES = 1000  # at most this many incidents found by a number searched alone (see search())


class SearchDocument(models.Model):
    """What search reads of one incident; written only by the database's triggers, never by Python."""

    incident = models.OneToOneField(
        "incidents.Incident", on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    document = SearchVectorField()

    class Meta:
        indexes = [
            # New and changed documents wait in the index's pending list until it holds this many kB
            # (PostgreSQL's default: 4 MB); every search reads the whole list: ~4,000 waiting documents
            # (41 pages) made a search for a number take 0.55 ms instead of 0.05 ms.
            GinIndex(fields=["document"], name="incident_search_document_idx", gin_pending_list_limit=128)
        ]

    def __str__(self) -> str:
        return f"Search document of incident {self.incident_id}"


class SearchWord(models.Model):
    """A word of an incident's number, title, service or CI name (lower case), kept by the triggers;
    typos are corrected against these."""

    word = models.TextField(primary_key=True)

    class Meta:
        indexes = [GinIndex(OpClass("word", name="gin_trgm_ops"), name="incident_search_word_trgm_idx")]

    def __str__(self) -> str:
        return self.word


def parse(text: str | None) -> text_search.Terms:
    return text_search.parse(text, prefix=NUMBER_PREFIX)


def search(queryset: QuerySet, text: str | None, *, include_internal: bool = True) -> QuerySet:
    """`queryset` (incidents) narrowed to those matching `text`, annotated with `search_rank` (higher
    is more relevant; order by RANK_ORDERING). A query without terms changes nothing."""
    terms = parse(text)
    if not terms:
        return queryset
    weights = "" if include_internal else "ABC"
    numbers = text_search.number_lexemes(NUMBER_PREFIX, terms.number) if terms.number is not None else ()
    if numbers and not terms.words[0].isdigit():
        numbers = numbers[:1]  # "INC-000042" names that incident only; "42" also finds a "port 42"
    every = text_search.tsquery(terms, weights=weights, extra_lexemes=numbers)
    alternatives = None
    if terms.number is None and not SearchDocument.objects.filter(_matches(every)).exists():
        alternatives = corrections(terms.words)
        every = text_search.tsquery(terms, weights=weights, alternatives=alternatives)
    any_term = text_search.tsquery(
        terms, every=False, weights=weights, extra_lexemes=numbers, alternatives=alternatives
    )
    document = F("search_document__document")
    rank = SearchRank(document, any_term)
    if terms.number is not None:  # the incident with that number: its document holds `inc-000042`
        numbered = text_search.Matches(document, text_search.lexeme_query(numbers[:1]))
        rank = rank + Case(When(numbered, then=Value(NUMBER_FIRST)), default=Value(0.0))
    if terms.number is not None and len(terms.words) == 1:
        # A number alone matches a handful of documents, but PostgreSQL cannot know it (each number is
        # a lexeme of its own, estimated at ~1 % of the table), and planned a hash join over every
        # incident (0.4 s at 1M) or parallel workers (~10 ms to start). A subquery with a LIMIT bounds
        # its estimate, so the incidents are probed by id.
        matching = SearchDocument.objects.filter(_matches(every)).values("incident_id")
        queryset = queryset.filter(pk__in=matching[:NUMBER_MATCHES])
    found = queryset.filter(Q(text_search.Matches(document, every)))
    # An integer (millionths): a cursor carries it and compares it exactly on the next page.
    return found.annotate(**{RANK: Cast(rank * Value(RANK_SCALE), BigIntegerField())})


def _matches(query) -> Q:
    return Q(text_search.Matches(F("document"), query))


CORRECTION_SQL = """
    SELECT %s, ARRAY(
        SELECT w.word FROM incidents_searchword w
        WHERE w.word %% %s AND similarity(w.word, %s) >= %s AND w.word <> %s
        ORDER BY similarity(w.word, %s) DESC, w.word LIMIT %s)
"""  # one term, given as a value (so PostgreSQL plans a scan of the trigram index for it)


def correction_query(words) -> tuple[str, list]:
    sql = " UNION ALL ".join([CORRECTION_SQL] * len(words))
    params = [
        value for word in words for value in (word, word, word, MIN_SIMILARITY, word, word, CORRECTIONS)
    ]
    return sql, params


def corrections(words) -> dict[str, list[str]]:
    """For each word (not digits), the CORRECTIONS vocabulary words most similar to it (trigrams, at
    least MIN_SIMILARITY): one query over the vocabulary's trigram index."""
    words = [word for word in words if not word.isdigit() and len(word) >= 3]
    if not words:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(*correction_query(words))
        found = {
            term: [w for w in similar if w == text_search.clean(w)] for term, similar in cursor.fetchall()
        }
    return {term: similar for term, similar in found.items() if similar}


def requested(params, names=("search",)) -> bool:
    """Whether request parameters ask for a search with at least one term."""
    return any(parse(params.get(name)) for name in names)
