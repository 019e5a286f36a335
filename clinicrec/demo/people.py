"""The demo's people: its staff accounts and generated patients (names, contact details, screening)."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from ..text import fold

DEMO_PASSWORD = "microbotox-demo"
DEMO_USERS = (
    ("admin", "Alex Morgan", "MD", "admin"),
    ("manager", "Priya Shah", "NP", "manager"),
    ("maria", "Maria López", "RN", "injector"),
    ("sam", "Sam O'Neill", "RN", "injector"),
    ("keiko", "Keiko Tanaka", "NP", "injector"),
)

FIRST = [
    "Zoë",
    "Amelia",
    "Olivia",
    "Emma",
    "Sofía",
    "Chloé",
    "Hannah",
    "Mia",
    "Léa",
    "Isabella",
    "Aoife",
    "Siobhán",
    "Ingrid",
    "Freya",
    "Noor",
    "Layla",
    "Yuki",
    "Mei",
    "Priya",
    "Ananya",
    "Fatima",
    "Amira",
    "Chiara",
    "Giulia",
    "Björk",
    "Małgorzata",
    "Agnieszka",
    "Eva",
    "Nadia",
    "Camille",
    "Lucas",
    "Noah",
    "Liam",
    "Mateo",
    "José",
    "Jürgen",
    "Søren",
    "Łukasz",
    "Ahmed",
    "Omar",
    "Kenji",
    "Arjun",
    "Ethan",
    "Daniel",
    "Tomás",
    "Rafael",
    "Hugo",
    "Oscar",
    "Felix",
    "Théo",
]  # noqa: E501
LAST = [
    "Ñúñez-Øster",
    "García",
    "Müller",
    "Smith",
    "Johnson",
    "Brown",
    "Nguyen",
    "Kim",
    "Patel",
    "Khan",
    "O'Brien",
    "Murphy",
    "Rossi",
    "Bianchi",
    "Dubois",
    "Lefèvre",
    "Schmidt",
    "Fischer",
    "Kowalski",
    "Nowak",
    "Novák",
    "Hansen",
    "Larsen",
    "Jensen",
    "Svensson",
    "Andersson",
    "Yamamoto",
    "Tanaka",
    "Suzuki",
    "Chen",
    "Wang",
    "Li",
    "Singh",
    "Sharma",
    "Ahmed",
    "Hassan",
    "Cohen",
    "Levi",
    "Silva",
    "Santos",
    "Pereira",
    "Costa",
    "Martínez",
    "Rodríguez",
    "López",
    "González",
    "Fernández",
    "Jiménez",
    "Ólafsdóttir",
    "Þórsson",
    "Walsh",
    "Byrne",
    "Taylor",
    "Wilson",
    "Anderson",
    "Thomas",
    "Moore",
    "Jackson",
    "White",
    "Harris",
]  # noqa: E501
STREETS = (
    "Harbour Road",
    "Elm Street",
    "Rue des Lilas",
    "Kingsway",
    "Mill Lane",
    "Park Avenue",
    "Bahnhofstraße",
)


def generate_patients(rng: random.Random, n: int, today: date, now: datetime) -> list[dict[str, Any]]:
    # Each name folded and each birthday made once (a million patients share 110 names, 18,000 days).
    folded = {name: fold(name) for name in (*FIRST, *LAST)}
    youngest, oldest = 19 * 365, 68 * 365
    birthdays = [today - timedelta(days=d) for d in range(youngest, oldest + 1)]
    rows = []
    for i in range(1, n + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        if i == 1:
            first, last = "Zoë", "Ñúñez-Øster"
        dob = birthdays[rng.randint(youngest, oldest) - youngest]
        positive = rng.random() < 0.025
        which = rng.randrange(4) if positive else -1
        rows.append(
            dict(
                id=i,
                chart_number=f"CR-{i:06d}",
                first_name=first,
                last_name=last,
                first_key=folded[first],
                last_key=folded[last],
                date_of_birth=dob,
                sex="female" if rng.random() < 0.82 else "male",
                phone=f"+44 7700 {rng.randint(100000, 999999)}",
                email=f"{folded[first]}.{i}@mail.example".replace(" ", ""),
                address=f"{rng.randint(1, 200)} {rng.choice(STREETS)}",
                fitzpatrick_type=rng.randint(1, 6),
                allergies=(allergy := rng.choice(("", "", "", "Penicillin", "Latex", "Nuts"))),
                allergy_status="listed" if allergy else "none_known",
                notes="",
                scr_pregnant_or_breastfeeding=which == 0,
                scr_neuromuscular_disorder=False,
                scr_aminoglycosides=which == 1,
                scr_recent_toxin=which == 2,
                scr_active_skin_infection=False,
                scr_milk_protein_allergy=which == 3,
                scr_other="",
                version=1,
                created_at=now,
                updated_at=now,
                updated_by_id=1,
            )
        )
    return rows
