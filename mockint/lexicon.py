"""Words for drafting deterministic checks: general synonyms, generic words, and term weights from a bank.

The synonym groups are general English and general programming vocabulary, not tied to any question: a
drafted check lists a word together with its group, so that "unlimited" also matches "infinite" and
"as many as needed". Authors see the variants in the YAML and prune them; an LLM proposes better ones.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

__all__ = ["GENERIC_WORDS", "SYNONYM_GROUPS", "idf_weights", "synonyms"]

# Each line is one group of interchangeable words or phrases (first one the most common). Phrases are matched
# like any check phrase: content words stemmed, in any order within a short window of one sentence.
_GROUPS_TEXT = """
unlimited | infinite | unbounded | any number | arbitrary number | no limit | as many as | as many as needed
begin | start | commence | initial | first
end | finish | terminate | last | final
beginning | start | front | head
remove | delete | erase | take out
add | insert | append | put
copy | duplicate | clone | replicate
size | length | count | number of
memory | storage | RAM
location | address | position | place
store | hold | keep | contain | save
fast | quick | efficient | speed | faster | quicker
slow | inefficient | slower
parameter | argument | input
function | method | procedure | routine | subroutine
error | bug | mistake | fault | failure
once | one time | at least one time
call | invoke | calls | invoked
return | give back | output | yield
program | code | software | application
data | information | value
collection | group | set | series | sequence
element | item | entry | member | object
link | connect | point to | reference
smaller | less | lower | fewer
larger | greater | bigger | more | higher
check | test | evaluate | verify | compare
execute | run | perform | carry out
incorrect | wrong | invalid | improper | bad | badly | incorrectly
missing | absent | omitted | forgotten | not included
every | each | all
maximum | max | most | at most | upper bound
minimum | min | least | at least | lower bound
zero | none | nothing | empty
two | pair | both
logarithm | log | logarithmic
dynamically | at run time | runtime | dynamic
directly | immediately | random access | constant time | by index
traverse | visit | walk | go through | iterate
reuse | reusability | reusable | reusing
hide | conceal | encapsulate | hidden
easy | simple | easier | simpler
hard | difficult | complex | harder
change | modify | alter | update
create | make | build | construct | generate
delete | free | deallocate | release
allocate | reserve | assign memory
different | distinct | unique | separate
same | identical | equal | equivalent
before | prior to | ahead of | earlier
after | following | later
loop | iterate | repeat | cycle
condition | test | check
true | correct | right | valid
false | incorrect | wrong | invalid
name | identifier | label
type | kind | sort
order | sequence | arrangement
sorted | ordered | in order
top | head | front
bottom | tail | end | rear | back
previous | prior | preceding
next | following | successor | subsequent
parent | ancestor
child | descendant | children
path | route
level | depth | layer
whole | entire | complete | full
part | portion | piece | section
large | big | huge
small | little | tiny
many | multiple | several | numerous
few | couple
problem | issue
result | outcome
example | instance
reason | cause
goal | purpose | aim
use | usage | utilize | employ
need | require | necessary | must
avoid | prevent | eliminate | skip
improve | enhance | optimize | better
show | display | print | output
read | load | fetch | get | retrieve
write | save | store | put
fifo | first in first out
lifo | last in first out
"""

SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = tuple(
    tuple(part.strip() for part in line.split("|") if part.strip())
    for line in _GROUPS_TEXT.strip().splitlines()
    if line.strip()
)
"""General synonym groups (English and programming vocabulary)."""

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
    actually really important main certain specific particular general generally rather however therefore
    answer question strong weak good better best mature honest honestly concrete useful credible real
    see seeing seen help helps helped depend depends depending appear appears decide decides become becomes
    matter matters provide provides combine combines produce produces name names explain explains describe
    describes gives ties tie turn turns keep keeps instead already still just even whether
    under below above inside outside within without between through before after during across along
    """.split()
)
"""Words too common to be a key term on their own (they get a low weight, never a key point of their own)."""


def synonyms(word: str) -> list[str]:
    """The general synonyms of a word or phrase (lower case), not including itself.

    Args:
        word: A word or phrase as written in a reference answer.

    Returns:
        Variants from :data:`SYNONYM_GROUPS`, in group order; empty when the word is in no group.
    """
    return list(_BY_WORD.get(word.casefold().strip(), []))


def idf_weights(documents: Iterable[set[str]]) -> tuple[dict[str, float], int]:
    """Inverse document frequency of each key over a set of documents (a bank's questions and references).

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
