"""A synthetic long-term memory with ground truth, for retrieval benchmarks.

Each scope holds people (the user's contacts) with the facts a memory would gather about
them: where they live and work (changing over the years), what they eat and enjoy, allergies,
pets, schools, family and friends. Queries are phrased unlike the stored facts and come with
the facts that answer them: current-state questions, multi-hop questions (a relative's city)
and "as of" questions (where someone lived in a given year). Deterministic for a given seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime

FIRST = """Ada Alan Alice Amir Ana Anders Anika Arjun Astrid Ayla Bea Ben Bruno Carla Carlos Chen
Chloe Clara Dara Dev Diego Elena Eli Emil Emma Eva Farah Felix Finn Freya Gabe Greta Hana
Hugo Ida Ines Ivan Jade Jamal Jana Jonas Juan Kai Kaia Karl Keiko Lara Leo Lena Liam Lina
Luca Lucia Mara Marco Maya Mei Milo Mina Nadia Nate Nia Nico Nina Noah Nora Olga Omar
Oscar Paula Pedro Priya Quinn Rafa Rami Rana Rosa Ruben Ruth Sami Sara Sean Selma Sofia
Sven Tara Theo Timo Tina Tomas Uma Vera Victor Wen Yara Yusuf Zara Zoe Abel Beatriz Cyrus
Dina Edgar Fatima Gustav Helga Irene Jakob Kofi Lotte Mateo Nils Orla Petra Rhea Soren
Tariq Ulla Viggo Wanda""".split()
LAST = """Abe Adler Baker Berg Brandt Castro Costa Dahl Diaz Eder Falk Fischer Garcia Gomez Hahn
Hansen Ito Jansen Jensen Kaur Keller Khan Kim Koch Lang Larsen Lee Lopez Maier Meyer
Moreau Mori Nakamura Nielsen Novak Olsen Ortiz Park Patel Perez Quint Ramos Reyes Roth
Sato Schmid Silva Singh Sousa Stein Suzuki Tan Torres Vogel Wagner Walsh Weber Wolf Wong
Yilmaz Young Zhang Ziegler Okafor Mensah Haddad Rossi Bianchi Kowalski Horvat Popescu
Ivanova Petrov Dubois Laurent Martin""".split()
CITIES = """Lisbon Porto Madrid Seville Barcelona Paris Lyon Marseille Berlin Munich Hamburg Vienna
Zurich Geneva Milan Rome Naples Turin Amsterdam Rotterdam Brussels Antwerp Copenhagen Oslo
Stockholm Helsinki Dublin Edinburgh London Manchester Warsaw Krakow Prague Budapest Athens
Istanbul Cairo Nairobi Lagos Accra Toronto Montreal Vancouver Chicago Boston Denver
Seattle Austin Miami Lima Bogota Santiago Tokyo Osaka Seoul Taipei Singapore Sydney
Melbourne Auckland""".split()
COMPANIES = """Acme Globex Initech Umbrella Hooli Vandelay Stark Wayne Cyberdyne Tyrell
Soylent Aperture
Massive Dynamic Pied Piper Oscorp Wonka Gringotts Monarch Nakatomi Virtucon Kwik Dunder
Mifflin Prestige Sterling Cooper Bluth Gekko Rekall Weyland Yutani Tessier Ashpool
Nordwind Solaris Quantix Helios Orbital Lumen Verdant Cobalt Arcadia Zenith Polaris""".split()
JOBS = """nurse teacher architect plumber chef pilot lawyer accountant designer engineer journalist
pharmacist electrician dentist baker librarian carpenter firefighter veterinarian
photographer translator economist geologist surgeon barista farmer mechanic programmer
musician painter""".split()
FOODS = """sushi ramen tacos pizza paella curry falafel dumplings pho bibimbap risotto lasagna
pierogi goulash moussaka couscous ceviche empanadas croissants pancakes waffles hummus
tapas schnitzel kimchi burritos gnocchi shakshuka""".split()
HOBBIES = """climbing chess sailing pottery knitting surfing cycling running birdwatching gardening
fencing rowing skiing archery juggling origami baking photography kayaking snowboarding
woodworking painting yoga tennis badminton volleyball hiking""".split()
ALLERGENS = (
    """peanuts shellfish gluten dairy eggs soy sesame walnuts strawberries mustard""".split()
)
PETS = {
    "dog": ["Rex", "Max", "Bella", "Luna", "Rocky", "Biscuit"],
    "cat": ["Mochi", "Tom", "Cleo", "Nala"],
    "parrot": ["Kiwi", "Rio"],
    "rabbit": ["Clover", "Thumper"],
}
SCHOOLS = """Oxford Cambridge Sorbonne Bologna Leiden Uppsala Heidelberg Salamanca ETH
Harvard Stanford
MIT Toronto Kyoto Melbourne""".split()

SINGLE_VALUED = ("lives_in", "works_at", "works_as")


@dataclass(frozen=True, slots=True)
class Fact:
    source: str
    relation: str
    target: str
    valid_at: datetime
    source_type: str = "Person"
    target_type: str = "Thing"

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.source.casefold(), self.relation, self.target.casefold())


@dataclass(frozen=True, slots=True)
class Query:
    kind: str  # current_city, employer, food, allergy, pet, multi_hop, as_of
    text: str
    answers: frozenset[tuple[str, str, str]]  # keys of the facts that answer it
    as_of: datetime | None = None


@dataclass
class Scope:
    facts: list[Fact] = field(default_factory=list)
    queries: list[Query] = field(default_factory=list)


def _t(year: int, month: int = 6) -> datetime:
    return datetime(year, month, 1, tzinfo=UTC)


def _person(rng: random.Random, name: str) -> tuple[list[Fact], dict[str, object]]:
    facts: list[Fact] = []
    born = rng.randint(1960, 1998)
    facts.append(Fact(name, "born_in", rng.choice(CITIES), _t(born), target_type="City"))
    cities = rng.sample(CITIES, rng.randint(1, 3))
    years = sorted(rng.sample(range(born + 20, 2025), len(cities)))
    homes = []
    for city, year in zip(cities, years, strict=True):
        facts.append(Fact(name, "lives_in", city, _t(year), target_type="City"))
        homes.append((year, city))
    for company, year in zip(
        rng.sample(COMPANIES, rng.randint(1, 2)),
        sorted(rng.sample(range(born + 22, 2025), 2)),
        strict=False,
    ):
        facts.append(Fact(name, "works_at", company, _t(year, 3), target_type="Company"))
    facts.append(Fact(name, "works_as", rng.choice(JOBS), _t(born + 22), target_type="Job"))
    for food in rng.sample(FOODS, 2):
        facts.append(
            Fact(name, "likes_to_eat", food, _t(rng.randint(2015, 2025)), target_type="Food")
        )
    for hobby in rng.sample(HOBBIES, 2):
        facts.append(
            Fact(name, "enjoys", hobby, _t(rng.randint(2015, 2025)), target_type="Activity")
        )
    if rng.random() < 0.4:
        facts.append(
            Fact(
                name, "is_allergic_to", rng.choice(ALLERGENS), _t(born + 5), target_type="Allergen"
            )
        )
    if rng.random() < 0.5:
        species = rng.choice(list(PETS))
        pet = f"{rng.choice(PETS[species])} the {species}"
        facts.append(Fact(name, "has_pet", pet, _t(rng.randint(2012, 2025)), target_type="Pet"))
    facts.append(Fact(name, "studied_at", rng.choice(SCHOOLS), _t(born + 19), target_type="School"))
    return facts, {"homes": homes}


def _current(facts: list[Fact], name: str, relation: str) -> Fact | None:
    mine = [f for f in facts if f.source == name and f.relation == relation]
    return max(mine, key=lambda f: f.valid_at) if mine else None


def make_scope(n_facts: int, seed: int, n_queries: int = 100) -> Scope:
    """About ``n_facts`` facts about ~n_facts/13 people, and ``n_queries`` queries."""
    rng = random.Random(seed)
    n_people = max(2, n_facts // 13)
    names = [f"{a} {b}" for a in FIRST for b in LAST]
    rng.shuffle(names)
    if n_people > len(names):
        raise ValueError(f"at most {len(names) * 13} facts per scope")
    people = names[:n_people]
    scope = Scope()
    info: dict[str, dict[str, object]] = {}
    for name in people:
        facts, meta = _person(rng, name)
        scope.facts += facts
        info[name] = meta
    sisters: dict[str, str] = {}
    for name in people:
        other = rng.choice(people)
        if other != name and name not in sisters:
            sisters[name] = other
            scope.facts.append(Fact(name, "has_sister", other, _t(1990)))
        scope.facts.append(
            Fact(name, "is_friends_with", rng.choice(people), _t(rng.randint(2000, 2024)))
        )
    scope.facts = scope.facts[:n_facts] if len(scope.facts) > n_facts else scope.facts
    stored = {f.key for f in scope.facts}
    # A multi-hop question is answerable only if the link it follows was stored too (the cut
    # to n_facts can drop it): asking it anyway measured a path that is not in the memory.
    sisters = {
        p: s for p, s in sisters.items() if (p.casefold(), "has_sister", s.casefold()) in stored
    }
    scope.queries = _queries(rng, scope.facts, people, sisters, info, stored, n_queries)
    return scope


def _queries(
    rng: random.Random,
    facts: list[Fact],
    people: list[str],
    sisters: dict[str, str],
    info: dict[str, dict[str, object]],
    stored: set[tuple[str, str, str]],
    n: int,
) -> list[Query]:
    by_person: dict[str, list[Fact]] = {}
    for f in facts:
        by_person.setdefault(f.source, []).append(f)
    kinds = ["current_city", "employer", "food", "allergy", "pet", "multi_hop", "as_of"]
    out: list[Query] = []
    attempts = 0
    while len(out) < n and attempts < n * 50:
        attempts += 1
        kind = kinds[len(out) % len(kinds)]
        p = rng.choice(people)
        mine = by_person.get(p, [])
        q = _query(kind, p, mine, facts, sisters, info)
        if q is not None and q.answers and q.answers <= stored:
            out.append(q)
    return out


def _query(
    kind: str,
    p: str,
    mine: list[Fact],
    facts: list[Fact],
    sisters: dict[str, str],
    info: dict[str, dict[str, object]],
) -> Query | None:
    first = p.split(maxsplit=1)[0]
    if kind == "current_city":
        f = _current(mine, p, "lives_in")
        return f and Query(kind, f"Which city is {p} based in these days?", frozenset({f.key}))
    if kind == "employer":
        f = _current(mine, p, "works_at")
        return f and Query(kind, f"Who is {p}'s employer right now?", frozenset({f.key}))
    if kind == "food":
        keys = frozenset(f.key for f in mine if f.relation == "likes_to_eat")
        return Query(kind, f"What dishes would {p} be happy to have for dinner?", keys)
    if kind == "allergy":
        keys = frozenset(f.key for f in mine if f.relation == "is_allergic_to")
        return Query(kind, f"Is there an ingredient {first} {p.split()[1]} must avoid?", keys)
    if kind == "pet":
        keys = frozenset(f.key for f in mine if f.relation == "has_pet")
        return Query(kind, f"What is the name of {p}'s animal companion?", keys)
    if kind == "multi_hop":
        sister = sisters.get(p)
        f = sister and _current([x for x in facts if x.source == sister], sister, "lives_in")
        return f and Query(kind, f"In which city does {p}'s sister live?", frozenset({f.key}))
    if kind == "as_of":
        homes = info[p]["homes"]
        assert isinstance(homes, list)
        if len(homes) < 2:
            return None
        (y0, c0), (y1, _c1) = homes[0], homes[1]
        if y1 - y0 < 2:
            return None
        year = y0 + 1
        return Query(
            kind,
            f"Where was {p} living back in {year}?",
            frozenset({(p.casefold(), "lives_in", c0.casefold())}),
            as_of=_t(year, 12),
        )
    return None
