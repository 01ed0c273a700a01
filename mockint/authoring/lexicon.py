"""Words for drafting rubrics: specific synonyms, generic words, English word classes, and term weights.

The synonym groups are general English and general programming vocabulary, not tied to any question, and
each group holds words that can stand for one another in an answer ("unlimited" / "infinite", "parameter" /
"argument", irregular plurals such as "leaf" / "leaves"). Broad lists whose members only share a topic ("data,
information, value") are left out on purpose: a drafted check that accepted them would credit almost any
answer. Authors see the variants in the YAML and prune them; an LLM proposes better ones.

The word classes (determiners, prepositions, auxiliaries, a list of common verbs and their inflections) are
what the deterministic drafter needs to cut a reference answer into statements and to find its phrases,
without a tagger: :mod:`mockint.authoring.tagging` uses them with a few positional rules.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import lru_cache

__all__ = [
    "AUXILIARIES",
    "DETERMINERS",
    "GENERIC_WORDS",
    "NEGATIONS",
    "NEGATIVE_POLARITY",
    "PREPOSITIONS",
    "PRONOUNS",
    "RELATIVES",
    "SUBORDINATORS",
    "SYNONYM_GROUPS",
    "idf_weights",
    "synonyms",
    "third_person",
    "verb_form",
]

# Each line is one group of interchangeable words or phrases (first one the most common). Phrases are matched
# like any check phrase: content words stemmed, in any order within a short window of one sentence.
_GROUPS_TEXT = """
unlimited | infinite | unbounded | any number | arbitrary number | no limit | as many as needed | as many as you want
as many as you need | as many as you want | unlimited | infinite | any number
remove | delete | erase
insert | add
copy | duplicate | clone
parameter | argument
parameters | arguments
function | method | subroutine
error | bug | fault
once | one time | at least one time
at least once | at least one time | once
call | invoke
calls | invokes
called | invoked
return | give back
returns | gives back
element | item | entry
elements | items | entries
smaller | less | lower
larger | greater | bigger | higher
execute | run
executes | runs
executed | run
incorrect | wrong | invalid | incorrectly | wrongly
missing | absent | omitted | forgotten | not included | lack | lacking | no
maximum | max | at most | upper bound
minimum | min | lower bound
logarithm | log | logarithmic
log | logarithm | logarithmic
dynamically | at run time | at runtime | dynamic
directly | random access | by index
traverse | visit | walk
traversal | walk
reuse | reusability | reusable | reusing
hide | conceal | encapsulate | hidden
easy | simple | easier | simpler
hard | difficult | harder
change | modify | alter | update
create | construct | instantiate
deallocate | free | release
allocate | reserve
different | distinct
same | identical | equal | equivalent
before | prior to | ahead of
previous | preceding | predecessor
next | successor | subsequent
sorted | ordered | in order
large | big | huge
small | little | tiny
many | multiple | several | numerous
reason | cause
goal | purpose | aim
avoid | prevent | eliminate
improve | enhance | optimize
show | display | print
fifo | first in first out | first-in first-out
first in first out | fifo | first-in first-out
lifo | last in first out | last-in first-out
last in first out | lifo | last-in first-out
constant time | o(1)
child | children
leaf | leaves
index | indices | indexes
vertex | vertices
matrix | matrices
base case | stopping condition | terminating condition
circular array | circular buffer | ring buffer
wrap around | wraps around | wraparound | wrap-around
postfix | reverse polish | post fix
dereferencing | dereference | indirection
alias | synonym | another name
except | other than | apart from | excluding
"""

SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = tuple(
    tuple(part.strip() for part in line.split("|") if part.strip())
    for line in _GROUPS_TEXT.strip().splitlines()
    if line.strip()
)
"""Specific synonym groups (English and programming vocabulary)."""

_BY_WORD: dict[str, list[str]] = {}
for _group in SYNONYM_GROUPS:
    for _word in _group:
        _BY_WORD.setdefault(_word, [])
        _BY_WORD[_word].extend(other for other in _group if other != _word and other not in _BY_WORD[_word])

GENERIC_WORDS = frozenset(
    """
    thing things way ways something anything everything make makes made making use used uses using get gets got
    give gives given go goes going went take takes taken know known need needs like well new good bad also
    example examples case cases time times part parts kind type types lot lots number numbers one ones two
    first second different same many much more most less least able possible usually often always sometimes
    mean means meaning called call say says said see seen look looks want wants way basically simply
    actually really important certain specific particular general generally rather however therefore
    answer question strong weak good better best mature honest honestly concrete useful credible real
    see seeing seen help helps helped depend depends depending appear appears decide decides become becomes
    matter matters provide provides combine combines produce produces name names explain explains describe
    describes gives ties tie turn turns keep keeps instead already still just even whether
    under below above inside outside within without between through before after during across along
    data information value values place places work works done do does put set sets kept form forms
    based basis allow allows allowed perform performs performed achieve achieves achieved find finds found
    following follows property properties principle
    """.split()
)
"""Words too common to be a key term on their own (they get a low weight, never a concept of their own)."""

# --- word classes ------------------------------------------------------------------------------------------

DETERMINERS = frozenset(
    "a an the this that these those its their his her our your my each every any all some no both either neither "
    "another such".split()
)
"""Words that open a noun phrase."""

PRONOUNS = frozenset("it they he she we you i".split())
"""Subject pronouns (a statement that starts with one is about something said before)."""

PREPOSITIONS = frozenset(
    """
    of in on at by for with from into onto to as about over under between through throughout after before during
    without within toward towards around across along upon per than like via inside outside except including
    behind beyond among against beneath below above near past until unlike versus then
    """.split()
)
"""Prepositions (and "then"): they end a noun phrase."""

SUBORDINATORS = frozenset("if when whenever while because since although though unless until whereas once".split())
"""Words that open a subordinate clause."""

RELATIVES = frozenset("that which who whom whose where".split())
"""Words that open a relative clause after a noun."""

AUXILIARIES = frozenset(
    "is are was were be been being am do does did has have had can could will would shall should may might must "
    "cannot".split()
)
"""Auxiliary and modal verbs: a finite verb wherever they stand outside a noun phrase."""

NEGATIONS = frozenset("not never no".split())
"""Negation words that belong to the phrase they precede ("not included")."""

NEGATIVE_POLARITY = frozenset(
    """
    avoid avoids avoided avoiding prevent prevents prevented preventing eliminate eliminates eliminated
    eliminating without instead rather except only cannot unnecessary
    """.split()
)
"""Words of a statement that says something is absent, avoided or restricted: an answer says the same with
a negation ("avoids copies" / "does not copy")."""

# Common verbs of technical prose, base forms. Words that are mostly nouns in programming text ("list", "sort",
# "search", "stack", "queue", "push", "pop", "node") are left out so that their phrases stay whole.
_VERBS = frozenset(
    """
    access accept achieve add allocate allow alter append apply assign avoid begin belong build call cause change
    check choose clear combine compare compile compute consist construct contain continue convert copy correspond
    count create declare decrease define delete depend dereference describe destroy determine differ
    differentiate divide do eliminate enable encapsulate ensure enter evaluate examine exceed execute exist
    expand explain express extend fail fill find finish fit follow free generate get give go grow handle happen
    have help hide hold identify implement improve include increase indicate inherit initialize insert invoke
    iterate keep know lead let limit live load locate lose maintain make manage mean modify move need occur
    operate override overload pass perform point prevent print process produce protect provide put reach read
    receive recurse reduce refer release remain remove repeat replace represent require reserve reside resize
    restrict retrieve return reuse reverse run save see seem select send separate serve set show shrink simplify
    share skip solve specify split start stay stop store substitute support swap take terminate test throw track
    transfer traverse treat try turn update use vary visit wait walk want work wrap write yield
    """.split()
)

_IRREGULAR = {
    "made": "ed", "done": "ed", "seen": "ed", "given": "ed", "known": "ed", "written": "ed", "built": "ed",
    "kept": "ed", "found": "ed", "held": "ed", "taken": "ed", "put": "base", "set": "base", "run": "base",
    "read": "base", "gone": "ed", "went": "ed", "did": "ed", "got": "ed", "gotten": "ed", "led": "ed",
    "lost": "ed", "sent": "ed", "chosen": "ed", "grown": "ed", "thrown": "ed", "shown": "ed", "meant": "ed",
    "began": "ed", "begun": "ed", "ran": "ed", "saw": "ed", "took": "ed", "gave": "ed", "knew": "ed",
    "wrote": "ed", "does": "s", "goes": "s", "has": "s",
}  # fmt: skip


@lru_cache(maxsize=1 << 14)
def verb_form(word: str) -> str | None:
    """Whether a word is a form of a common verb, and which: ``base``, ``s``, ``ed`` or ``ing``.

    Args:
        word: One word, any case.

    Returns:
        The form, or ``None`` when the word is no form of a verb in the list.
    """
    low = word.casefold()
    if low in _IRREGULAR:
        return _IRREGULAR[low]
    if low in _VERBS:
        return "base"
    candidates: list[tuple[str, str]] = []
    if low.endswith("ing") and len(low) > 4:
        stem = low[:-3]
        candidates += [(stem, "ing"), (stem + "e", "ing"), (stem[:-1], "ing")]
    if low.endswith("ied"):
        candidates.append((low[:-3] + "y", "ed"))
    if low.endswith("ed") and len(low) > 3:
        candidates += [(low[:-2], "ed"), (low[:-1], "ed"), (low[:-3], "ed")]
    if low.endswith("ies"):
        candidates.append((low[:-3] + "y", "s"))
    if low.endswith("es"):
        candidates.append((low[:-2], "s"))
    if low.endswith("s") and not low.endswith("ss"):
        candidates.append((low[:-1], "s"))
    for stem, form in candidates:
        if stem in _VERBS:
            return form
    return None


def third_person(verb: str) -> str:
    """The third person singular of a base-form verb ("handle" -> "handles", "carry" -> "carries")."""
    if verb in ("have", "be", "do", "go"):
        return {"have": "has", "be": "is", "do": "does", "go": "goes"}[verb]
    if verb.endswith(("s", "sh", "ch", "x", "z", "o")):
        return verb + "es"
    if verb.endswith("y") and len(verb) > 1 and verb[-2] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


def synonyms(word: str) -> list[str]:
    """The specific synonyms of a word or phrase (lower case), not including itself.

    Args:
        word: A word or phrase as written in a reference answer.

    Returns:
        Variants from :data:`SYNONYM_GROUPS`, in group order; empty when the word is in no group.
    """
    return list(_BY_WORD.get(word.casefold().strip(), []))


def idf_weights(documents: Iterable[set[str]]) -> tuple[dict[str, float], int]:
    """Inverse document frequency of each key over a set of documents (a bank's reference answers).

    Rarer keys say more about what a particular answer must contain, so they weigh more (Robertson-style
    smoothing, never below a small positive floor so every key point keeps a valid weight).

    Args:
        documents: The keys of each document.

    Returns:
        The weight per key and the number of documents.
    """
    frequency: dict[str, int] = {}
    count = 0
    for keys in documents:
        count += 1
        for key in keys:
            frequency[key] = frequency.get(key, 0) + 1
    weights = {key: max(0.1, math.log((count + 1) / (seen + 0.5))) for key, seen in frequency.items()}
    return weights, count
