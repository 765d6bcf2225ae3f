"""The words of the situation reports, in English and Arabic: one table, every key in both.

Templates and the PDF writer ask :func:`translator` for ``t(key, **values)``; a key missing in a
language raises :class:`MissingLabel` (a test reads the templates and the code for every key
they use, and checks that every code a sitrep can hold has its label), so a report never shows
a raw key or half its words in another language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Literal

Language = Literal["ar", "en"]
LANGUAGES: tuple[Language, ...] = ("en", "ar")
DIRECTION: Mapping[str, str] = MappingProxyType({"en": "ltr", "ar": "rtl"})


class MissingLabel(KeyError):
    """A report asked for a label that the table does not have in its language."""


_LABELS: dict[str, tuple[str, str]] = {
    # key: (English, Arabic)
    "title": ("Situation report", "تقرير الوضع"),
    "title.day": ("Situation report of {day}", "تقرير الوضع ليوم {day}"),
    "operation": ("Operation", "العملية"),
    "agreement": ("Agreement version", "نسخة الاتفاق"),
    "as_of": ("Events received up to", "الأحداث الواردة حتى"),
    "audience.internal": ("Internal: not for distribution", "داخلي: لا يُوزَّع"),
    "audience.monitor": ("For monitors", "للمراقبين"),
    "audience.public": ("Public", "للنشر العام"),
    "withheld": ("withheld", "محجوب"),
    "not_shown": ("not shown", "غير معروض"),
    "yes": ("yes", "نعم"),
    "no": ("no", "لا"),
    "none": ("none", "لا يوجد"),
    "withheld.note": ("Counts of fewer than {threshold} people, and counts that would let "
                      "them be worked out, are withheld ({withheld} figures in this report).",
                      "الأعداد التي تقل عن {threshold} أشخاص، والأعداد التي تتيح استنتاجها، "
                      "محجوبة ({withheld} رقماً في هذا التقرير)."),
    "internal.note": ("Exact figures, shown as your role allows. Do not publish them: publish "
                      "the public report instead.",
                      "أرقام دقيقة بحسب ما يسمح به دورك. لا تنشرها: انشر التقرير العام بدلاً "
                      "منها."),
    # headline
    "section.headline": ("Key figures", "الأرقام الرئيسية"),
    "h.departed": ("People evacuated so far", "عدد من تم إجلاؤهم حتى الآن"),
    "h.departed_today": ("Evacuated today", "تم إجلاؤهم اليوم"),
    "h.arrived": ("Arrived at their destination", "وصلوا إلى وجهتهم"),
    "h.arrived_today": ("Arrived from today's convoys", "وصلوا من قوافل اليوم"),
    "h.on_the_road": ("On the road", "على الطريق"),
    "h.planned": ("People in the whole plan", "عدد الأشخاص في الخطة كاملة"),
    "h.planned_to_date": ("Planned up to today", "المخطط حتى اليوم"),
    "h.combatants": ("Fighters among the evacuated", "المقاتلون بين من تم إجلاؤهم"),
    "h.children": ("Children among the evacuated", "الأطفال بين من تم إجلاؤهم"),
    "h.held": ("Held at the checkpoint", "محتجزون عند الحاجز"),
    "h.medical": ("Medical cases", "حالات طبية"),
    "h.convoys": ("Convoys departed, of those planned", "القوافل المنطلقة من أصل المخطط لها"),
    "h.convoys_value": ("{departed} of {planned}", "{departed} من {planned}"),
    "h.incidents": ("Incidents reported", "الحوادث المبلّغ عنها"),
    "h.plan_days": ("The plan takes {days} days.", "تستغرق الخطة {days} يوماً."),
    "h.optimal": ("No plan can take fewer days.", "لا يمكن لأي خطة أن تستغرق أياماً أقل."),
    "h.binding": ("What binds the plan (the planner's words)",
                  "القيد الحاسم في الخطة (بكلمات المخطِّط)"),
    # days
    "section.days": ("People evacuated per day, against the plan",
                     "عدد من تم إجلاؤهم يومياً مقارنة بالخطة"),
    "chart.evacuated": ("Solid line: people evacuated up to each day. Dashed line: the plan. "
                        "Dates are day/month.",
                        "الخط المتصل: من تم إجلاؤهم حتى كل يوم. الخط المتقطع: الخطة. "
                        "التواريخ بصيغة يوم/شهر."),
    "col.day": ("Day", "اليوم"),
    "col.planned": ("Planned", "المخطط"),
    "col.planned_cumulative": ("Planned, in all", "المخطط، إجمالاً"),
    "col.departed": ("Evacuated", "تم إجلاؤهم"),
    "col.departed_cumulative": ("Evacuated, in all", "تم إجلاؤهم، إجمالاً"),
    "col.arrived": ("Arrived", "وصلوا"),
    "col.arrived_cumulative": ("Arrived, in all", "وصلوا، إجمالاً"),
    # convoys
    "section.convoys": ("Convoys", "القوافل"),
    "col.convoy": ("Convoy", "القافلة"),
    "col.destination": ("Destination", "الوجهة"),
    "col.vehicles": ("Vehicles", "المركبات"),
    "col.out_of_service": ("Out of service", "خارج الخدمة"),
    "col.people": ("People evacuated", "من تم إجلاؤهم"),
    "col.combatants": ("Fighters", "المقاتلون"),
    "col.children": ("Children", "الأطفال"),
    "col.medical": ("Medical cases", "الحالات الطبية"),
    "col.held": ("Held", "محتجزون"),
    "col.departure": ("Departure", "الانطلاق"),
    "col.arrival": ("Arrival", "الوصول"),
    "col.status": ("Status", "الحالة"),
    "expected": ("expected", "متوقع"),
    "convoys.none": ("No convoy was planned up to this day.",
                     "لم تكن هناك قافلة مخططة حتى هذا اليوم."),
    "status.planned": ("planned", "مخططة"),
    "status.boarding": ("boarding", "قيد الصعود"),
    "status.on_the_road": ("on the road", "على الطريق"),
    "status.arrived": ("arrived", "وصلت"),
    # sex and age
    "section.sex_age": ("People evacuated by sex and age, in all",
                        "من تم إجلاؤهم حسب الجنس والعمر، إجمالاً"),
    "col.sex": ("Sex", "الجنس"),
    "col.total": ("Total", "المجموع"),
    "sex.female": ("Women and girls", "نساء وفتيات"),
    "sex.male": ("Men and boys", "رجال وفتيان"),
    "age.0-4": ("0 to 4", "من 0 إلى 4"),
    "age.5-11": ("5 to 11", "من 5 إلى 11"),
    "age.12-17": ("12 to 17", "من 12 إلى 17"),
    "age.18-59": ("18 to 59", "من 18 إلى 59"),
    "age.60+": ("60 and over", "60 فما فوق"),
    # destinations
    "section.destinations": ("Arrivals per destination, against reception capacity",
                             "الواصلون إلى كل وجهة مقارنة بطاقة الاستقبال"),
    "chart.arrivals": ("Bars: people arrived from today's convoys. Red lines: reception "
                       "capacity for one day. Destinations by P-code.",
                       "الأعمدة: الواصلون من قوافل اليوم. الخطوط الحمراء: طاقة الاستقبال "
                       "ليوم واحد. الوجهات حسب الرمز المكاني (P-code)."),
    "col.pcode": ("P-code", "الرمز المكاني"),
    "col.capacity": ("Reception capacity a day", "طاقة الاستقبال اليومية"),
    "col.arrived_today": ("Arrived from today's convoys", "الواصلون من قوافل اليوم"),
    "col.over_capacity": ("Over capacity", "فوق الطاقة"),
    # medical
    "section.medical": ("Medical cases", "الحالات الطبية"),
    "m.cases": ("Cases in all", "مجموع الحالات"),
    "m.escalated": ("Escalated", "حالات صُعِّدت"),
    "m.transferred": ("Transferred", "حالات نُقلت"),
    "col.case": ("Case", "الحالة"),
    "col.opened": ("Opened", "فُتحت"),
    "col.escalated_to": ("Escalated to", "صُعِّدت إلى"),
    "col.transferred": ("Transferred", "نُقلت"),
    # incidents
    "section.incidents": ("Incidents", "الحوادث"),
    "incidents.none": ("No incident was reported.", "لم يُبلَّغ عن أي حادث."),
    "incidents.left_out": ("{count} incidents still being verified are not listed.",
                           "{count} من الحوادث قيد التحقق غير مدرجة."),
    "col.incident": ("Incident", "الحادث"),
    "col.reported_at": ("Reported", "وقت الإبلاغ"),
    "col.type": ("What happened", "ما حدث"),
    "col.severity": ("Severity", "الخطورة"),
    "col.place": ("Place", "المكان"),
    "col.verification": ("Verification", "التحقق"),
    "col.parties": ("Parties", "الأطراف"),
    "col.reported_by": ("Reported by", "أبلغ عنه"),
    "severity.low": ("low", "منخفضة"),
    "severity.medium": ("medium", "متوسطة"),
    "severity.high": ("high", "عالية"),
    "severity.critical": ("critical", "حرجة"),
    "verification.unverified": ("not verified", "لم يُتحقق منه"),
    "verification.verified": ("verified", "تم التحقق منه"),
    "verification.disputed": ("disputed", "متنازع عليه"),
    "verification.refuted": ("refuted", "ثبت عدم صحته"),
    # next
    "section.next": ("Planned next", "المخطط لاحقاً"),
    "next.none": ("No convoy is planned after this day.", "لا توجد قافلة مخططة بعد هذا اليوم."),
    "col.buses": ("Buses", "الحافلات"),
    "col.ambulances": ("Ambulances", "سيارات الإسعاف"),
    "col.trucks": ("Luggage trucks", "شاحنات الأمتعة"),
    "col.planned_people": ("People planned", "الأشخاص المخطط لهم"),
    # follow-up
    "section.follow_up": ("Open protection follow-up cases", "حالات متابعة الحماية المفتوحة"),
    "follow_up.none": ("No follow-up case is open.", "لا توجد حالة متابعة مفتوحة."),
    "case.held": ("held at the checkpoint", "محتجز عند الحاجز"),
    "case.not_passed": ("not let through", "لم يُسمح بمروره"),
    "case.separated": ("separated from the household", "منفصل عن أسرته"),
    "case.left_behind": ("left behind by the household's convoy", "تخلّف عن قافلة أسرته"),
    "col.kind": ("Why", "السبب"),
    "col.open": ("Open", "مفتوحة"),
    # outside figures
    "section.outside": ("Figures reported by others", "أرقام أعلنتها جهات أخرى"),
    "outside.none": ("No outside figure was recorded up to this day.",
                     "لم يُسجَّل أي رقم من جهة أخرى حتى هذا اليوم."),
    "outside.intro": ("Each claim beside corridor's own count of the same stage, up to the same "
                      "day, and what could explain a difference.",
                      "كل رقم معلن بجانب عدد corridor للمرحلة نفسها حتى اليوم نفسه، وما قد "
                      "يفسّر أي فرق."),
    "col.source": ("Source", "المصدر"),
    "col.date": ("Up to", "حتى"),
    "col.stage": ("Stage", "المرحلة"),
    "col.what": ("Of", "عن"),
    "col.claimed": ("They say", "يقولون"),
    "col.corridor": ("corridor counts", "عدد corridor"),
    "col.difference": ("Difference", "الفرق"),
    "difference.more": ("{value} more", "أكثر بـ {value}"),
    "difference.fewer": ("{value} fewer", "أقل بـ {value}"),
    "difference.same": ("the same", "مطابق"),
    "col.explanation": ("What could explain it", "ما قد يفسّر الفرق"),
    "col.note": ("Their words", "نص ما قالوه"),
    "stage.registered": ("registered to leave", "مسجلون للمغادرة"),
    "stage.checked_in": ("checked in", "سجّلوا حضورهم"),
    "stage.screened": ("screened", "خضعوا للتدقيق"),
    "stage.boarded": ("boarded", "صعدوا إلى الحافلات"),
    "stage.departed": ("departed", "غادروا"),
    "stage.arrived": ("arrived", "وصلوا"),
    "scope.people": ("people", "الأشخاص"),
    "scope.civilians": ("civilians", "المدنيون"),
    "scope.combatants": ("fighters", "المقاتلون"),
    "scope.men_18_59": ("men aged 18 to 59", "الرجال بين 18 و59 عاماً"),
    "explain.agrees": ("Agrees with corridor's count (within 3 %, at least 5 people).",
                       "يتفق مع عدد corridor (ضمن 3٪، وخمسة أشخاص على الأقل)."),
    "explain.other_stage": ("Matches corridor's count of {scope} who {stage} ({value}): the "
                            "source may count another stage.",
                            "يطابق عدد corridor من {scope} الذين {stage} ({value}): قد يعدّ "
                            "المصدر مرحلة أخرى."),
    "explain.other_day": ("Matches corridor's count up to {day} ({value}): the source may "
                          "count to another day.",
                          "يطابق عدد corridor حتى {day} ({value}): قد يعدّ المصدر حتى يوم "
                          "آخر."),
    "explain.other_category": ("Matches corridor's count of {scope} ({value}): the source may "
                               "count another category.",
                               "يطابق عدد corridor من {scope} ({value}): قد يعدّ المصدر فئة "
                               "أخرى."),
    "explain.above_every_count": ("Above every count corridor has for that day (at most "
                                  "{value}): it may include people corridor never registered, "
                                  "or be wrong.",
                                  "أعلى من كل أعداد corridor لذلك اليوم ({value} على الأكثر): "
                                  "قد يشمل أشخاصاً لم يسجّلهم corridor، أو يكون خاطئاً."),
    "explain.below_every_count": ("Below every count corridor has for that day (at least "
                                  "{value}).",
                                  "أقل من كل أعداد corridor لذلك اليوم ({value} على الأقل)."),
    "explain.unexplained": ("No difference of stage, day or category explains it.",
                            "لا يفسّره أي اختلاف في المرحلة أو اليوم أو الفئة."),
    "explain.no_figure": ("corridor shows no count of this in this report (withheld, not "
                          "published, or not for your role), so it is not compared.",
                          "لا يعرض هذا التقرير عدداً لـ corridor لهذا (محجوب أو غير منشور أو "
                          "غير متاح لدورك)، فلا تتم المقارنة."),
    "footer": ("corridor: situation report. Figures from the field event log as received up to "
               "the time above.",
               "corridor: تقرير الوضع. الأرقام من سجل الأحداث الميدانية كما وردت حتى الوقت "
               "المذكور أعلاه."),
}

LABELS: Mapping[str, Mapping[Language, str]] = MappingProxyType({
    key: MappingProxyType({"en": english, "ar": arabic})
    for key, (english, arabic) in _LABELS.items()})
"""Every label by key, in each language."""


def translator(language: str) -> Callable[..., str]:
    """``t(key, **values)``: the label of ``key`` in ``language``, with ``{name}`` filled."""
    if language not in LANGUAGES:
        raise MissingLabel(f"reports are in {' or '.join(LANGUAGES)}, not {language!r}")

    def t(key: str, **values: object) -> str:
        try:
            text = LABELS[key][language]
        except KeyError:
            raise MissingLabel(f"the label {key!r} has no {language} text in "
                               "corridor/reports/labels.py") from None
        if not text:
            raise MissingLabel(f"the label {key!r} is empty in {language}")
        return text.format(**values) if values else text

    return t
