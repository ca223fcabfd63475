"""Risk triage: every category, tolerant of how adolescents type, quiet on idioms."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import pytest

from locales import LANGUAGES
from plan_store import triage
from plan_store.enums import FlagCategory, RiskCategory, Severity
from plan_store.triage import TRIAGE_DIR, Risk, TriageFileError, folding, model, parse, read_file
from plan_store.triage.folding import within_one

SELF_HARM = FlagCategory.SELF_HARM
VIOLENCE = FlagCategory.VIOLENCE_ABUSE
TRAFFICKING = FlagCategory.TRAFFICKING
RUNNING = FlagCategory.RUNNING_AWAY
HEALTH = FlagCategory.HEALTH
DISTRESS = FlagCategory.OTHER


def top(text: str, language: str = "es") -> tuple[FlagCategory, Severity] | None:
    risks = triage.triage(text, language)
    return (risks[0].category, risks[0].severity) if risks else None


def categories(text: str, language: str = "es") -> dict[FlagCategory, Severity]:
    return {r.category: r.severity for r in triage.triage(text, language)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # self-harm
        ("me quiero morir", (SELF_HARM, Severity.URGENT)),
        ("Me Quiero MORIR.", (SELF_HARM, Severity.URGENT)),
        ("me quiero moriiiiir 😭😭", (SELF_HARM, Severity.URGENT)),
        ("me kiero morir", (SELF_HARM, Severity.URGENT)),
        ("ya me quiero morir", (SELF_HARM, Severity.URGENT)),
        ("me quiero ya morir", (SELF_HARM, Severity.URGENT)),
        ("me quiero suisidar", (SELF_HARM, Severity.URGENT)),
        ("pienso en el suicidio", (SELF_HARM, Severity.URGENT)),
        ("quiero m4tarme", (SELF_HARM, Severity.URGENT)),
        ("quiero matrame", (SELF_HARM, Severity.URGENT)),  # two letters swapped
        ("quiero matarmee", (SELF_HARM, Severity.URGENT)),
        ("me voy a kitar la vida", (SELF_HARM, Severity.URGENT)),
        ("ya no quiero vivir", (SELF_HARM, Severity.URGENT)),
        ("me corté otra vez", (SELF_HARM, Severity.HIGH)),
        ("me odio", (SELF_HARM, Severity.MEDIUM)),
        # violence and abuse
        ("mi padrastro me pega", (VIOLENCE, Severity.HIGH)),
        ("ME PEGÓ!!!", (VIOLENCE, Severity.HIGH)),
        ("me están golpeando", (VIOLENCE, Severity.URGENT)),
        ("me violaron", (VIOLENCE, Severity.URGENT)),
        ("él abusó de mí", (VIOLENCE, Severity.URGENT)),
        ("un señor me manosea", (VIOLENCE, Severity.HIGH)),
        ("me amenazan en la escuela", (VIOLENCE, Severity.HIGH)),
        ("me hacen bullying", (VIOLENCE, Severity.MEDIUM)),
        # trafficking and exploitation
        ("me tienen encerrada", (TRAFFICKING, Severity.URGENT)),
        ("me kitaron mis papeles", (TRAFFICKING, Severity.HIGH)),
        ("le debo al coyote y me cobran", (TRAFFICKING, Severity.HIGH)),
        ("me obligan a trabajar", (TRAFFICKING, Severity.HIGH)),
        ("un hombre me pidió fotos", (TRAFFICKING, Severity.MEDIUM)),
        ("me pide fotos desnuda", (TRAFFICKING, Severity.HIGH)),
        ("me ofrecieron trabajo en el norte", (TRAFFICKING, Severity.MEDIUM)),
        # running away
        ("me voy a escapar", (RUNNING, Severity.HIGH)),
        ("me boy a escapar esta noche", (RUNNING, Severity.HIGH)),
        ("me quiero ir de aquí", (RUNNING, Severity.MEDIUM)),
        ("voy a cruzar la frontera", (RUNNING, Severity.MEDIUM)),
        # health
        ("no puedo respirar", (HEALTH, Severity.URGENT)),
        ("me picó un alacrán", (HEALTH, Severity.URGENT)),
        ("creo que estoy embarazada", (HEALTH, Severity.HIGH)),
        ("creo que estoy embarasada", (HEALTH, Severity.HIGH)),
        ("tengo fiebre", (HEALTH, Severity.MEDIUM)),
        # a cry for help
        ("ayudaaa", (DISTRESS, Severity.HIGH)),
        ("AYÚDENME!!!", (DISTRESS, Severity.HIGH)),
        ("auxilio", (DISTRESS, Severity.URGENT)),
        ("estoy en peligro", (DISTRESS, Severity.URGENT)),
    ],
)
def test_each_category_is_found(text: str, expected: tuple[FlagCategory, Severity]) -> None:
    assert top(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "me muero de risa",
        "jajaja me muero de la risa 😂",
        "me quiero morir de risa con este video",
        "me quiero morir de la vergüenza",
        "me muero de hambre",
        "me muero de sueño, ya me voy a dormir",
        "me muero de ganas de ver a mi hermana",
        "me mato estudiando para el examen",
        "me voy a matar estudiando",
        "me voy a cortar el pelo",
        "ayer me corté el pelo",
        "me toca a mí lavar los platos",
        "me tocó la cama de arriba",
        "quiero contarte algo bonito",
        "necesito ayuda con la tarea de mate",
        "vi a mi amiga en la escuela",
        "vimos la película del escuadrón suicida",
        "hoy jugamos futbol y ganamos",
        "ya me voy, bye",
        "la maestra me pagó por ayudarle",
        "matarte a cosquillas",
        "¿cuándo es mi cita?",
        "",
        "🙂🙂🙂",
    ],
)
def test_everyday_phrases_are_no_alarm(text: str) -> None:
    assert categories(text) == {}


def test_a_text_with_several_risks_reports_each_category_once_strongest_first() -> None:
    risks = triage.triage(
        "me pega mi tío, me quiero escapar y ya no quiero vivir, me quiero morir", "es"
    )
    assert [(r.category, r.severity) for r in risks] == [
        (SELF_HARM, Severity.URGENT),
        (VIOLENCE, Severity.HIGH),
        (RUNNING, Severity.MEDIUM),
    ]
    assert all(isinstance(r, Risk) for r in risks)


def test_an_idiom_does_not_hide_a_real_risk_after_it() -> None:
    assert top("me muero de risa con mis amigas pero en serio me quiero morir") == (
        SELF_HARM,
        Severity.URGENT,
    )


def test_a_whole_message_term_only_counts_alone() -> None:
    assert top("ayuda") == (DISTRESS, Severity.HIGH)
    assert top("¡¡AYUDA!!") == (DISTRESS, Severity.HIGH)
    assert top("ayuda con mi cita porfa") is None


def test_english_chats_read_english_and_spanish() -> None:
    assert top("I want to kill myself", "en") == (SELF_HARM, Severity.URGENT)
    assert top("he hits me every day", "en") == (VIOLENCE, Severity.HIGH)
    assert top("im dying of laughter lol", "en") is None
    assert top("this homework is killing me", "en") is None
    assert top("me quiero morir", "en") == (SELF_HARM, Severity.URGENT)
    # Spanish chats read the Spanish terms (the model beside them reads any text).
    assert triage.matcher_for("es").triage("I want to kill myself") == []


def test_chats_in_mayan_languages_are_read_with_the_spanish_terms() -> None:
    for code in ("quc", "mam", "kek", "kjb"):
        assert top("me quiero morir", code) == (SELF_HARM, Severity.URGENT)


def test_every_terms_file_follows_the_format() -> None:
    codes = {path.stem for path in TRIAGE_DIR.glob("*.txt")}
    assert codes == {lang.code for lang in LANGUAGES}
    for path in TRIAGE_DIR.glob("*.txt"):
        read_file(path)  # raises on a format error
    spanish = read_file(TRIAGE_DIR / "es.txt")
    assert {t.category for t in spanish.terms} == set(triage.CATEGORIES.values())
    assert spanish.ignores and spanish.known_words


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("me quiero morir", "a term before any section"),
        ("[self_harm]\nx", "unknown section"),
        ("[violence extreme]\nx", "unknown section"),
        ("[self_harm urgent\nx", "a section is written"),
        ("[health low]\nsu*", "too short"),
        ("[ignore]\n= ayuda", "no meaning"),
        ("[health low]\n= ", "empty term"),
    ],
)
def test_a_broken_terms_file_is_refused_with_its_line(text: str, problem: str) -> None:
    with pytest.raises(TriageFileError, match=problem) as error:
        parse(text, "xx.txt")
    assert "xx.txt:" in str(error.value)


def test_the_format_is_parsed_as_documented() -> None:
    rules = parse(
        "# a comment\n"
        "[self_harm high]  # a section\n"
        "me duele el alma   # a term\n"
        "suicid*\n"
        "= auxilio\n"
        "[ignore]\n"
        "me duele el alma de risa\n"
        "[known-words]\n"
        "alma calma\n"
    )
    matcher = triage.Matcher(rules)
    assert [r.term for r in matcher.triage("hoy me duele el alma")] == ["me duele el alma"]
    assert matcher.triage("me duele el alma de risa") == []
    assert [r.term for r in matcher.triage("suicidarme")] == ["suicid*"]
    assert [r.term for r in matcher.triage("Auxilio!")] == ["auxilio"]
    assert matcher.triage("grito auxilio") == []
    assert rules.known_words == {"alma", "kalma"}


def test_folding_is_the_same_for_terms_and_text() -> None:
    assert triage.words_of("Me KIERO moriiir, q onda xq") == [
        "me",
        "kiero",
        "morir",
        "ke",
        "onda",
        "porke",
    ]
    assert triage.words_of("K'iche' ñandú") == ["kiche", "nandu"]
    assert within_one("matarme", "matrame")
    assert not within_one("matarme", "mtrame")


def test_triage_is_fast_on_a_long_message() -> None:
    text = ("me muero de risa con esto, hoy fui a la escuela y " * 250)[:10_000] + " me pega"
    started = time.perf_counter()
    risks = triage.triage(text, "es")
    assert time.perf_counter() - started < 1.0
    assert [(r.category, r.severity) for r in risks] == [(VIOLENCE, Severity.HIGH)]


def test_triage_is_deterministic() -> None:
    text = "me pega, me quiero escapar, tengo fiebre, ayuda"
    assert triage.triage(text, "es") == triage.triage(text, "es")


def test_terms_staff_add_are_read_like_lines_of_a_file() -> None:
    extra = [
        ("running_away", "high", "tio chucho"),
        ("distress", "urgent", "= xochi xochi"),
        ("health", "low", "me # rompe"),  # outside the format: skipped, the rest still read
    ]
    text = "me voy con el Tío Chuchooo"
    assert top(text, "mam") is None
    risks = triage.triage(text, "mam", extra)
    assert [(r.category, r.severity) for r in risks] == [(RUNNING, Severity.HIGH)]
    assert triage.triage(text, "mam", extra) == risks  # deterministic, and cached per set
    assert [(r.category, r.severity) for r in triage.triage("XÓCHI xochi!", "es", extra)] == [
        (DISTRESS, Severity.URGENT)
    ]
    assert triage.triage("hola xochi xochi", "es", extra) == []  # "=": the whole message
    # The files still count beside them.
    assert (SELF_HARM, Severity.URGENT) in [
        (r.category, r.severity) for r in triage.triage("me quiero morir", "mam", extra)
    ]


def test_every_risk_category_staff_may_choose_is_a_section_of_the_files() -> None:
    assert {c.value for c in RiskCategory} == set(triage.CATEGORIES)


# --- the kinds of message phrase lists used to miss (wordings of these tests only) ---


@pytest.mark.parametrize(
    "text",
    [
        "a veces quisiera no volver a despertar",
        "ojala ya no despertar mañana vos",
        "si me muero nadie se daria cuenta",
        "nadie me extrañaria la neta",
        "mis hermanos estarian mejor sin mi",
        "ya me canse de vivir asi",
        "no le veo sentido a la vida",
        "ya no kiero vivir, nadie me quiere",
        "quisiera quedarme dormida y ya no despertar jamas",
        "si un dia no amanezco nadie me va a buscar",
        "si me muero no le voy a hacer falta a nadie",
        "ojala ya no despierte mañana",
        "mi tia estaria mas tranquila sin mi",
        "quiero que se acabe mi vida",
        "ya no tengo fuerzas para seguir viviendo asi",
        "tengo ganas de quedarme dormido para siempre",
        "me quiero ir al cielo con mi mama",
        "esta es mi despedida, perdonenme por todo",
        "kiero morirme vos 😭",
    ],
)
def test_passive_or_indirect_suicidal_ideation_is_urgent(text: str) -> None:
    assert categories(text).get(SELF_HARM) is Severity.URGENT


@pytest.mark.parametrize(
    "text",
    [
        "tengo escondidas unas pastillas por si acaso",
        "junte las pastillas de mi compa para cuando ya no aguante",
        "tengo una soga guardada en el ropero",
        "guardo una navaja debajo de la almohada",
        "tengo escondidas unas pastillas para cuando me anime",
        "guarde un cuchillo en mi mochila por si un dia",
    ],
)
def test_means_kept_for_later_are_urgent(text: str) -> None:
    assert categories(text).get(SELF_HARM) is Severity.URGENT


@pytest.mark.parametrize(
    "text",
    [
        "estoy pensando como quitarme la vida",
        "hoy me mato, ya no aguanto",
        "ya lo pense, el viernes me quito la vida",
    ],
)
def test_a_plan_in_any_tense_is_urgent(text: str) -> None:
    assert categories(text).get(SELF_HARM) is Severity.URGENT


@pytest.mark.parametrize(
    "text",
    [
        "me rayo las piernas con un sacapuntas",
        "me quemo los brazos con cigarros",
        "me golpeo yo sola la cabeza contra la pared",
    ],
)
def test_hurting_oneself_told_by_what_is_done_is_high(text: str) -> None:
    assert categories(text).get(SELF_HARM) is Severity.HIGH


@pytest.mark.parametrize(
    "text",
    [
        "mi padrastro se mete a mi cuarto cuando mi mama sale",
        "el novio de mi mama me dice que es nuestro secreto",
        "mi tio se acuesta en mi cama en la noche",
        "el señor de la casa me mira cuando me baño",
        "el esposo de mi mama se mete a mi cuarto cuando todos duermen",
        "mi tio me pide q me quite la ropa y q no le diga a nadie",
        "el novio de mi tia me toca cuando estamos solos",
        "me dijo que si le decia a alguien me mataba",
    ],
)
def test_sexual_abuse_told_by_what_an_adult_of_the_house_does_is_urgent(text: str) -> None:
    assert categories(text).get(VIOLENCE) is Severity.URGENT


@pytest.mark.parametrize(
    "text",
    [
        "me obligan a hacer cosas que no quiero",
        "me agarro a la fuerza",
        "me tienen amenazada para que no hable",
        "me obligan a hacer cosas feas",
        "me hacen hacer cosas q no quiero",
    ],
)
def test_coercion_in_general_words_is_found(text: str) -> None:
    assert VIOLENCE in categories(text)


@pytest.mark.parametrize(
    "text",
    [
        "un señor me ofrecio trabajo en otra ciudad",
        "una muchacha de facebook dice q hay chamba en el norte y q nos vamos ya",
        "me pidio mi pasaporte para darme trabajo",
        "me ofrecieron pisto por llevar un paquete",
        "un señor desconocido me ofrecio chamba y que me vaya con el esta noche",
        "una señora me pide mi pasaporte para darme trabajo",
        "un vato de insta dice q hay trabajo en monterrey y q nos vamos ya",
    ],
)
def test_trafficking_lures_are_high(text: str) -> None:
    assert categories(text).get(TRAFFICKING) is Severity.HIGH


@pytest.mark.parametrize(
    "text",
    [
        "le piden dinero a mi mama por mi",
        "dicen que si no pagan la deuda le hacen algo a mi familia",
        "extorsionan a mis papas",
        "le estan pidiendo dinero a mi familia por mi",
        "llaman a mi mama y le dicen q si no paga me matan",
    ],
)
def test_extortion_of_the_family_is_urgent(text: str) -> None:
    assert categories(text).get(TRAFFICKING) is Severity.URGENT


@pytest.mark.parametrize(
    "text",
    [
        "el jueves me escapo pa irme con mi tio a tijuana",
        "esta noche me salgo a escondidas por la ventana",
        "ya tengo el boleto para irme el domingo",
        "el viernes en la noche me escapo y me voy a guadalajara",
        "mañana me brinco la barda y me voy con mi novio",
        "el domingo me recogen y me voy a la capital",
    ],
)
def test_a_planned_running_away_with_a_day_is_high(text: str) -> None:
    assert categories(text).get(RUNNING) is Severity.HIGH


@pytest.mark.parametrize(
    "text",
    [
        "me tome el veneno de las cucarachas",
        "me echaron algo en el refresco y todo me da vueltas",
    ],
)
def test_poison_swallowed_or_a_spiked_drink_is_urgent(text: str) -> None:
    assert categories(text).get(HEALTH) is Severity.URGENT


def test_a_negated_risk_is_still_a_look_but_never_an_alarm() -> None:
    assert categories("no me quiero matar, solo estoy cansada") == {SELF_HARM: Severity.LOW}
    assert categories("nunca me voy a suicidar") == {SELF_HARM: Severity.LOW}
    # A clause mark ends the negation: "No." is an answer, the rest is meant.
    assert categories("no, me quiero morir") == {SELF_HARM: Severity.URGENT}


@pytest.mark.parametrize(
    "text",
    [
        "no quiero ir a la escuela",
        "no me voy a escapar, aqui estoy bien",
        "no quiero despertar a mi compa",
        "no tengo fiebre ya",
    ],
)
def test_a_negation_of_everyday_things_is_no_risk(text: str) -> None:
    assert categories(text) == {}


@pytest.mark.parametrize(
    "text",
    [
        "la tarea de historia me va a matar",
        "mi mama me va a matar si llego tarde jaja",
        "me pego la gripa mi hermano",
        "el domingo vamos al parque con la educadora",
        "me voy a la escuela mañana temprano",
        "mi tio me toca la guitarra cuando lo visito",
        "la abogada me pidio mi acta para el tramite",
        "en el taller me ofrecieron quedarme de ayudante",
        # "morir de pena" is embarrassment (Mexico): an idiom, like "morir de risa"
        "me quiero morir de la pena jaja",
        "me muero de sueño vos",
        "la tarea de quimica me esta matando",
        "el viernes nos vamos de paseo al rio con la escuela",
        "mi hermanito se mete a mi cama cuando truena",
        "mi tio me ofrecio trabajo en su taller",
        "me despido, buenas noches",
        "ya se me acabaron los datos",
        "el sabado me voy a jugar futbol",
        "mi abuelita ya esta en el cielo",
        "me corte el pelo bien feo",
        "me voy a escapar un rato a la tienda con permiso",
        "ojala no llueva mañana",
        "ayer no desperte a tiempo",
    ],
)
def test_idioms_and_everyday_talk_of_adolescents_in_care_are_no_alarm(text: str) -> None:
    assert categories(text) == {}


def test_words_may_stand_between_the_words_of_a_term_but_not_across_a_clause() -> None:
    assert top("me quiero la verdad morir") == (SELF_HARM, Severity.URGENT)
    # The terms only: "me quiero ir" alone is for the model to weigh.
    assert triage.matcher_for("es").triage("me quiero ir. morir de risa no") == []


def test_combinations_and_groups_are_parsed_as_documented() -> None:
    rules = parse(
        "[group means]\n"
        "pastilla*\n"
        "soga\n"
        "[self_harm urgent]\n"
        "@means + por si acaso\n"
        "[health low]\n"
        "me duele + muela\n"
    )
    matcher = triage.Matcher(rules)
    assert [r.term for r in matcher.triage("por si acaso tengo una soga")] == [
        "@means + por si acaso"
    ]
    assert matcher.triage("tengo pastillas para la gripa") == []
    assert [r.severity for r in matcher.triage("la muela, me duele")] == [Severity.LOW]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[self_harm high]\n@nada + x", "no \\[group nada\\]"),
        ("[group a]\n= x", "plain phrases"),
        ("[health low]\n= a + b", "do not go together"),
        ("[group]\nx", "unknown section"),
    ],
)
def test_a_broken_combination_or_group_is_refused_with_its_line(text: str, problem: str) -> None:
    with pytest.raises(TriageFileError, match=problem):
        parse(text, "xx.txt")


def test_the_console_lists_each_file_section_as_written() -> None:
    sections = {s.header: s.lines for s in triage.file_sections("es")}
    assert "pastilla*" in sections["group medios"]
    assert "@medios + @guardado" in sections["self_harm urgent"]
    assert triage.file_sections("quc") == []
    assert triage.file_sections("xx") == []


# --- the model beside the rules ---------------------------------------------------


def test_the_model_adds_sadness_the_rules_missed_as_a_look() -> None:
    text = "ya no aguanto esta tristeza"
    assert triage.matcher_for("es").triage(text) == []
    assert [(r.category, r.severity, r.term) for r in triage.triage(text, "es")] == [
        (SELF_HARM, Severity.MEDIUM, triage.MODEL_TERM)
    ]


def test_the_model_reads_a_wish_not_to_go_on_as_urgent() -> None:
    text = "ya no quiero seguir, estoy harta de todo"
    assert triage.matcher_for("es").triage(text) == []
    assert [(r.category, r.severity, r.term) for r in triage.triage(text, "es")] == [
        (SELF_HARM, Severity.URGENT, triage.MODEL_TERM)
    ]


def test_the_model_does_not_read_what_an_idiom_covers() -> None:
    # "me quiero morir" read alone is ideation to the model; "de sueño" makes it an idiom
    assert triage.model.classify("me quiero morir").category == "self_harm"
    assert categories("me quiero morir de sueño") == {}
    assert triage.matcher_for("es").read("me quiero morir de sueño").plain == ("me", "kiero")


def test_the_model_never_lowers_nor_repeats_what_the_rules_found() -> None:
    text = "mi tio me hace cosas feas en la noche"
    assert categories(text) == {VIOLENCE: Severity.URGENT}


def test_without_its_file_the_model_is_silent_and_the_rules_still_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "model.json"
    broken.write_text("{not json", encoding="utf-8")
    assert model.load(tmp_path / "missing.json") is None
    assert model.load(broken) is None
    monkeypatch.setattr(model, "load", lambda path=model.MODEL_FILE: None)
    assert categories("ya no quiero seguir, estoy harta de todo") == {}
    assert categories("me quiero morir") == {SELF_HARM: Severity.URGENT}


def test_the_model_reads_character_and_word_ngrams_as_it_was_trained() -> None:
    assert model.ngrams("me", 2, 3) == {" m": 1, "me": 1, "e ": 1, " me": 1, "me ": 1}
    assert model.word_ngrams("me quiero ir", 1, 2) == {
        "me": 1,
        "quiero": 1,
        "ir": 1,
        "me quiero": 1,
        "quiero ir": 1,
    }
    shipped = model.load()
    assert shipped is not None
    assert set(shipped.classes) == {"none", "self_harm" + model.URGENT, *triage.CATEGORIES}
    assert 0.5 <= shipped.threshold < 1
    assert model.MODEL_FILE.stat().st_size < 2_000_000


def _sparse_probabilities(words: list[str], data: dict[str, Any]) -> dict[str, float]:
    """The classifier as a plain sparse dot product over ``model.json``, the way it was
    first written: every feature's value times its weights, added in the order the
    features are met."""
    features: dict[str, float] = {}
    folded = " ".join(words)
    low, high = data["ngrams"]
    word_low, word_high = data["word_ngrams"]
    for prefix, grams in (
        (model.CHARS, model.ngrams(folded, low, high)),
        (model.WORDS, model.word_ngrams(folded, word_low, word_high)),
    ):
        values = {}
        for gram, count in grams.items():
            idf = data["idf"].get(prefix + gram)
            if idf is not None:
                values[prefix + gram] = (1 + math.log(count)) * idf
        norm = math.sqrt(sum(v * v for v in values.values()))
        features.update({k: v / norm for k, v in values.items()} if norm else {})
    scores = list(data["intercepts"])
    for feature, value in features.items():
        for k, weight in enumerate(data["weights"].get(feature, ())):
            scores[k] += weight * value
    exps = [math.exp(s - max(scores)) for s in scores]
    return {label: e / sum(exps) for label, e in zip(data["classes"], exps, strict=True)}


@pytest.mark.parametrize(
    "text",
    [
        "hoy fui a la escuela y me fue bien",
        "me quiero morir",
        "ya no quiero seguir, estoy harta de todo",
        "mi tio me pega cuando toma",
        "me voy a escapar esta noche de la casa",
        "",
    ],
)
def test_the_classifier_reads_a_text_to_the_last_bit_as_a_plain_sparse_dot_product(
    text: str,
) -> None:
    data = json.loads(model.MODEL_FILE.read_text(encoding="utf-8"))
    shipped = model.load()
    assert shipped is not None
    words = triage.words_of(text)
    assert model.probabilities(words, shipped) == _sparse_probabilities(words, data)


def _fold_every_step(token: str) -> str:
    """``folding.fold_word`` running every step on every word, as first written."""
    word = folding._ABBREVIATIONS.get(token, token)
    if any(ch.isalpha() for ch in word):
        word = word.translate(folding._LEET)
        word = word.replace("qu", "k")
        word = folding._SOFT_C.sub("s", word)
        word = folding._SOFT_G.sub("j", word)
        word = word.replace("ch", "\x01").replace("c", "k").replace("\x01", "ch")
        word = word.replace("z", "s").replace("v", "b").replace("ll", "y").replace("y", "i")
        word = folding._SILENT_H.sub("", word)
    return folding._REPEATS.sub(r"\1", word)


@pytest.mark.parametrize(
    "token",
    [
        "escuela", "chico", "cecilia", "gente", "hijo", "ahora", "m4t4rm3", "$uicid1o",
        "@yuda", "1234", "@@", "q", "xq", "toy", "lluvia", "vivir", "zorro", "ayudaaaa",
        "quiero", "kiero", "guerra", "ghetto", "chhh", "cc", "niño", "ª", "½",
    ],
)  # fmt: skip
def test_a_word_is_folded_the_same_whichever_steps_are_skipped(token: str) -> None:
    assert folding.fold_word(token) == _fold_every_step(token)
