"""Reading a search box: terms, the record number they may name, and the PostgreSQL full-text query
(tsquery) they make. Each process decides what it searches (incidents.search keeps a document per
incident; changes search their titles); how a query is read is the same everywhere."""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQueryField
from django.db import models
from django.db.models import Func
from django.db.models.expressions import RawSQL

from .numbering import format_number

CONFIG = "english"  # stemmed ("payment" finds "Payments"); host names such as pay-db-1 stay whole too
MAX_TERMS = 8  # a longer query is cut here: the query's cost stays bounded
MAX_TERM_LENGTH = 64
_NOT_IN_TERM = re.compile(r"[^\w.\-/@]")  # a term keeps word characters and . - / @ (hosts, paths, mail)
_NUMBER = r"(?:{prefix}-?)?0*(\d{{1,12}})"


@dataclass(frozen=True)
class Terms:
    """A query as search reads it: its terms, and the record number it may name."""

    words: tuple[str, ...]
    number: int | None = None  # "42", "INC-42", "inc-000042" name number 42 (of the prefix parsed for)

    def __bool__(self) -> bool:
        return bool(self.words)


def parse(text: str | None, *, prefix: str) -> Terms:
    """The terms of a query typed by a person: split on spaces, each kept to letters, digits and
    `. - / @ _` (no tsquery syntax gets through), each once, at most MAX_TERMS of at most
    MAX_TERM_LENGTH characters. A single term that is a number, with or without `prefix` (e.g. INC)
    and leading zeros, names that record number."""
    words: list[str] = []
    for raw in (text or "").split():
        word = clean(raw)
        if word and word not in words:
            words.append(word)
    words = words[:MAX_TERMS]
    number = None
    if len(words) == 1 and (match := re.fullmatch(_NUMBER.format(prefix=prefix), words[0], re.IGNORECASE)):
        number = int(match.group(1))
    return Terms(tuple(words), number)


def clean(word: str) -> str:
    """`word` as a term: lower case, only word characters and `. - / @` inside, at most MAX_TERM_LENGTH."""
    return _NOT_IN_TERM.sub("", word).strip(".-/@_")[:MAX_TERM_LENGTH].lower()


def number_lexemes(prefix: str, number: int) -> tuple[str, str]:
    """The lexemes a search document stores for a record number: `inc-000042` and `42`."""
    return format_number(prefix, number).lower(), str(number)


def lexeme_query(lexemes: Sequence[str], *, weights: str = "") -> RawSQL:
    """A tsquery matching any of `lexemes` verbatim (not parsed, not stemmed)."""
    label = f":{weights}" if weights else ""
    text = " | ".join(f"'{lexeme}'{label}" for lexeme in lexemes)
    return RawSQL("%s::tsquery", [text], output_field=SearchQueryField())


def tsquery(
    terms: Terms,
    *,
    every: bool = True,
    weights: str = "",
    extra_lexemes: Sequence[str] = (),
    alternatives: Mapping[str, Sequence[str]] | None = None,
) -> RawSQL:
    """The tsquery of `terms`: every term (`every`) or any of them, each a prefix match of its stemmed
    lexemes (digits, and a first term given `extra_lexemes`, match exactly), restricted to `weights`
    (e.g. "ABC") when given. A term may also match its `alternatives` (spelling corrections);
    `extra_lexemes` (e.g. number_lexemes()) may match instead of the first term, verbatim."""
    params: list[str] = []
    parts = []
    for index, word in enumerate(terms.words):
        options = []
        names_number = index == 0 and bool(extra_lexemes)
        for option in (word, *(alternatives or {}).get(word, ())):
            # Digits, and a term naming a record number ("INC-42" would be a prefix of every number's
            # lexemes, ~50 ms at 1M), match exactly.
            star = "" if option.isdigit() or names_number else "*"
            params.append(f"'{option}':{star}{weights}" if star or weights else f"'{option}'")
            options.append(f"to_tsquery('{CONFIG}', %s)")
        if index == 0 and extra_lexemes:
            label = f":{weights}" if weights else ""
            params.append(" | ".join(f"'{lexeme}'{label}" for lexeme in extra_lexemes))
            options.append("%s::tsquery")
        parts.append(f"({' || '.join(options)})")
    return RawSQL(f"({(' && ' if every else ' || ').join(parts)})", params, output_field=SearchQueryField())


class Matches(Func):
    """`vector @@ query`, a condition for filter()."""

    template = "(%(expressions)s)"
    arg_joiner = " @@ "
    output_field = models.BooleanField()
