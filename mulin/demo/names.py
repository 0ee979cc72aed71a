"""Fictional people for demo and synthetic data: names, phones, plates, birth dates.

Every name is drawn from surname and given-name lists, never taken from the source articles; the
people named there are kept out explicitly (REAL_NAMES), including as part of a longer name.
"""

from __future__ import annotations

import random
from datetime import date

# People named in the seed articles (shared/seeds/): they must never appear in generated data.
REAL_NAMES = frozenset(
    {"马承凤", "尤芳论", "江晖", "黄煊", "吴昌年", "戴静", "周锡根", "魏国成", "叶舒扬", "叶颖"}
)

# Common surnames, most frequent first (weights fall off down the list), with the surnames that
# are frequent in southern Fujian and in Zhejiang mixed in.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程"
    "苏魏吕丁沈任姚卢傅钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷黎史龙陶贺顾毛"
    "郝龚邵万钱覃武戴孔汤庞莫施洪柯庄俞楼应翁童骆"
)
_SURNAME_WEIGHTS = [1.0 / (1 + i * 0.08) for i in range(len(SURNAMES))]

# Given-name characters by generation: names given in the 1930s–50s, 1960s–80s, 1990s onwards.
_GIVEN = {
    ("male", "old"): "国建华明德福根生荣富贵发祥宝兴忠海金林永庆春山和义成顺昌有财文志清水长",
    ("female", "old"): "秀英兰珍凤玉桂芳淑华美琴梅花翠英霞素娥云月香菊莲金彩爱兰巧红芬",
    ("male", "mid"): "伟强磊军勇杰涛斌超明刚平辉鹏华飞波宇浩凯健俊旭宁峰亮新东立永晓建志海",
    ("female", "mid"): "芳娜敏静丽艳娟霞秀慧玲婷雪琳晶燕红梅莉萍洁琴颖倩佳丹蓉洁萍红燕",
    ("male", "young"): "子浩宇轩然睿泽博文皓晨俊逸辰嘉铭昊天一鸣思远梓豪宸航锦诚哲翰",
    ("female", "young"): "子涵欣怡雨诗梓萱可馨思彤雅琪若汐一诺语桐佳悦芷晴心妍沐瑶婉清",
}


def _generation(birth_year: int) -> str:
    if birth_year < 1960:
        return "old"
    if birth_year < 1990:
        return "mid"
    return "young"


def is_real_name(name: str) -> bool:
    """True when `name` is, or contains, a real person's name from the seed articles."""
    return any(real in name for real in REAL_NAMES)


class NameMaker:
    """Deterministic generator of fictional people's details (seeded random)."""

    def __init__(self, seed: int | str = 0):
        self.random = random.Random(seed)
        self._phones: set[str] = set()

    def surname(self) -> str:
        return self.random.choices(SURNAMES, weights=_SURNAME_WEIGHTS, k=1)[0]

    def given(self, gender: str, birth_year: int) -> str:
        chars = _GIVEN[(gender or "male", _generation(birth_year))]
        # About a third of people have a one-character given name, fewer among the young.
        one_char = self.random.random() < (0.2 if birth_year >= 1990 else 0.35)
        count = 1 if one_char else 2
        return "".join(self.random.choice(chars) for _ in range(count))

    def name(self, gender: str, birth_year: int, surname: str | None = None) -> str:
        while True:
            candidate = (surname or self.surname()) + self.given(gender, birth_year)
            if not is_real_name(candidate):
                return candidate

    def gender(self) -> str:
        return self.random.choice(("male", "female"))

    def birth_date(self, birth_year: int) -> date:
        return date(birth_year, self.random.randint(1, 12), self.random.randint(1, 28))

    def phone(self) -> str:
        """A unique mobile number; 170/171 prefixes are virtual-operator ranges, used here so demo
        numbers are unlikely to be someone's real phone."""
        while True:
            prefix = self.random.choice(("170", "171", "162", "165", "167"))
            phone = prefix + f"{self.random.randrange(10**8):08d}"
            if phone not in self._phones:
                self._phones.add(phone)
                return phone


# Plate letters exclude I and O (GA 36-2018).
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


class PlateMaker:
    """Unique, valid licence plates for one city prefix such as 闽D or 浙A."""

    def __init__(self, prefix: str, rnd: random.Random):
        self.prefix = prefix
        self.random = rnd
        self._seen: set[str] = set()

    def plate(self, new_energy: bool = False) -> str:
        while True:
            if new_energy:
                # Small new-energy cars: D (electric) or F (hybrid), a letter or digit, 4 digits.
                body = (
                    self.random.choice("DF")
                    + self.random.choice(PLATE_LETTERS + "0123456789")
                    + f"{self.random.randrange(10**4):04d}"
                )
            else:
                body = self.random.choice(PLATE_LETTERS) + f"{self.random.randrange(10**4):04d}"
            plate = self.prefix + body
            if plate not in self._seen:
                self._seen.add(plate)
                return plate
