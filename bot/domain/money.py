"""Money in yuan to the fen: parse what people write, format what we send."""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import cn2an

FEN = Decimal("0.01")
# The largest amount we accept: 14 digits, as `amount_due` in the judgment contract.
MAX_YUAN = Decimal("999999999999.99")
# Longer text is no amount (MAX_YUAN in financial numerals takes 38 characters).
MAX_LENGTH = 40
_NOISE = re.compile(r"[\s,，¥￥]|人民币|人民幣|RMB|CNY", re.IGNORECASE)
# Financial and traditional numerals, and the other names of yuan and jiao, as cn2an reads them.
_PLAIN = str.maketrans(
    "壹贰貳叁參叄肆伍陆陸柒捌玖拾佰仟萬億兩圆圓块塊毛",
    "一二二三三三四五六六七八九十百千万亿两元元元元角",
)
_SHORTHAND = {"k": "千", "w": "万"}  # 12k, 2w
_ASCII_NUMBER = re.compile(r"^\d+(\.\d+)?$")
_UNIT_NUMBER = re.compile(r"^(\d+(?:\.\d+)?)([十百千万亿])$")
_UNITS = {"十": 10, "百": 100, "千": 1_000, "万": 10_000, "亿": 100_000_000}
_DIGIT = "[0-9零〇一二两三四五六七八九]"
# The question's words said back before the amount (`首付三万`, `每月一万`): up to four Han
# characters that are no numeral, unit or sign, right before a numeral.
_NUMERAL = "0-9零〇一二两三四五六七八九十百千万亿"
_LEAD = re.compile(rf"^(?:(?![{_NUMERAL}负元角分整正])[\u4e00-\u9fff]){{1,4}}(?=[{_NUMERAL}])")
# What follows the yuan: `5角`, `5角3分`, `三角五` (the digit after 角 is fen), `零5分`.
_JIAO_FEN = re.compile(rf"^(?:({_DIGIT})角)?零?(?:({_DIGIT})分?)?$")


# A sum inside a sentence: a run of digits (grouped by thousands or not), numerals and units,
# and what follows the yuan (`2万5千`, `8块5`, `十万块钱`); `amount_in` judges each run.
_NUMERALS = "零〇一二两三四五六七八九十百千万亿壹贰貳叁參肆伍陆陸柒捌玖拾佰仟萬億兩"
_SUM_RUN = re.compile(
    rf"(?:\d{{1,3}}(?:,\d{{3}})+(?!\d)|[0-9{_NUMERALS}])[0-9{_NUMERALS}.kKwW]*"
    r"(?:(?:元|块钱|块|塊)[0-9一二三四五六七八九角毛分]*)?"
)
_DIGIT_NUMERAL = re.compile(r"[0-9零〇一二两三四五六七八九壹贰貳叁參肆伍陆陸柒捌玖兩]")
_MONEY_MARK = re.compile(r"[元块塊kKwW十百千万亿拾佰仟萬億]|\d{3}")
# What a run is not a sum before: a day, a time, a count, a share, a date's separator.
_NOT_BEFORE = (*"号號日月年点點期个個次天周%/-", "分之")
# …nor after: a reference or a code (单号, 尾号, 验证码, #), a share, a minus.
_NOT_AFTER = re.compile(r"(?:[号號码碼#]|后四位|分之)[\s:：是为]{0,2}$|[-负]$")
_LONGEST_BARE = 9  # more digits than this, without unit or yuan: a phone or a reference
_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+")
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


class AmountError(ValueError):
    """The text is not an amount of money we can understand."""


def parse_amount(text: str) -> Decimal:
    """What people write for an amount → Decimal yuan (to the fen): `5000`, `5,000`, `5千`,
    `1.5万`, `一万五千`, `¥8,000.50`, `12k`, `2w`, `千二` (1200), `壹佰贰拾元整`,
    `两百零五块三毛二分`, `三毛五`, `8块5` (8.50), `十万块钱`. Nonsense, zero, negatives and
    amounts over MAX_YUAN raise AmountError. Words said back before it are left out:
    `首付三万`, and an estimate's `左右` or `上下` after it."""
    cleaned = _NOISE.sub("", unicodedata.normalize("NFKC", text or "")).translate(_PLAIN)
    cleaned = re.sub(r"(?<=\d)[kw]", lambda m: _SHORTHAND[m.group(0).lower()], cleaned, flags=re.I)
    cleaned = _LEAD.sub("", cleaned).removesuffix("左右").removesuffix("上下")  # an estimate
    cleaned = cleaned.removesuffix("整").removesuffix("正")
    if cleaned.endswith("元钱"):  # `5000块钱`: 块 is read as 元 above
        cleaned = cleaned.removesuffix("钱")
    if not cleaned or len(cleaned) > MAX_LENGTH:
        raise AmountError(text)
    yuan, has_yuan, rest = cleaned.partition("元")
    if not has_yuan and re.search("[角分]", cleaned):  # `三毛五`: jiao and fen only
        yuan, rest = "", cleaned
    value = _yuan(yuan, text) if yuan else Decimal(0)
    if rest:
        value += _jiao_and_fen(rest, text, after_yuan=bool(has_yuan))
        if value != value.quantize(FEN):  # `1.5元3角`
            raise AmountError(text)
    # Bound before rounding: quantize raises InvalidOperation beyond 28 digits, and an amount
    # under half a fen would round to zero.
    if not value.is_finite() or not 0 < value <= MAX_YUAN:
        raise AmountError(text)
    value = value.quantize(FEN, rounding=ROUND_HALF_UP)
    if not FEN <= value <= MAX_YUAN:
        raise AmountError(text)
    return value


def still_owed(due_fen: int, paid_fen: int) -> int:
    """What is still owed of `due_fen` once `paid_fen` is confirmed paid (never below 0)."""
    return max(due_fen - paid_fen, 0)


def amount_in(text: str) -> Decimal | None:
    """The one sum of money a sentence holds ("我已经转了2万5千": 25,000); None when it holds
    none, or two (which is meant is not clear). Not a sum: a day, a year, a count or a share
    (`15号`, `2024/3/5`, `两个月`, `百分之五十`), a reference or a phone number, words made of
    units alone (`十分`, `千万别`; but `十万`), nor digits without unit or yuan below three
    (`一部分`, `转了2次`, `转了50`)."""
    said = (text or "").translate(_FULL_WIDTH_DIGITS)
    sums = set()
    for found in _SUM_RUN.finditer(said):
        run = found.group(0)
        if said[found.end() :].startswith(_NOT_BEFORE) or _NOT_AFTER.search(said[: found.start()]):
            continue
        if not (_DIGIT_NUMERAL.search(run) or (run.startswith("十") and len(run) > 1)):
            continue  # 十分, 千万: units alone are words
        bare = run.isdigit() or _GROUPED.fullmatch(run)
        if not _MONEY_MARK.search(run) or (bare and len(run.replace(",", "")) > _LONGEST_BARE):
            continue
        try:
            sums.add(parse_amount(run))
        except AmountError:
            continue
    return sums.pop() if len(sums) == 1 else None


def _yuan(number: str, text: str) -> Decimal:
    if _ASCII_NUMBER.match(number):
        return Decimal(number)
    if unit := _UNIT_NUMBER.match(number):
        # `1.23456万` ourselves: cn2an would truncate it to whole yuan (12345).
        return Decimal(unit.group(1)) * _UNITS[unit.group(2)]
    # `千二`, `万八`: spoken short for 一千二, 一万八.
    number = re.sub(r"^(?=[百千万].)", "一", number)
    try:
        return Decimal(str(cn2an.cn2an(number, "smart")))
    except (ValueError, KeyError, IndexError, TypeError, InvalidOperation) as exc:
        raise AmountError(text) from exc


def _jiao_and_fen(rest: str, text: str, *, after_yuan: bool) -> Decimal:
    """`5角3分` → 0.53; a lone digit right after 元 is jiao (`8块5`)."""
    match = _JIAO_FEN.match(rest)
    if match is None:
        raise AmountError(text)
    jiao, fen = match.groups()
    if after_yuan and len(rest) == 1:
        jiao, fen = fen, None
    return Decimal(_digit(jiao)) / 10 + Decimal(_digit(fen)) / 100


def _digit(digit: str | None) -> int:
    return int(cn2an.cn2an(digit, "smart")) if digit else 0


def to_fen(yuan: Decimal) -> int:
    return int((yuan.quantize(FEN, rounding=ROUND_HALF_UP) * 100).to_integral_value())


def from_fen(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(FEN)


def format_yuan(fen: int) -> str:
    """12345678 → `123,456.78`; whole yuan drop the fen: 13000000 → `130,000`."""
    yuan = from_fen(fen)
    if yuan == yuan.to_integral_value():
        return f"{int(yuan):,}"
    return f"{yuan:,.2f}"


def plain_yuan(yuan: Decimal) -> str:
    """Yuan as the API contract writes an amount: `130000.00` (no separators, always the fen)."""
    return f"{yuan.quantize(FEN, rounding=ROUND_HALF_UP):f}"
