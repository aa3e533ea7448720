"""Short answers: the asked-for kind of fact, found in the cited sentence, in the reader's language."""

from __future__ import annotations

import pytest

from assistant.answering.facts import asked_kind, asks_for_several, asks_where_too, find_fact, joined

P38 = "2019 年，厄瓜多尔成为最新一个加入该运动的国家。"
P38_FIRST = "蓝心运动——打击人口贩运活动成立于 2010 年，由毒品和犯罪问题办公室负责协调，到目前为止，已有 18 个国家参与这一运动。"


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("禁止向雇员收取征聘费的建议是哪一年提出的？", "year"),
        ("When was the Blue Heart Campaign launched?", "time"),
        ("Since when has the World Day been observed?", "since"),
        ("¿En qué año se lanzó?", "year"),
        ("Сколько стран участвует в кампании?", "quantity"),
        ("蓝心运动有多少个国家参加？", "quantity"),
        ("Which article of the Protocol covers carrier sanctions?", "article"),
        ("Quelle résolution a désigné la Journée mondiale ?", "symbol"),
        ("Which country joined most recently?", "country"),
        ("蓝心运动由哪个机构协调？", "organisation"),
        ("Who wrote the article on situational crime prevention?", "author"),
        ("《预防犯罪和暴力》是由谁联合主编的？", "editor"),
        ("Who coordinates the Blue Heart Campaign?", "person"),
        ("ما هو البلد الذي انضم إلى حملة القلب الأزرق في عام 2019؟", "country"),
        ("ما هو مكتب الأمم المتحدة المعني بالمخدرات والجريمة؟", None),  # مكتب (office) holds كتب (wrote)
        ("会议会在什么时间、什么地方开？", "time"),
        ("这次会议在什么地方举行？", "place"),
        ("What are the dates of this meeting?", "date"),
        ("What are carrier sanctions?", None),
        # How long, how often, what amount or share: questions a number answers.
        ("禁止期一般是多长？", "quantity"),
        ("How often are labour inspections carried out?", "frequency"),
        ("Каков размер штрафов для перевозчиков?", "quantity"),
        ("¿Qué porcentaje de las víctimas son mujeres?", "share"),
        ("受害者中妇女占百分之多少？", "share"),
        ("ما مقدار رسوم التوظيف؟", "quantity"),
        ("哪些国家加入了蓝心运动？", "country"),
        ("预防犯罪的思路有哪几种？", None),  # which ones: a list, not a count
        ("蓝心运动有几个国家参加？", "quantity"),
        ("這次工作組會議在哪個城市舉行？", "place"),  # Traditional Chinese
        ("Which agencies coordinate the campaign?", "organisation"),
        ("特别报告员2019年那份报告的文号是多少？", "symbol"),  # 多少 after 文号 asks for a symbol, not a count
        ("On which date each year is the World Day marked?", "date"),
        ("Quelle instance a adopté la Déclaration de Doha ?", "organisation"),
        ("Ежегодник за какой год цитируется в документе?", "year"),
        ("На каком совещании Рабочая группа рекомендовала провести самооценку?", "ordinal"),
        ("ما الهيئة التي اعتمدت مبادئ منع الجريمة التوجيهية؟", "organisation"),
        ("Под каким условным обозначением вышел доклад?", "symbol"),
        ("What is the number of countries in the Blue Heart Campaign?", "quantity"),
        ("Which States have joined the campaign?", "country"),
        ("¿Qué entidad coordina la campaña?", "organisation"),
        # The agenda item a document is submitted under; a document's symbol as UN French and Spanish call it.
        ("Under which item of the provisional agenda is this background paper submitted?", "agenda item"),
        ("По какому пункту предварительной повестки дня подготовлен этот документ?", "agenda item"),
        ("本背景文件属于哪个议程项目？", "agenda item"),
        ("Sous quelle cote l'ordre du jour provisoire a-t-il été publié ?", "symbol"),
        ("¿Con qué signatura se publicó el programa provisional?", "symbol"),
        # A size or a length asked as such, even where a relative "who"/"qui" follows.
        ("How large are the fines imposed on employers who break the rules?", "quantity"),
        ("Quelle est la durée de l'exclusion imposée aux employeurs qui enfreignent la loi ?", "quantity"),
    ],
)
def test_the_kind_of_fact_asked_for(question, kind):
    assert asked_kind(question) == kind


def test_a_country_is_named_in_the_readers_language_with_its_year():
    for lang, name in (("en", "Ecuador"), ("fr", "Équateur"), ("es", "Ecuador"), ("ru", "Эквадор"), ("zh", "厄瓜多尔")):
        fact = find_fact("country", [("38", P38)], [], lang)
        assert fact is not None and fact.display == name and fact.context_year == "2019" and fact.unit_id == "38"


def test_facts_come_only_from_the_evidence():
    assert find_fact("country", [("38", P38_FIRST)], [], "en") is None
    assert find_fact("year", [("38", P38_FIRST)], [], "en").display == "2010"
    assert find_fact("quantity", [("38", P38_FIRST)], [], "en").display == "18"
    organisation = find_fact("organisation", [("38", P38_FIRST)], [], "en")
    assert organisation is not None and organisation.display == "UNODC"


def test_a_language_is_not_a_country():
    assert find_fact("country", [("38", "这是在蓝心运动框架内发起的一项西班牙语倡议。")], [], "en") is None


def test_resolutions_and_articles_are_written_for_the_reader():
    text = "大会第 68/192 号决议将 7 月 30 日指定为“世界打击贩运人口行为日”"
    assert find_fact("symbol", [("37", text)], [], "fr").display == "résolution 68/192"
    article = "根据《打击贩运人口议定书》第 11 条，各国还必须确保商业承运人……"
    assert find_fact("article", [("25", article)], [], "ru").display == "статья 11"


def test_the_year_nearest_the_questions_words_wins():
    text = "2017 年，主题侧重于“对贩运的脆弱性”；2018 年的主题侧重于“贩运儿童和青年”；2019 年的主题侧重于“需要加强国家行动”。"
    assert find_fact("year", [("37", text)], ["贩运儿童"], "en").display == "2018"


@pytest.mark.parametrize(
    ("lang", "shown"),
    [
        ("en", "9–11 September 2019"),
        ("fr", "9–11 septembre 2019"),
        ("es", "9–11 de septiembre de 2019"),
        ("ru", "9–11 сентября 2019 года"),
        ("zh", "2019年9月9日至11日"),
    ],
)
def test_a_year_that_comes_with_its_days_is_answered_with_the_whole_date(lang, shown):
    fact = find_fact("year", [("header", "贩运人口问题工作组\n2019 年 9 月 9 日至 11 日，维也纳")], [], lang)
    assert fact is not None and fact.display == shown and fact.span == "2019 年 9 月 9 日至 11 日"
    assert find_fact("date", [("header", "2019 年 9 月 9 日至 11 日，维也纳")], [], lang).display == shown
    # A month alone does not make a date of the year asked for.
    assert find_fact("year", [("38", "墨西哥政府于 2017 年 8 月发起了这一运动。")], [], lang).display == "2017"


def test_ordinals_are_read_from_chinese_numerals():
    text = "第十三届联合国预防犯罪和刑事司法大会在 2015 年通过的《多哈宣言》"
    assert asked_kind("《多哈宣言》是由第几届大会通过的？") == "ordinal"
    assert find_fact("ordinal", [("35", text)], [], "en").display == "13th"
    assert find_fact("ordinal", [("35", text)], [], "zh").display == "第十三届"


def test_a_who_question_can_be_answered_by_a_person_named_in_latin_script():
    text = "Auzeen Shariati 和 Rob T. Guerette，“情境式犯罪预防”"
    fact = find_fact("person", [("fn2", text)], [], "en")
    assert fact is not None and fact.display == "Auzeen Shariati"


def test_dates_are_written_with_the_readers_month_names():
    text = "大会第 68/192 号决议将 7 月 30 日指定为“世界打击贩运人口行为日”"
    assert asked_kind("¿Qué día se conmemora el Día Mundial?") == "date"
    shown = {lang: find_fact("date", [("37", text)], [], lang).display for lang in ("zh", "en", "es", "ru")}
    assert shown == {"zh": "7月30日", "en": "30 July", "es": "30 de julio", "ru": "30 июля"}
    # "Which month?" is answered by a month alone, and not by a year.
    assert asked_kind("厄瓜多尔是在哪个月加入蓝心运动的？") == "date"
    assert find_fact("date", [("h", "会议于 2019 年 9 月在维也纳举行")], [], "fr").display == "septembre 2019"
    assert find_fact("date", [("38", "2019 年，厄瓜多尔成为最新一个加入该运动的国家。")], [], "fr") is None


def test_who_prefers_a_named_person_and_falls_back_to_the_body_that_acts():
    edited = "载于由 Brent Teasdale 和 Mindy S. Bradley 联合主编的《预防犯罪和暴力》（瑞士巴塞尔，斯普林格出版社，2017 年）。"
    assert find_fact("person", [("fn2", edited)], [], "en").kind == "person"
    coordinated = "蓝心运动成立于 2010 年，由毒品和犯罪问题办公室负责协调。"
    assert find_fact("person", [("38", coordinated)], [], "en").display == "UNODC"


def test_authors_and_editors_are_told_apart_by_their_place_in_the_citation():
    citation = (
        "Azadeh Shariati 和 Rob T. Guerette，“情境式犯罪预防”，载于由 Brent Teasdale 和 Mindy S. Bradley 共同主编的《预防犯罪和暴力》"
    )
    authors = find_fact("author", [("fn2", citation)], ["情境式犯罪预防"], "en")
    editors = find_fact("editor", [("fn2", citation)], ["情境式犯罪预防"], "en")
    assert authors.display == "Azadeh Shariati, Rob T. Guerette" and authors.span in citation
    assert editors.display == "Brent Teasdale, Mindy S. Bradley" and editors.span in citation


def test_a_fact_about_a_named_country_comes_from_a_sentence_that_names_it():
    evidence = [
        ("38", "2017 年 8 月，墨西哥政府与毒品和犯罪问题办公室共同发起了“我在这里反对贩运人口行为”运动。"),
        ("38", "2019 年，厄瓜多尔成为最新一个加入该运动的国家。"),
    ]
    # The only month is Mexico's: a question on Ecuador's month gets no short answer.
    assert find_fact("date", evidence, [], "en", countries={"厄瓜多尔"}) is None
    assert find_fact("year", evidence, [], "en", countries={"厄瓜多尔"}).display == "2019"
    # No sentence names the country: the evidence is read as before.
    assert find_fact("year", evidence, [], "en", countries={"秘鲁"}).display == "2017"


@pytest.mark.parametrize(
    "question",
    [
        "这次工作组会议在哪个城市举行？",
        "In which city is the Working Group meeting held?",
        "Where is the meeting of the Working Group held?",
        "Dans quelle ville se tient la réunion ?",
        "¿Dónde se celebra la reunión del Grupo de Trabajo?",
        "В каком городе проходит совещание?",
        "في أي مدينة يُعقد الاجتماع؟",
        "Where was the guidance note issued?",
        "Où la note d'orientation a-t-elle été publiée ?",
        "¿Dónde se firmó la Convención?",
        # Alone, a follow-up to "when": where that happens.
        "Where?",
        "¿Y dónde?",
        "在哪里？",
    ],
)
def test_a_city_question_asks_for_a_place(question):
    assert asked_kind(question) == "place"


@pytest.mark.parametrize(
    "question",
    ["What is the date of this meeting?", "Quelle est la date de la réunion ?", "¿Cuál es la fecha de la reunión?",
     "Какова дата совещания?", "ما هو تاريخ الاجتماع؟", "会议日期是什么？"],
)
def test_the_date_of_something_asks_for_a_date(question):
    assert asked_kind(question) == "date"


def test_an_arabic_question_opening_with_man_asks_who():
    assert asked_kind("من ينسق حملة القلب الأزرق؟") == "person"
    assert asked_kind("من أين يأتي الضحايا؟") is None  # "from where"


def test_to_date_is_not_a_date_question():
    assert asked_kind("How many countries have joined to date?") == "quantity"


def test_a_bare_where_asks_for_no_place():
    # "Where does the paper discuss…" wants a paragraph, not a city.
    assert asked_kind("Where does the paper discuss carrier sanctions?") is None


def test_a_place_is_named_in_the_readers_language_and_a_country_is_not_a_place():
    header = "2019 年 9 月 9 日至 11 日，维也纳"
    for lang, name in (("en", "Vienna"), ("fr", "Vienne"), ("es", "Viena"), ("ru", "Вена"), ("ar", "فيينا"), ("zh", "维也纳")):
        fact = find_fact("place", [("header", header)], [], lang)
        assert fact is not None and fact.display == name and fact.span == "维也纳"
    assert find_fact("place", [("38", P38)], [], "en") is None  # 厄瓜多尔 is a country


def test_a_fact_knows_whether_its_clause_names_what_the_question_names():
    sentence = "工作组有 12 个成员；蓝心运动已有 18 个国家参与。"
    anchored = find_fact("quantity", [("x", sentence)], ["蓝心运动"], "zh")
    assert anchored is not None and anchored.span.startswith("18") and anchored.anchored
    loose = find_fact("quantity", [("x", sentence)], ["协调小组"], "zh")
    assert loose is not None and not loose.anchored


def test_a_share_is_a_percentage_and_a_count_is_not():
    text = "在 12 个国家开展的调查中，受害者中 71% 为妇女和女童。"
    assert find_fact("share", [("x", text)], [], "en").display == "71%"
    assert find_fact("quantity", [("x", text)], [], "en").display == "12"


def test_a_count_in_a_text_of_another_script_is_a_number_before_a_word():
    text = "In 2020, surveys in 12 countries found that 58 per cent of workers, interviewed on 15 March, had paid fees."
    assert find_fact("quantity", [("s2.p2", text)], [], "en").display == "12"
    assert find_fact("share", [("s2.p2", text)], [], "en").display == "58%"


def test_a_question_asking_for_several_countries_gets_every_one_its_paragraph_names():
    evidence = [
        ("38", "2017 年 8 月，墨西哥政府与毒品和犯罪问题办公室共同发起了“我在这里反对贩运人口行为”运动。"),
        ("38", P38),
        ("16", "厄瓜多尔和秘鲁也有类似做法。"),  # another paragraph: not this answer's
    ]
    several = find_fact("country", evidence, [], "en", several=True)
    assert several is not None and several.display == "Mexico, Ecuador" and several.unit_id == "38"
    assert find_fact("country", evidence, [], "zh", several=True).display == "墨西哥、厄瓜多尔"
    assert find_fact("country", evidence, [], "en").display == "Mexico"
    assert asks_for_several("Which countries joined?") and asks_for_several("第38段提到了哪些国家？")
    assert not asks_for_several("Which country joined most recently?")


def test_when_is_answered_by_a_day_where_the_text_gives_one_else_by_the_year():
    p37 = "大会第 68/192 号决议将 7 月 30 日指定为“世界打击贩运人口行为日”，从 2014 年起每年在这一日期开展纪念活动。"
    assert find_fact("time", [("37", p37)], [], "en").display == "30 July"
    assert find_fact("year", [("37", p37)], [], "en").display == "2014"
    # "Since when" prefers the year something began from over any other year of the sentence.
    started = "2012 年的报告指出，该日从 2014 年起每年纪念。"
    assert find_fact("since", [("37", started)], [], "en").display == "2014"
    assert find_fact("year", [("37", started)], [], "en").display == "2012"
    themes = "2017 年，世界打击贩运人口行为日的主题侧重于“对贩运的脆弱性”。"
    assert find_fact("since", [("37", themes)], [], "en").display == "2017"  # no start: any year
    note = "In 2012 the report noted that the Day has been observed since 2014."
    assert find_fact("since", [("s1", note)], [], "en").display == "2014"
    assert find_fact("time", [("38", P38_FIRST)], [], "fr").display == "2010"  # no day: the year
    # A month with its year and no day answers "when" with both: "2017 年 8 月" is August 2017.
    assert find_fact("time", [("38", "2017 年 8 月，墨西哥政府发起了运动。")], [], "en").display == "August 2017"


def test_when_and_where_asks_for_the_place_too():
    for question in (
        "When and where does this meeting take place?",
        "会议会在什么时间、什么地方开？",
        "¿Cuándo y dónde se celebra la reunión?",
        "Когда и где проходит совещание?",
    ):
        assert asks_where_too(question, asked_kind(question)), question
    assert not asks_where_too("When was the Blue Heart Campaign launched?", "time")
    assert not asks_where_too("Where is the meeting held?", "place")  # the place is what it asks already


def test_facts_are_listed_as_the_readers_language_lists_them():
    assert joined(["墨西哥", "厄瓜多尔"], "zh") == "墨西哥、厄瓜多尔"
    assert joined(["2019年9月9日至11日", "维也纳"], "zh", enumeration=False) == "2019年9月9日至11日，维也纳"
    assert joined(["Mexique", "Équateur"], "fr") == "Mexique, Équateur"
    assert joined(["المكسيك", "إكوادور"], "ar") == "المكسيك، إكوادور"


@pytest.mark.parametrize(
    "text",
    [
        "This guidance note was issued on 15 March 2021 in Geneva.",
        "This guidance note was issued on March 15, 2021 in Geneva.",
        "Cette note a été publiée le 15 mars 2021 à Genève.",
        "Esta nota se publicó el 15 de marzo de 2021 en Ginebra.",
        "Эта записка выпущена 15 марта 2021 года в Женеве.",
    ],
)
def test_a_date_in_a_text_of_another_script_is_read_whole(text):
    assert find_fact("time", [("s2.p1", text)], [], "en").display == "15 March 2021"
    assert find_fact("time", [("s2.p1", text)], [], "zh").display == "2021年3月15日"
    assert find_fact("year", [("s2.p1", text)], [], "es").display == "15 de marzo de 2021"


def test_a_city_in_a_text_of_another_script_is_found_by_any_of_its_names():
    text = "This guidance note was issued by the International Labour Organization on 15 March 2021 in Geneva."
    for lang, name in (("en", "Geneva"), ("fr", "Genève"), ("zh", "日内瓦"), ("ru", "Женева")):
        assert find_fact("place", [("s2.p1", text)], [], lang).display == name
    assert find_fact("place", [("x", "Europol and the Working Group met.")], [], "en") is None  # a body, not a place


def test_a_fact_that_shares_a_clause_with_the_question_terms_beats_the_closest_sentence():
    # The sentence e5 ranks first for "¿En qué año se creó la campaña Corazón Azul?" is the 2017
    # one; its year belongs to another campaign launched within the Blue Heart one.
    evidence = [
        ("38", "2017 年 8 月，墨西哥政府与毒品和犯罪问题办公室共同发起了“我在这里反对贩运人口行为”运动，"
               "这是在蓝心运动框架内发起的一项西班牙语倡议。"),
        ("38", "蓝心运动——打击人口贩运活动成立于 2010 年，由毒品和犯罪问题办公室负责协调。"),
    ]
    fact = find_fact("year", evidence, ["蓝心运动"], "es")
    assert fact is not None and fact.display == "2010" and fact.anchored
    # With no anchored candidate, the first sentence's still answers.
    assert find_fact("year", evidence, ["议定书"], "es").display == "2017"


@pytest.mark.parametrize(
    "question",
    ["How often should agencies be inspected?", "À quelle fréquence le thème est-il choisi ?", "¿Con qué frecuencia se elige?",
     "Как часто выбирается тема?", "世界打击贩运人口行为日多久举办一次？"],
)
def test_how_often_asks_for_a_frequency(question):
    assert asked_kind(question) == "frequency"


def test_a_frequency_is_read_in_the_paper_and_in_an_added_note():
    paper = [("37", "毒品和犯罪问题办公室每年都会为世界打击贩运人口行为日选定一个专题。")]
    assert find_fact("frequency", paper, [], "fr").display == "chaque année"
    assert find_fact("frequency", paper, [], "zh").display == "每年"
    note = [("3", "States should inspect private agencies at least twice a year.")]
    assert find_fact("frequency", note, [], "es").display == "twice a year"  # an added note's words, verbatim
    # A count is not how often: "how often" with only "12 countries" has no answer.
    assert find_fact("frequency", [("2", "Surveys in 12 countries found fees.")], [], "en") is None


def test_when_joining_two_clauses_does_not_ask_for_a_time():
    assert asked_kind("What should workers have access to when their rights are violated?") is None
    assert asked_kind("Que font les États quand les droits sont violés ?") is None
    assert asked_kind("Did the Working Group recommend banning fees, and when?") == "time"
    assert asked_kind("campagne Coeur bleu quand lancee") == "time"  # a keyword query


def test_who_is_not_known_missing_from_a_text_without_chinese():
    from assistant.answering.facts import absence_tells

    # "The employer should pay" answers "who should pay" with a common noun no pattern finds.
    assert not absence_tells("person", "The employer should pay the full cost of recruitment.")
    assert absence_tells("person", "工作组建议各国应：") and absence_tells("year", "The employer should pay.")
    note = [("4", "Governments should require a licence, renewed every two years.")]
    assert find_fact("frequency", note, [], "en").display == "every two years"


def test_an_arabic_question_for_the_symbol_asks_for_a_symbol():
    assert asked_kind("ما هو رمز تقرير المقررة الخاصة لعام 2019؟") == "symbol"


def test_a_follow_ups_topic_places_its_answer_and_may_be_it():
    evidence = [
        ("35", "第十三届联合国预防犯罪和刑事司法大会在 2015 年通过的《多哈宣言》突出了教育的重要性。"),
        ("35", "为了支持这一观念，毒品和犯罪问题办公室发起了教育促进正义倡议。"),
    ]
    # "Who launched it?" after a question on the Education for Justice initiative.
    fact = find_fact("person", evidence, [], "en", topic_terms=["教育促进正义倡议"])
    assert fact is not None and fact.display == "UNODC" and fact.anchored
    # A topic term is not excluded as the answer, as the question's own terms are.
    fact = find_fact("organisation", [("38", "蓝心运动由毒品和犯罪问题办公室负责协调。")], [], "en", topic_terms=["毒品和犯罪问题办公室"])
    assert fact is not None and fact.display == "UNODC"


def test_a_noun_phrase_ending_in_university_is_not_a_body():
    from assistant.answering.facts import _candidates

    assert _candidates("organisation", "例如，该倡议的大学部分旨在向学术人员提供支持", "") == []
    assert [v for _, _, v in _candidates("organisation", "北京大学", "")] == ["北京大学"]


def test_which_body_adopted_a_resolution_asks_for_a_body_and_the_resolution_named_is_not_the_answer():
    assert asked_kind("Which body adopted resolution 68/192?") == "organisation"
    assert asked_kind("Quelle organisation a adopté la résolution 68/192 ?") == "organisation"
    assert asked_kind("Which resolution designated the World Day?") == "symbol"
    sentence = [("37", "大会第 68/192 号决议将 7 月 30 日指定为“世界打击贩运人口行为日”。")]
    assert find_fact("symbol", sentence, ["68/192"], "en") is None  # the question named it


def test_an_approximate_count_stays_approximate_in_every_language():
    sentence = [("50", "对来自 100 多个国家及超国家法院的将近 1,500 项关于贩运人口方面的法院裁决进行了分析")]
    assert find_fact("quantity", sentence, ["法院裁决"], "en").display == "nearly 1,500"
    assert find_fact("quantity", sentence, ["法院裁决"], "zh").display == "将近1,500"
    assert find_fact("quantity", sentence, ["国家"], "fr").display == "plus de 100"
    assert find_fact("quantity", [("38", "已有 18 个国家参与这一运动")], [], "en").display == "18"


@pytest.mark.parametrize(
    ("lang", "short"),
    [("es", "8.ª"), ("ru", "8-е"), ("en", "8th"), ("fr", "8e"), ("zh", "第八次")],
)
def test_a_meeting_ordinal_agrees_with_the_word_for_meeting(lang, short):
    fact = find_fact("ordinal", [("18", "2018 年，工作组第八次会议建议各国应：")], ("工作组",), lang)
    assert fact is not None and fact.display == short


@pytest.mark.parametrize(
    ("question", "lang", "short"),
    [
        ("¿En qué mes y año lanzaron México y la UNODC su campaña?", "es", "agosto de 2017"),
        ("When did Mexico launch it?", "en", "August 2017"),
        ("Когда это было?", "ru", "август 2017 года"),
        ("墨西哥是哪一年发起的？", "zh", "2017"),  # a year asked: the year, not its month
    ],
)
def test_a_month_with_its_year_answers_when_and_which_month(question, lang, short):
    sentence = "2017 年 8 月，墨西哥政府与毒品和犯罪问题办公室共同发起了一项西班牙语倡议。"
    fact = find_fact(asked_kind(question), [("38", sentence)], ("墨西哥",), lang)
    assert fact is not None and fact.display == short


@pytest.mark.parametrize(
    ("lang", "short"),
    [
        ("zh", "第十三届联合国预防犯罪和刑事司法大会"),
        ("en", "13th United Nations Congress on Crime Prevention and Criminal Justice"),
        ("ru", "13-й Конгресс Организации Объединенных Наций по предупреждению преступности и уголовному правосудию"),
    ],
)
def test_a_body_keeps_the_session_before_its_name(lang, short):
    sentence = "第十三届联合国预防犯罪和刑事司法大会在 2015 年通过的《多哈宣言》突出了教育的重要性。"
    fact = find_fact("organisation", [("35", sentence)], ("多哈宣言",), lang)
    assert fact is not None and fact.display == short


def test_a_name_after_its_country_is_a_place_in_it():
    # jieba tags 巴塞尔 as a person's name; after 瑞士 it is the city of a footnote's imprint.
    fn2 = "预防科学进展系列专著之一（瑞士巴塞尔，斯普林格出版社，2017 年）。"
    fact = find_fact("place", [("fn2", fn2)], (), "fr")
    assert fact is not None and (fact.span, fact.display) == ("巴塞尔", "Bâle")


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Which social media companies have agreed to coordinate?", "organisation"),
        ("Quel ministère équatorien a piloté l'adhésion ?", "organisation"),
        ("¿Qué tribunales aportan sentencias a la base de datos?", "organisation"),
        ("ما أسماء شركات التجزئة؟", "organisation"),
        ("哪些公司参与了？", "organisation"),
        ("Quel ambassadeur de bonne volonté soutient la campagne ?", "person"),
        ("Which Member State drafted resolution 68/192?", "country"),
    ],
)
def test_a_body_or_a_person_asked_by_its_type(question, kind):
    assert asked_kind(question) == kind


@pytest.mark.parametrize(
    ("lang", "display"),
    [("en", "agenda item 2"), ("fr", "point 2 de l'ordre du jour"), ("ru", "пункт 2 повестки дня"), ("zh", "议程项目 2")],
)
def test_the_agenda_item_is_read_from_the_title_block(lang, display):
    header = "贩运人口问题工作组\n2019 年 9 月 9 日至 11 日，维也纳\n临时议程项目 2\n涉及贩运人口的预防犯罪措施"
    fact = find_fact("agenda item", [("header", header)], [], lang)
    assert fact is not None and fact.span == "议程项目 2" and fact.display == display
