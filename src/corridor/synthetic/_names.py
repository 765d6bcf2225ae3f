"""Synthetic Arabic names: common given names by sex and common family names, in Arabic script.

Names are drawn independently, so a generated person is never a real person's record. A person's
name is the given name, the father's given name and the family name, as Syrian registries write it;
a married woman keeps her own father's and family names. Names are indices until a person is
built, and each full name is one shared string.
"""

from __future__ import annotations

from typing import Final

MALE_GIVEN_NAMES: Final = (
    "محمد", "أحمد", "محمود", "خالد", "عمر", "علي", "حسن", "حسين", "يوسف", "إبراهيم",
    "عبد الله", "عبد الرحمن", "مصطفى", "سامر", "بلال", "فادي", "ماهر", "وليد", "رامي", "زياد",
    "طارق", "ياسر", "أنس", "معاذ", "حمزة", "عمار", "سليم", "جمال", "نبيل", "فراس",
)

FEMALE_GIVEN_NAMES: Final = (
    "فاطمة", "مريم", "عائشة", "خديجة", "زينب", "آمنة", "رنا", "لينا", "هبة", "سارة",
    "نور", "رهف", "ريم", "دعاء", "أسماء", "سلمى", "هالة", "منى", "سمر", "رغد",
    "ياسمين", "لمى", "بشرى", "إيمان", "وفاء", "سعاد", "نادية", "ليلى", "حنان", "غادة",
)

FAMILY_NAMES: Final = (
    "الأحمد", "المحمد", "العلي", "الحسن", "الحسين", "العمر", "الخطيب", "الشامي", "الحلبي",
    "الحمصي", "النجار", "الحداد", "الخياط", "العبد الله", "الإبراهيم", "الموسى", "الصالح",
    "السيد", "الشيخ", "القاسم", "اليوسف", "المصري", "الأسعد", "الحمود", "الخليل", "الرحمون",
    "العثمان", "الدياب", "الجاسم", "الحسيني",
)


#: Given names of both sexes in one list: a member stores one index, men's first.
GIVEN_NAMES: Final = MALE_GIVEN_NAMES + FEMALE_GIVEN_NAMES
FIRST_FEMALE_NAME: Final = len(MALE_GIVEN_NAMES)


#: Distinct full names; a name's index is ``(given * men's names + father) * families + family``.
NAME_COMBINATIONS: Final = len(GIVEN_NAMES) * len(MALE_GIVEN_NAMES) * len(FAMILY_NAMES)


def full_name(index: int) -> str:
    """The full name at ``index``: given name (men's first, then women's), father's given name
    and family name."""
    rest, family = divmod(index, len(FAMILY_NAMES))
    given, father = divmod(rest, len(MALE_GIVEN_NAMES))
    return f"{GIVEN_NAMES[given]} {MALE_GIVEN_NAMES[father]} {FAMILY_NAMES[family]}"
