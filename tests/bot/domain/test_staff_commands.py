"""The staff grammar: what staff really type, by SMS or in chat, and what it means."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.domain.money import AmountError
from bot.domain.staff_commands import StaffCommand, Verb, parse, received_sum, reference_first

A, R, PICK, C, H, U = Verb.ACCEPT, Verb.REJECT, Verb.OPTION, Verb.COUNTER, Verb.HELP, Verb.UNKNOWN


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("同意 #12", StaffCommand(A, 12)),
        ("同意#12", StaffCommand(A, 12)),
        ("同意＃１２", StaffCommand(A, 12)),  # full-width sign and digits
        ("#12 同意", StaffCommand(A, 12)),  # the reference first
        ("#12\u3000同意", StaffCommand(A, 12)),  # an ideographic space
        ("Accept  # 9", StaffCommand(A, 9)),
        ("同意", StaffCommand(A)),  # one open item: no reference needed
        ("同意。", StaffCommand(A)),
        ("好的，同意", StaffCommand(A)),  # what people say before the word
        ("可以，同意 #5", StaffCommand(A, 5)),
        ("同意 #12 2027-03-01", StaffCommand(A, 12, text="2027-03-01")),  # another grace date
        ("拒绝 #12 金额太少，请重新提出", StaffCommand(R, 12, text="金额太少，请重新提出")),
        ("拒绝#3", StaffCommand(R, 3)),
        ("不同意 #4 材料不全", StaffCommand(R, 4, text="材料不全")),  # not 同意
        ("我不同意，理由见卷宗", StaffCommand(R, text="理由见卷宗")),
        # 确认 is no verb: 无法确认, 待确认 and 确认未收到 all mean something else
        ("确认 #3", StaffCommand(U, text="确认 #3")),
        # a verb after a negation, or followed at once by another verb, is no command
        ("不能同意 #3", StaffCommand(U, text="不能同意 #3")),
        ("无法同意，材料不全", StaffCommand(U, text="无法同意，材料不全")),
        ("OK, reject #3", StaffCommand(U, text="OK, reject #3")),
        ("同意，驳回", StaffCommand(U, text="同意，驳回")),
        ("拒绝 #3 同意的话请重新提出", StaffCommand(R, 3, text="同意的话请重新提出")),
        ("拒绝 #3\n第二行 😀", StaffCommand(R, 3, text="第二行 😀")),  # kept as written
        ("reject#7 no", StaffCommand(R, 7, text="no")),
        # a verb after a negation is no command: neither the verb nor its opposite
        ("not confirm #3", StaffCommand(U, text="not confirm #3")),
        ("No accept #3", StaffCommand(U, text="No accept #3")),
        ("没同意 #3", StaffCommand(U, text="没同意 #3")),
        ("没问题，同意", StaffCommand(A)),  # a negation in the words before, not at their end
        # words that turn the verb around before it, a negation or a question after it, or
        # the other verb in an acceptance's note: no command
        ("难以同意#6", StaffCommand(U, text="难以同意#6")),
        ("恕难同意", StaffCommand(U, text="恕难同意")),
        ("撤回同意 #6", StaffCommand(U, text="撤回同意 #6")),
        ("等等再同意", StaffCommand(U, text="等等再同意")),
        ("同意不了", StaffCommand(U, text="同意不了")),
        ("同意吗？要不要先问问申请人", StaffCommand(U, text="同意吗？要不要先问问申请人")),
        ("同意 #6，申请人知道吗", StaffCommand(U, text="同意 #6，申请人知道吗")),
        ("同意 #6 不对，拒绝", StaffCommand(U, text="同意 #6 不对，拒绝")),
        ("accept #6? not sure", StaffCommand(U, text="accept #6? not sure")),
        ("同意 #5，没问题", StaffCommand(A, 5, text="没问题")),
        ("同意没问题 #12", StaffCommand(U, text="同意没问题 #12")),  # the reference after a note
        ("同意了 #12", StaffCommand(A, 12)),  # not the one open task, with a note "了 #12"
        ("困难属实，同意 #12", StaffCommand(A, 12)),
        ("再次同意 #12", StaffCommand(A, 12)),
        ("暂不同意 #12 材料不全", StaffCommand(R, 12, text="材料不全")),
        ("不会同意 #12", StaffCommand(U, text="不会同意 #12")),
        ("不宜同意 #12", StaffCommand(U, text="不宜同意 #12")),
        ("没有同意 #12", StaffCommand(U, text="没有同意 #12")),
        ("同意，不行", StaffCommand(U, text="同意，不行")),
        ("同意 #12 等申请人确认后再说", StaffCommand(U, text="同意 #12 等申请人确认后再说")),
        ("拒绝 #3 首付能否提高？", StaffCommand(R, 3, text="首付能否提高？")),  # a reason asks
        ("#5 2 已上门，本人不在", StaffCommand(PICK, 5, 2, "已上门，本人不在")),
        ("＃５　３", StaffCommand(PICK, 5, 3)),
        ("1", StaffCommand(PICK, None, 1)),
        ("2 备注", StaffCommand(PICK, None, 2, "备注")),
        ("还价 #4 5000 12 10000 15", StaffCommand(C, 4, text="5000 12 10000 15")),
        ("帮助", StaffCommand(H)),
        ("help", StaffCommand(H)),
        ("0", StaffCommand(H)),
        ("０", StaffCommand(H)),
        ("?", StaffCommand(H)),
        ("你好", StaffCommand(U, text="你好")),
        ("#122", StaffCommand(U, text="#122")),  # a reference with no word
        ("12345", StaffCommand(U, text="12345")),
        ("", StaffCommand(U)),
    ],
)
def test_what_staff_type(text: str, command: StaffCommand) -> None:
    assert parse(text) == command


@pytest.mark.parametrize(
    ("text", "ref", "rest"),
    [
        ("#5 属实，已上门", 5, "属实，已上门"),
        ("＃５：未找到 家中无人", 5, "未找到 家中无人"),  # full-width, a colon after it
        ("属实", None, "属实"),
        ("  已联系  ", None, "已联系"),
        ("#12", 12, ""),
    ],
)
def test_the_reference_a_message_starts_with(text: str, ref: int | None, rest: str) -> None:
    assert reference_first(text) == (ref, rest)


@pytest.mark.parametrize(
    ("note", "received"),
    [
        ("30000", "30000"),  # the whole note
        ("3万元", "30000"),
        ("CNY 30,000", "30000"),
        ("壹万贰仟元整", "12000"),
        ("实收3万（报告5万）", "30000"),  # after a word for it, to its clause's end
        ("到账12,000元", "12000"),
        ("银行流水显示到账25000元", "25000"),
        ("实际到账一万二", "12000"),
        ("received 30,000 yuan", "30000"),
        ("已核对，流水20261215", None),  # a figure with no word for it: a note
        ("流水号20261201", None),
        ("凭证20261201", None),
        ("核对无误，多付了500", None),
        ("收到，谢谢", None),
        ("到账后再说", None),
        ("实收与报告一致", None),
        ("3万已到账", "30000"),  # the note's one sum, where none follows the word
        ("到账金额与报告不符，为2万", "20000"),
        ("收到2笔，共3万", "30000"),
        ("实收3万，差5千", "30000"),  # what is short besides what arrived
        ("", None),
    ],
)
def test_the_sum_a_note_says_arrived(note: str, received: str | None) -> None:
    assert received_sum(note) == (None if received is None else Decimal(received))


@pytest.mark.parametrize(
    "note",
    [
        "0元",
        "-30000",
        "到账0",
        "30000 50000",  # two numbers, not 3,000,050,000
        "12.1",  # a day
        "13812345678",  # a phone
        "已到账 12.1",
        "到账时间12.1",
        "收到尾号1234",
        "到账 下午3点",
        "2笔到账",
        "已到账，差五千",  # what is short, not what arrived
        "差五千",
        "少了5000",
        "到账金额不足，还差2万",
        "short 5000",
        "少五千",
        "25000，少5000",
        "欠五千",
        "5000没到账",  # a sum said not to have arrived
        "未收到3万",
    ],
)
def test_a_sum_said_to_arrive_that_cannot_be_read(note: str) -> None:
    with pytest.raises(AmountError):
        received_sum(note)
