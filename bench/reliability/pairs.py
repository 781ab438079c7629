"""Labelled entity-name pairs: two names said in turn, and whether they name one thing.

Each pair is (category, first, second, entity type, same). Categories:
- keep apart: "numbers" (versions, model numbers, rooms, flats, roads, numbered books, years,
  dates), "given_names" (people sharing a surname, or one-letter-apart given names),
  "qualifiers" (same stem, different place / edition / part), "near_words" (different things
  that an embedding scores alike: weekdays, months, siblings' roles);
- same thing: "safe_variants" (case, white space, punctuation, diacritics: must merge without
  an LLM), "judged_variants" (abbreviations, transliterations, shortened or lengthened forms:
  only a judge can merge them).
Written by hand from everyday categories; no pair was chosen by running graphmem on it.
"""

from __future__ import annotations

from typing import NamedTuple


class Pair(NamedTuple):
    category: str
    first: str
    second: str
    type: str
    same: bool


KEEP_APART_CATEGORIES = ("numbers", "given_names", "qualifiers", "near_words")
VARIANT_CATEGORIES = ("safe_variants", "judged_variants")

_PRODUCTS = [
    ("iPhone 14", "iPhone 15"),
    ("iPhone 15 Pro", "iPhone 16 Pro"),
    ("Galaxy S22", "Galaxy S23"),
    ("PlayStation 4", "PlayStation 5"),
    ("Xbox 360", "Xbox One"),
    ("Windows 10", "Windows 11"),
    ("Python 3.11", "Python 3.12"),
    ("Python 2", "Python 3"),
    ("macOS 13", "macOS 14"),
    ("Pixel 7", "Pixel 8"),
    ("MacBook Air M1", "MacBook Air M2"),
    ("Model 3", "Model Y"),
    ("Boeing 737", "Boeing 747"),
    ("Airbus A320", "Airbus A321"),
    ("Canon EOS 80D", "Canon EOS 90D"),
    ("Kindle Paperwhite 4", "Kindle Paperwhite 5"),
    ("GPT-4", "GPT-5"),
    ("Ubuntu 22.04", "Ubuntu 24.04"),
    ("Java 17", "Java 21"),
    ("Node 18", "Node 20"),
    ("PostgreSQL 15", "PostgreSQL 16"),
    ("Neo4j 5.26", "Neo4j 2026.09"),
    ("Golf Mk7", "Golf Mk8"),
    ("BMW 320i", "BMW 330i"),
    ("Fitbit Charge 5", "Fitbit Charge 6"),
    ("AirPods 2", "AirPods 3"),
    ("Switch OLED", "Switch 2"),
    ("Roomba 675", "Roomba 694"),
    ("Dyson V8", "Dyson V11"),
    ("Nikon Z6", "Nikon Z7"),
]
_PLACES = [
    ("Room 101", "Room 102"),
    ("Flat 3B", "Flat 4B"),
    ("Flat 12", "Flat 21"),
    ("Apartment 5A", "Apartment 5B"),
    ("Route 66", "Route 67"),
    ("Highway 1", "Highway 101"),
    ("3rd Avenue", "5th Avenue"),
    ("Gate 12", "Gate 14"),
    ("Terminal 2", "Terminal 3"),
    ("Platform 9", "Platform 10"),
    ("Building 7", "Building 8"),
    ("Floor 3", "Floor 4"),
    ("Office 204", "Office 206"),
    ("Locker 17", "Locker 71"),
    ("Bus 42", "Bus 24"),
    ("District 9", "District 10"),
    ("Pier 39", "Pier 41"),
    ("Studio 54", "Studio 45"),
    ("Camp 2", "Camp 3"),
    ("Exit 15", "Exit 16"),
]
_NUMBERED = [
    ("Harry Potter 3", "Harry Potter 4"),
    ("Rocky II", "Rocky III"),
    ("Toy Story 2", "Toy Story 3"),
    ("Chapter 5", "Chapter 6"),
    ("Season 1", "Season 2"),
    ("Episode 7", "Episode 8"),
    ("Symphony No. 5", "Symphony No. 9"),
    ("Part 1", "Part 2"),
    ("Volume 3", "Volume 4"),
    ("Book 2", "Book 3"),
    ("Level 10", "Level 11"),
    ("Grade 4", "Grade 5"),
    ("Week 12", "Week 13"),
    ("Lesson 3", "Lesson 4"),
    ("Sprint 14", "Sprint 15"),
    ("Matrix Reloaded 2003", "Matrix Resurrections 2021"),
    ("Louis XIV", "Louis XVI"),
    ("Henry VIII", "Henry VII"),
    ("World War I", "World War II"),
    ("Apollo 11", "Apollo 13"),
]
_DATES = [
    ("Trip to Japan 2023", "Trip to Japan 2024"),
    ("Christmas 2022", "Christmas 2023"),
    ("May 3, 2024", "May 4, 2024"),
    ("2023-05-01", "2023-05-02"),
    ("Summer 2019", "Summer 2020"),
    ("Q1 2025", "Q2 2025"),
    ("Class of 2010", "Class of 2012"),
    ("Marathon 2021", "Marathon 2022"),
    ("Tax return 2023", "Tax return 2024"),
    ("Birthday party 30", "Birthday party 40"),
    ("Olympics 2024", "Olympics 2028"),
    ("Budget 2025", "Budget 2026"),
    ("Conference 2019", "Conference 2020"),
    ("Reunion 2015", "Reunion 2025"),
    ("Vacation 2018", "Vacation 2019"),
]
_GIVEN = [
    "Alice",
    "Bob",
    "Carol",
    "David",
    "Emma",
    "Frank",
    "Grace",
    "Henry",
    "Isabel",
    "Jack",
    "Karen",
    "Liam",
    "Maria",
    "Noah",
    "Olivia",
    "Paul",
    "Quinn",
    "Rosa",
    "Sam",
    "Tara",
]
_SURNAMES = [
    "Smith",
    "García",
    "Müller",
    "Nguyen",
    "Kowalski",
    "Okafor",
    "Tanaka",
    "Rossi",
    "Ivanova",
    "Haddad",
]
_NEAR_GIVEN = [
    ("Christina Lee", "Christine Lee"),
    ("Jon Smith", "John Smith"),
    ("Alice", "Alicia"),
    ("Daniel", "Danielle"),
    ("Michael", "Michel"),
    ("Anna", "Hanna"),
    ("Marc", "Mark"),
    ("Sara Cohen", "Sarah Cohen"),
    ("Eric", "Erik"),
    ("Jessica", "Jesica"),
]
_QUALIFIERS = [
    ("Paris, Texas", "Paris, France"),
    ("North Carolina", "South Carolina"),
    ("West Virginia", "Virginia Beach"),
    ("Springfield Illinois", "Springfield Missouri"),
    ("Portland Oregon", "Portland Maine"),
    ("Cambridge UK", "Cambridge Massachusetts"),
    ("New South Wales", "New Wales"),
    ("Windows XP", "Windows Vista"),
    ("iPhone Pro", "iPhone Mini"),
    ("Office Home", "Office Business"),
    ("Red Wine", "White Wine"),
    ("Green Tea", "Black Tea"),
    ("Upper East Side", "Upper West Side"),
    ("East Berlin", "West Berlin"),
    ("Lake Tahoe North", "Lake Tahoe South"),
    ("Harvard Law School", "Harvard Medical School"),
    ("Bank of America", "Bank of England"),
    ("University of Texas", "University of Toronto"),
    ("Chicago Bulls", "Chicago Bears"),
    ("Manchester United", "Manchester City"),
    ("Real Madrid", "Atletico Madrid"),
    ("Mom's car", "Dad's car"),
    ("summer house", "winter house"),
    ("front garden", "back garden"),
    ("left knee", "right knee"),
]
_OTHER_SCRIPTS_APART = [
    ("Комната 101", "Комната 102", "Place"),
    ("Квартира 5", "Квартира 6", "Place"),
    ("Иван Петров", "Сергей Петров", "Person"),
    ("第3章", "第4章", "Work"),
    ("iPhone 14 紅色", "iPhone 15 紅色", "Product"),
    ("王小明", "王小红", "Person"),
    ("غرفة ٣", "غرفة ٤", "Place"),
    ("محمد علي", "أحمد علي", "Person"),
    ("Αθήνα 2004", "Αθήνα 2014", "Event"),
    ("Straße 12", "Straße 21", "Road"),
]
_OTHER_SCRIPTS_SAME = [
    ("Москва", "МОСКВА", "City"),
    ("Ёлка", "ёлка", "Thing"),
    ("Αθήνα", "ΑΘΗΝΑ", "City"),
    ("北京 ", " 北京", "City"),
    ("Ｔｏｋｙｏ", "Tokyo", "City"),
    ("U.S. Navy", "US Navy", "Organization"),
    ("J. R. R. Tolkien", "JRR Tolkien", "Person"),
    ("القاهرة", " القاهرة  ", "City"),
    ("Łódź", "Lodz", "City"),
    ("Straße", "STRASSE", "Road"),
]
_NEAR_WORDS = [
    ("Monday", "Tuesday"),
    ("January", "February"),
    ("brother", "sister"),
    ("uncle", "aunt"),
    ("cat", "dog"),
    ("tea", "coffee"),
    ("Spain", "Portugal"),
    ("Austria", "Australia"),
    ("Sweden", "Switzerland"),
    ("iron", "steel"),
    ("violin", "viola"),
    ("Java", "JavaScript"),
    ("Slovakia", "Slovenia"),
    ("Iran", "Iraq"),
    ("salmon", "trout"),
]
_SAFE_BASES = [
    ("José García", "Person"),
    ("Zoë Kravitz", "Person"),
    ("Renée Zellweger", "Person"),
    ("Chloé Dubois", "Person"),
    ("Søren Kierkegaard", "Person"),
    ("François Hollande", "Person"),
    ("Ángela Núñez", "Person"),
    ("Björk Guðmundsdóttir", "Person"),
    ("Dvořák", "Person"),
    ("Café de Flore", "Place"),
    ("São Paulo", "City"),
    ("Zürich", "City"),
    ("Kraków", "City"),
    ("Reykjavík", "City"),
    ("Málaga", "City"),
    ("Mount St. Helens", "Place"),
    ("Jean-Paul Sartre", "Person"),
    ("Coca-Cola", "Organization"),
    ("O'Reilly Media", "Organization"),
    ("McDonald's", "Organization"),
    ("AT&T", "Organization"),
    ("Procter & Gamble", "Organization"),
    ("New York", "City"),
    ("Lisbon", "City"),
    ("Alice Smith", "Person"),
    ("Acme Inc.", "Organization"),
    ("U.S. Navy", "Organization"),
    ("Dr. Who", "Show"),
    ("Rock 'n' Roll", "Genre"),
    ("Wi-Fi router", "Object"),
    ("e-mail", "Concept"),
    ("T-shirt", "Object"),
    ("Hello Kitty", "Brand"),
    ("Ölüdeniz", "Place"),
    ("Düsseldorf", "City"),
]
_JUDGED = [
    ("NYC", "New York City", "City"),
    ("MIT", "Massachusetts Institute of Technology", "Organization"),
    ("UN", "United Nations", "Organization"),
    ("Bob", "Bob Smith", "Person"),
    ("Robert", "Robert Smith", "Person"),
    ("Microsoft", "Microsoft Corporation", "Organization"),
    ("Tesla", "Tesla Inc", "Organization"),
    ("New York", "New York City", "City"),
    ("Tchaikovsky Hall", "Chaikovsky Hall", "Place"),
    ("Müller GmbH", "Mueller GmbH", "Organization"),
    ("Beijing", "Peking", "City"),
    ("hiking boot", "hiking boots", "Object"),
    ("Starbucks", "Starbuck's", "Organization"),
    ("Google", "Google LLC", "Organization"),
    ("LA", "Los Angeles", "City"),
    ("the Netherlands", "Holland", "Country"),
    ("Mumbai", "Bombay", "City"),
    ("Kyiv", "Kiev", "City"),
    ("Rocky 2", "Rocky II", "Film"),
    ("3rd Avenue", "Third Avenue", "Road"),
    ("St Petersburg", "Saint Petersburg", "City"),
    ("JFK airport", "John F. Kennedy airport", "Place"),
    ("Amazon", "Amazon.com", "Organization"),
    ("Mount Everest", "Everest", "Place"),
    ("grandma", "grandmother", "Person"),
]


def _safe_variants(name: str) -> list[str]:
    """Spellings that only change case, white space, punctuation or Latin diacritics."""
    import unicodedata

    plain = "".join(c for c in unicodedata.normalize("NFD", name) if not unicodedata.combining(c))
    out = [name.upper(), f"  {name.lower()} ", plain, name.replace("-", " ").replace(".", "")]
    return [v for v in dict.fromkeys(out) if v != name]


def all_pairs() -> list[Pair]:
    pairs: list[Pair] = []
    for group, type_ in (
        (_PRODUCTS, "Product"),
        (_PLACES, "Place"),
        (_NUMBERED, "Work"),
        (_DATES, "Event"),
    ):
        pairs += [Pair("numbers", a, b, type_, False) for a, b in group]
    for i, surname in enumerate(_SURNAMES):
        for j in range(3):
            a, b = _GIVEN[(i + j) % len(_GIVEN)], _GIVEN[(i + j + 7) % len(_GIVEN)]
            pairs.append(Pair("given_names", f"{a} {surname}", f"{b} {surname}", "Person", False))
    pairs += [Pair("given_names", a, b, "Person", False) for a, b in _NEAR_GIVEN]
    pairs += [Pair("qualifiers", a, b, "Place", False) for a, b in _QUALIFIERS]
    pairs += [Pair("near_words", a, b, "Thing", False) for a, b in _NEAR_WORDS]
    pairs += [
        Pair("given_names" if t == "Person" else "numbers", a, b, t, False)
        for a, b, t in _OTHER_SCRIPTS_APART
    ]
    pairs += [Pair("safe_variants", a, b, t, True) for a, b, t in _OTHER_SCRIPTS_SAME]
    for name, type_ in _SAFE_BASES:
        pairs += [Pair("safe_variants", name, v, type_, True) for v in _safe_variants(name)]
    pairs += [Pair("judged_variants", a, b, t, True) for a, b, t in _JUDGED]
    return pairs
