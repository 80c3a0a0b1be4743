"""Words a debtor may send, in Chinese or English, in any case and spacing."""

from __future__ import annotations

import re
import unicodedata

OPT_OUT = "opt_out"
OPT_IN = "opt_in"
HELP = "help"

# The menu: the number and the words that pick each intent.
MENU: dict[str, tuple[str, ...]] = {
    "assets": ("1", "申报财产", "申报", "ASSETS", "ASSET"),
    "hardship": ("2", "报告困难", "困难", "HARDSHIP"),
    "settle": ("3", "提出和解", "和解", "分期", "SETTLE", "SETTLEMENT"),
    "grace": ("4", "申请宽限", "宽限", "GRACE"),
    "paid": ("5", "已履行", "已付款", "PAID"),
    "agent": ("6", "人工", "AGENT", "CALL"),
}
_GLOBAL: dict[str, tuple[str, ...]] = {
    OPT_OUT: ("STOP", "STOPALL", "UNSUBSCRIBE", "退订", "TD"),
    OPT_IN: ("START", "UNSTOP", "恢复"),
    HELP: ("0", "HELP", "INFO", "帮助", "?"),
}
_LOOKUP = {
    word: intent for table in (_GLOBAL, MENU) for intent, words in table.items() for word in words
}
_NOISE = re.compile(r"[\s\u3000.,!。，！、]+")


def normalize(text: str) -> str:
    """NFKC (full-width → ASCII), no spaces or trailing punctuation, upper case."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", text or "")).upper()


def intent_of(text: str) -> str | None:
    word = normalize(text)
    # `?` alone asks for help; after a word it is only punctuation: `退订？`, `help?`.
    return _LOOKUP.get(word.rstrip("?") or word)


# Words that steer a flow once it has started (numbers there are answers, not menu picks).
BACK = "back"
CANCEL = "cancel"
RESUME = "resume"
YES = "yes"
REDO = "redo"
DONE = "done"
NOTHING = "nothing"
ALL = "all"
SKIP = "skip"
_COMMANDS: dict[str, tuple[str, ...]] = {
    BACK: ("返回", "上一步", "BACK"),
    CANCEL: ("取消", "退出", "CANCEL", "QUIT", "EXIT"),
    RESUME: ("继续", "RESUME", "CONTINUE"),
    YES: ("确认", "确定", "是", "对", "YES", "Y", "OK", "CONFIRM"),
    REDO: ("修改", "重填", "REDO", "EDIT"),
    DONE: ("完成", "好了", "结束", "DONE", "FINISH"),
    NOTHING: ("无", "没有", "无财产", "NONE", "NOTHING"),
    ALL: ("全部", "所有", "ALL"),
    SKIP: ("跳过", "不填", "SKIP", "NO"),
}
_COMMAND_LOOKUP = {word: cmd for cmd, words in _COMMANDS.items() for word in words}


def command_of(text: str) -> str | None:
    word = normalize(text)
    return _COMMAND_LOOKUP.get(word.rstrip("?") or word)
