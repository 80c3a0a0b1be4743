"""Every text a debtor reads, per locale. `render` falls back to zh-CN, never to a key."""

from __future__ import annotations

from datetime import date

DEFAULT_LOCALE = "zh-CN"

_CONSEQUENCES_ZH = (
    "逾期将加倍支付迟延履行期间利息，并可被纳入失信名单、限制高消费、罚款拘留，"
    "情节严重的追究拒执罪。"
)
# English reminders still carry a Chinese signature and case number, so they go as UCS-2
# (67 characters a segment) like the Chinese ones: keep them as short.
_CONSEQUENCES_EN = "Late: double interest, blacklist, fines, detention."

TEXTS: dict[str, dict[str, str]] = {
    "zh-CN": {
        "reminder.day0": "{sig}{name}：您的{case}案已进入执行前督促程序，"
        "请于{due}前履行，应付{amount}元。回复1申报财产 2报告困难 3和解 4宽限 5已履行 0帮助",
        "reminder.middle": "{sig}{name}：提醒您{case}案应于{due}前履行{amount}元。"
        "有困难请回复2，申请和解或分期回复3，已履行回复5。",
        "reminder.warning": "{sig}{name}：{case}案履行期限{due}将至，应付{amount}元。"
        + _CONSEQUENCES_ZH
        + "回复0帮助",
        "reminder.deadline": "{sig}{name}：今天是{case}案履行期限最后一天，应付{amount}元。"
        "逾期申请人可申请强制执行。回复3和解 4宽限 5已履行",
        "menu": "请回复数字：1申报财产 2报告困难 3和解分期 4申请宽限 5已履行 6人工联系 0帮助。"
        "回复TD退订短信提醒。",
        "help": "本号码用于法院执行前督促。回复1申报财产 2报告困难 3申请和解或分期 4申请宽限 "
        "5报告已履行 6请工作人员联系您。退订回复TD，恢复回复START。",
        "intent.assets": "已收到您申报财产的请求，承办法官将与您联系核实。",
        "intent.hardship": "已收到您的困难报告，当地工作人员将与您联系。",
        "intent.settle": "已收到您的和解或分期意向，承办法官将与您联系商定方案。",
        "intent.grace": "已收到您的宽限申请，承办法官将与您联系。",
        "intent.paid": "已收到您的履行报告，承办法官核实后将确认。",
        "intent.agent": "已为您登记人工联系，当地工作人员将尽快致电您。",
        "unknown_sender": "未找到与本号码关联的案件。如有疑问，请直接联系法院。",
        "opted_out": "您已退订短信提醒。法院仍可能通过其他方式联系您。回复START恢复。",
        "opted_in": "您已恢复短信提醒。回复0查看帮助。",
    },
    "en": {
        "reminder.day0": "{sig}{name}: case {case} is in pre-enforcement urging. "
        "Pay CNY {amount} by {due}. Reply 0 for help.",
        "reminder.middle": "{sig}{name}: case {case}, CNY {amount} is due by {due}. "
        "Reply 2 hardship, 3 settle, 5 paid.",
        "reminder.warning": "{sig}{name}: case {case}, CNY {amount} due {due}. " + _CONSEQUENCES_EN,
        "reminder.deadline": "{sig}{name}: today is the last day to pay CNY {amount} in case "
        "{case}. Reply 3 settle, 4 grace, 5 paid.",
        "menu": "Reply: 1 assets, 2 hardship, 3 settle/instalments, 4 grace, 5 paid, "
        "6 call me, 0 help. Reply STOP to opt out.",
        "help": "Court pre-enforcement urging. Reply 1 declare assets, 2 hardship, "
        "3 settlement, 4 grace period, 5 paid, 6 call me. STOP opts out, START resumes.",
        "intent.assets": "We got your wish to declare assets; the judge will contact you.",
        "intent.hardship": "We got your hardship report; a local official will contact you.",
        "intent.settle": "We got your settlement wish; the judge will contact you to agree terms.",
        "intent.grace": "We got your grace period request; the judge will contact you.",
        "intent.paid": "We got your payment report; the judge will confirm it.",
        "intent.agent": "A local official will call you soon.",
        "unknown_sender": "No case is linked to this number. Please contact the court directly.",
        "opted_out": "You will get no more SMS reminders. The court may still reach you "
        "otherwise. Reply START to resume.",
        "opted_in": "SMS reminders resumed. Reply 0 for help.",
    },
}


def render(key: str, locale: str | None = None, **values: object) -> str:
    catalog = TEXTS.get(locale or DEFAULT_LOCALE, TEXTS[DEFAULT_LOCALE])
    template = catalog.get(key) or TEXTS[DEFAULT_LOCALE][key]
    return template.format(**values)


def format_date(day: date, locale: str | None) -> str:
    if locale == "en":
        return day.isoformat()
    return f"{day.year}年{day.month}月{day.day}日"
