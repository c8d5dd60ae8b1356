"""The words of an e-mail update: the citizen's language, the report's code, status, public reply
and tracking link; a one-line subject."""

from __future__ import annotations

from layouts.mail import update_message

LINK = "https://ioc.cantho.gov.vn/phan-anh/CT-7Q4K"


def test_a_vietnamese_update_names_the_report_its_status_the_reply_and_the_link() -> None:
    text = update_message("vi", "CT-7Q4K", "Đã xử lý", LINK, "Đã thông cống.\nCảm ơn bạn.")
    assert text.subject == "Phản ánh CT-7Q4K: Đã xử lý"
    assert text.body.startswith("Xin chào,\n\nPhản ánh CT-7Q4K của bạn")
    assert "Trạng thái: Đã xử lý" in text.body
    assert "Trả lời của cơ quan xử lý:\nĐã thông cống.\nCảm ơn bạn.\n" in text.body
    assert f"Xem tình trạng, lịch sử xử lý và các trả lời: {LINK}" in text.body
    assert "xin đừng trả lời thư này" in text.body


def test_an_english_update_is_in_english() -> None:
    text = update_message("en", "CT-7Q4K", "Resolved", LINK, "Drain cleared.")
    assert text.subject == "Report CT-7Q4K: Resolved"
    assert text.body.startswith("Hello,\n\nYour report CT-7Q4K")
    assert "Status: Resolved" in text.body
    assert "Reply from the agency handling it:\nDrain cleared.\n" in text.body
    assert "Xin chào" not in text.body


def test_without_a_public_reply_there_is_no_reply_section() -> None:
    for reply in (None, "", "  \n "):
        text = update_message("vi", "CT-7Q4K", "Đã tiếp nhận", LINK, reply)
        assert "Trả lời của cơ quan xử lý" not in text.body
        assert LINK in text.body


def test_an_unsupported_language_gets_vietnamese() -> None:
    assert update_message("fr", "CT-7Q4K", "Đã tiếp nhận", LINK) == update_message(
        "vi", "CT-7Q4K", "Đã tiếp nhận", LINK
    )


def test_the_subject_is_one_line_whatever_the_status_label_holds() -> None:
    text = update_message("vi", "CT-7Q4K", "Đã xử lý\r\nBcc: x@example.com", LINK)
    assert "\n" not in text.subject and "\r" not in text.subject
