"""The translation catalog: every user-facing string, Vietnamese first, then English.

Also the locale-aware number and date formatting (Babel), so "1.250.000" and "29,3 km²" in
Vietnamese, "1,250,000" and "29.3 km²" in English.
"""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
_LOCALES = {"vi": "vi_VN", "en": "en_GB"}

CATALOG: dict[str, dict[str, str]] = {
    "app.title": {
        "vi": "Bản đồ giám sát đô thị Cần Thơ",
        "en": "Cần Thơ city monitoring map",
    },
    "app.subtitle": {
        "vi": "Trung tâm Điều hành Đô thị thông minh (IOC)",
        "en": "Intelligent Operations Center (IOC)",
    },
    "demo.badge": {"vi": "Dữ liệu minh họa", "en": "Demo data"},
    "demo.hint": {
        "vi": "Ranh giới và số liệu là tổng hợp, không phải số liệu chính thức.",
        "en": "Boundaries and figures are synthetic, not official data.",
    },
    "lang.switch": {"vi": "English", "en": "Tiếng Việt"},
    # Shown by the page before its scripts run, and by assets/watchdog.js when they or a callback
    # fail to load (the page then tries again by itself).
    "app.loading": {"vi": "Đang tải…", "en": "Loading…"},
    "app.reconnecting": {
        "vi": "Mất kết nối — đang thử kết nối lại",
        "en": "Connection lost — trying again",
    },
    "date.label": {"vi": "Ranh giới theo ngày", "en": "Boundaries as of"},
    "date.hint": {
        "vi": "Ranh giới hành chính có hiệu lực vào ngày này (trước hay sau khi sáp nhập, chia "
        "tách đơn vị). Thời điểm của số liệu chọn ở thanh thời gian bên dưới.",
        "en": "The administrative boundaries in force on this day (before or after units were "
        "merged or split). The moment of the data is chosen in the time bar below.",
    },
    # Formats of the date pickers (date-fns, as Dash writes them: DD day, MM month, YYYY year).
    "date.format": {"vi": "DD/MM/YYYY", "en": "D MMM YYYY"},
    # A moment as the page writes it beside its date pickers (a Babel/CLDR pattern).
    "date.moment_pattern": {"vi": "HH:mm dd/MM/yyyy", "en": "HH:mm d MMM yyyy"},
    "date.placeholder": {"vi": "dd/mm/yyyy", "en": "dd mmm yyyy"},
    "breadcrumb.label": {"vi": "Vị trí", "en": "Location"},
    "panel.type": {"vi": "Loại đơn vị", "en": "Unit type"},
    "panel.parent": {"vi": "Trực thuộc", "en": "Part of"},
    "panel.area": {"vi": "Diện tích", "en": "Area"},
    "panel.population": {"vi": "Dân số", "en": "Population"},
    "panel.density": {"vi": "Mật độ dân số", "en": "Population density"},
    "panel.code": {"vi": "Mã đơn vị", "en": "Unit code"},
    "panel.children": {"vi": "Đơn vị trực thuộc ({n})", "en": "Units within ({n})"},
    "panel.no_children": {
        "vi": "Cấp thấp nhất: không có đơn vị trực thuộc.",
        "en": "Lowest level: no units within.",
    },
    "panel.hint": {
        "vi": "Bấm vào một đơn vị trên bản đồ hoặc trong danh sách để xem chi tiết.",
        "en": "Click a unit on the map or in the list to see its details.",
    },
    "unit.km2": {"vi": "{value} km²", "en": "{value} km²"},
    "unit.per_km2": {"vi": "{value} người/km²", "en": "{value} people/km²"},
    "unit.people": {"vi": "{value} người", "en": "{value} people"},
    "value.unknown": {"vi": "chưa có số liệu", "en": "no data"},
    "error.no_units": {
        "vi": "Chưa có đơn vị hành chính nào có hiệu lực vào ngày {date}.",
        "en": "No administrative units are valid on {date}.",
    },
    "error.unknown_unit": {
        "vi": "Không có đơn vị mã {code} vào ngày {date}.",
        "en": "No unit with code {code} on {date}.",
    },
    # A unit asked for on a day it does not exist (issue 13: the 2025 reform).
    "error.unit_ended": {
        "vi": "Đơn vị {name} đã giải thể từ {date}.",
        "en": "{name} was dissolved on {date}.",
    },
    "error.unit_ended_now": {"vi": "Nay thuộc:", "en": "Its area is now in:"},
    "error.unit_ended_nothing": {
        "vi": "Chưa có đơn vị nào được ghi nhận là kế thừa địa bàn này.",
        "en": "No unit is recorded as taking over its area.",
    },
    "error.unit_not_yet": {
        "vi": "Đơn vị {name} được thành lập từ {date}.",
        "en": "{name} was established on {date}.",
    },
    "error.unit_not_yet_link": {"vi": "Xem đơn vị từ ngày {date}", "en": "View it from {date}"},
    "unit.share": {"vi": "{share} diện tích", "en": "{share} of the area"},
    "panel.validity": {"vi": "Hiệu lực", "en": "Valid"},
    "unit.valid_since": {"vi": "từ {start}", "en": "since {start}"},
    "unit.valid_between": {"vi": "{start} – {end}", "en": "{start} – {end}"},
    "error.denied": {
        "vi": "Bạn không có quyền xem đơn vị này.",
        "en": "You may not view this unit.",
    },
    # A refused request's way back: to the caller's home (their own unit, or the city).
    "refusal.home": {"vi": "← Về bản đồ", "en": "← Back to the map"},
    "refusal.home_unit": {"vi": "← Về {name}", "en": "← Back to {name}"},
    # The heading of a refused page, by HTTP status (refusal.title for any other).
    "refusal.title": {"vi": "Không thực hiện được yêu cầu", "en": "The request cannot be served"},
    "refusal.title.400": {"vi": "Yêu cầu không hợp lệ", "en": "Bad request"},
    "refusal.title.403": {"vi": "Không có quyền truy cập", "en": "Access denied"},
    "refusal.title.404": {"vi": "Không tìm thấy", "en": "Not found"},
    "refusal.title.401": {"vi": "Cần xác thực", "en": "Authentication required"},
    "refusal.title.413": {"vi": "Dữ liệu gửi quá lớn", "en": "Content too large"},
    "refusal.title.415": {"vi": "Định dạng không được hỗ trợ", "en": "Unsupported media type"},
    "refusal.title.422": {"vi": "Dữ liệu không hợp lệ", "en": "Unprocessable content"},
    "refusal.title.429": {"vi": "Quá nhiều yêu cầu", "en": "Too many requests"},
    "refusal.title.503": {"vi": "Tạm thời không phục vụ được", "en": "Service unavailable"},
    "auth.sign_in": {"vi": "Đăng nhập", "en": "Sign in"},
    "auth.sign_out": {"vi": "Đăng xuất", "en": "Sign out"},
    "auth.username": {"vi": "Tên đăng nhập", "en": "Username"},
    "auth.password": {"vi": "Mật khẩu", "en": "Password"},
    "auth.title": {"vi": "Đăng nhập hệ thống IOC", "en": "Sign in to the IOC"},
    "auth.failed": {
        "vi": "Tên đăng nhập hoặc mật khẩu không đúng.",
        "en": "Wrong username or password.",
    },
    "auth.disabled": {"vi": "Tài khoản đã bị khóa.", "en": "This account is disabled."},
    "auth.rate_limited": {
        "vi": "Quá nhiều lần đăng nhập sai. Vui lòng thử lại sau {minutes} phút.",
        "en": "Too many failed sign-ins. Please try again in {minutes} minutes.",
    },
    "auth.csrf": {
        "vi": "Phiên làm việc đã hết hạn, vui lòng thử lại.",
        "en": "The form expired; please try again.",
    },
    "auth.public": {"vi": "Khách (dữ liệu công khai)", "en": "Guest (public data)"},
    # --- Open311 GeoReport v2 (routes/open311.py) ---
    "open311.datatype.number": {
        "vi": "Một số không âm, ví dụ 25",
        "en": "A number, 0 or more, e.g. 25",
    },
    "open311.error.api_key": {
        "vi": "api_key không hợp lệ hoặc đã bị thu hồi: không thể gửi phản ánh.",
        "en": "Invalid or revoked api_key: cannot create the request.",
    },
    "open311.error.attribute_list": {
        "vi": "attribute[{code}][]: thông tin này chỉ nhận một giá trị.",
        "en": "attribute[{code}][]: this attribute takes one value only.",
    },
    "open311.error.body": {
        "vi": "Hãy gửi yêu cầu dạng application/x-www-form-urlencoded (không nhận {value}).",
        "en": "Send the request as application/x-www-form-urlencoded ({value} is not read).",
    },
    "open311.error.date": {
        "vi": "{name}: “{value}” không phải thời điểm theo định dạng W3C, "
        "ví dụ 2026-12-01T00:00:00+07:00.",
        "en": "{name}: “{value}” is not a W3C date and time, e.g. 2026-12-01T00:00:00+07:00.",
    },
    "open311.error.date_order": {
        "vi": "start_date phải trước end_date.",
        "en": "start_date must come before end_date.",
    },
    "open311.error.date_span": {
        "vi": "Khoảng từ start_date đến end_date tối đa {days} ngày.",
        "en": "start_date to end_date may span {days} days at most.",
    },
    "open311.error.nul": {
        "vi": "Tham số “{name}” chứa ký tự NUL, không dùng được.",
        "en": "Parameter “{name}” contains a NUL character, which cannot be used.",
    },
    "open311.error.form": {
        "vi": "Biểu mẫu hỏng: không đọc được dạng application/x-www-form-urlencoded bằng UTF-8.",
        "en": "Broken form: it does not read as application/x-www-form-urlencoded in UTF-8.",
    },
    "open311.error.format": {
        "vi": "Định dạng “{value}” không có: dùng .xml hoặc .json.",
        "en": "There is no format “{value}”: use .xml or .json.",
    },
    "open311.error.jurisdiction": {
        "vi": "Không có jurisdiction_id “{value}”: API này chỉ phục vụ “{ours}”.",
        "en": "jurisdiction_id “{value}” was not found: this API serves “{ours}” only.",
    },
    "open311.error.location": {
        "vi": "lat và long là bắt buộc: địa chỉ (address_string, address_id) không được "
        "chuyển thành tọa độ.",
        "en": "lat and long are required: addresses (address_string, address_id) are not "
        "geocoded here.",
    },
    "open311.error.locked": {
        "vi": "Quá nhiều khóa API sai từ địa chỉ này. Vui lòng thử lại sau {minutes} phút.",
        "en": "Too many bad API keys from this address. Please try again in {minutes} minutes.",
    },
    "open311.error.no_api_key": {
        "vi": "Thiếu api_key: cần khóa API để gửi phản ánh.",
        "en": "api_key is missing: creating a request needs an API key.",
    },
    "open311.error.no_service_code": {
        "vi": "Thiếu service_code (loại phản ánh).",
        "en": "service_code was not provided.",
    },
    "open311.error.path": {
        "vi": "Không có “{value}” trong Open311 GeoReport v2 (xem discovery.xml).",
        "en": "There is no “{value}” in Open311 GeoReport v2 (see discovery.xml).",
    },
    "open311.error.rate_limited": {
        "vi": "Quá nhiều yêu cầu. Vui lòng thử lại sau ít phút.",
        "en": "Too many requests. Please try again in a few minutes.",
    },
    "open311.error.request": {
        "vi": "Không có phản ánh công khai với mã “{value}”.",
        "en": "There is no published request “{value}”.",
    },
    "open311.error.service_code": {
        "vi": "Không có loại phản ánh (service_code) “{value}”.",
        "en": "service_code “{value}” was not found.",
    },
    "open311.error.status": {
        "vi": "status “{value}” không hợp lệ: dùng open hoặc closed.",
        "en": "status “{value}” is not valid: use open or closed.",
    },
    "open311.error.token": {
        "vi": "Không có token “{value}”: mã phản ánh được trả ngay khi gửi, không qua token.",
        "en": "token “{value}” was not found: request ids are returned at once, never tokens.",
    },
    "open311.error.too_large": {
        "vi": "Yêu cầu quá lớn (tối đa {limit} byte).",
        "en": "The request is too large (at most {limit} bytes).",
    },
    "open311.key_service": {
        "vi": "Đọc dữ liệu không cần khóa. Khóa API để gửi phản ánh do Trung tâm IOC Cần Thơ cấp.",
        "en": "Reading needs no key. API keys for sending reports are issued by the Cần Thơ IOC.",
    },
    "open311.notice": {
        "vi": "Đã nhận phản ánh {code}. Hạn tiếp nhận: {ack}; hạn xử lý: {resolve}.",
        "en": "Report {code} received. To be acknowledged by {ack} and resolved by {resolve}.",
    },
    "open311.notice.media": {
        "vi": "Ảnh tại media_url không được tải về; ảnh chỉ nhận qua trang phản ánh.",
        "en": "The media at media_url is not fetched; photos are taken on the report page only.",
    },
    "open311.service": {
        "vi": "{name} — do {agency} xử lý.",
        "en": "{name}, handled by {agency}.",
    },
    # --- citizens' reports (My City) ---
    "report.error.no_category": {
        "vi": "Hãy chọn loại phản ánh.",
        "en": "Choose what kind of problem it is.",
    },
    "report.error.category": {
        "vi": "Loại phản ánh “{value}” không có.",
        "en": "There is no report category “{value}”.",
    },
    "report.error.no_location": {
        "vi": "Hãy chọn vị trí trên bản đồ hoặc dùng vị trí của điện thoại.",
        "en": "Pick the place on the map or use your phone's location.",
    },
    "report.error.outside": {
        "vi": "Vị trí nằm ngoài địa bàn Cần Thơ.",
        "en": "That place is outside Cần Thơ.",
    },
    "report.error.too_long": {
        "vi": "Nội dung dài {length} ký tự, tối đa {limit}.",
        "en": "The text is {length} characters long; at most {limit}.",
    },
    "report.error.email": {
        "vi": "Địa chỉ e-mail “{value}” không hợp lệ.",
        "en": "The e-mail address “{value}” is not valid.",
    },
    "report.error.phone": {"vi": "Số điện thoại quá dài.", "en": "The phone number is too long."},
    "report.error.name": {
        "vi": "Họ tên quá dài (tối đa 200 ký tự).",
        "en": "The name is too long (at most 200 characters).",
    },
    "report.error.attribute": {
        "vi": "Loại phản ánh này không có thông tin “{code}”.",
        "en": "This category has no field “{code}”.",
    },
    "report.error.number": {
        "vi": "“{value}” không phải là số hợp lệ cho “{code}”.",
        "en": "“{value}” is not a valid number for “{code}”.",
    },
    "report.error.required": {
        "vi": "Thiếu thông tin bắt buộc “{code}”.",
        "en": "The required field “{code}” is missing.",
    },
    "report.error.photos": {"vi": "Tối đa {limit} ảnh.", "en": "At most {limit} photos."},
    "report.error.rating": {"vi": "Hãy chọn từ 1 đến 5 sao.", "en": "Choose 1 to 5 stars."},
    "report.error.not_resolved": {
        "vi": "Chỉ đánh giá được khi phản ánh đã xử lý xong.",
        "en": "A report can be rated once it is closed.",
    },
    "report.error.rated": {
        "vi": "Phản ánh này đã được đánh giá.",
        "en": "This report has already been rated.",
    },
    "report.error.reopen": {
        "vi": "Chỉ mở lại được phản ánh đã xử lý trong vòng {days} ngày.",
        "en": "A closed report can be reopened within {days} days only.",
    },
    "report.error.state": {
        "vi": "Không thể làm việc này khi phản ánh đang ở trạng thái “{status}”.",
        "en": "This cannot be done while the report is “{status}”.",
    },
    "report.error.assignee": {
        "vi": "Hãy chọn cơ quan hoặc người xử lý.",
        "en": "Choose an agency or a person to handle it.",
    },
    "report.error.agency": {
        "vi": "Không có cơ quan “{value}”.",
        "en": "There is no agency “{value}”.",
    },
    "report.error.duplicate": {
        "vi": "Không có phản ánh “{value}” để gộp vào.",
        "en": "There is no other report “{value}” to merge into.",
    },
    "report.error.publish": {
        "vi": "Hãy chọn nội dung công khai hoặc ẩn.",
        "en": "Choose what to publish or hide.",
    },
    "report.error.empty": {"vi": "Hãy nhập nội dung.", "en": "Write something first."},
    "report.error.resolution": {
        "vi": "Kết quả xử lý “{value}” không hợp lệ.",
        "en": "“{value}” is not a valid outcome.",
    },
    "report.error.action": {
        "vi": "Thao tác “{value}” không có.",
        "en": "There is no action “{value}”.",
    },
    "report.status.received": {"vi": "Mới tiếp nhận", "en": "Received"},
    "report.status.acknowledged": {"vi": "Đã tiếp nhận", "en": "Acknowledged"},
    "report.status.in_progress": {"vi": "Đang xử lý", "en": "In progress"},
    "report.status.resolved": {"vi": "Đã đóng", "en": "Closed"},
    "report.resolution.fixed": {"vi": "Đã xử lý", "en": "Fixed"},
    "report.resolution.not_competent": {
        "vi": "Không thuộc thẩm quyền",
        "en": "Not our responsibility",
    },
    "report.resolution.cannot_fix": {"vi": "Không thể xử lý", "en": "Cannot be fixed"},
    "report.resolution.spam": {"vi": "Không hợp lệ (spam)", "en": "Not valid (spam)"},
    "report.resolution.duplicate": {
        "vi": "Trùng với phản ánh khác",
        "en": "Duplicate of another report",
    },
    "popup.code": {"vi": "Mã theo dõi", "en": "Tracking code"},
    "popup.description": {"vi": "Nội dung", "en": "Description"},
    "popup.supporters": {"vi": "Người cùng phản ánh", "en": "People who reported it too"},
    "popup.track": {"vi": "Xem tình trạng xử lý", "en": "See how it is handled"},
    "layer.citizens": {"vi": "Phản ánh hiện trường", "en": "Citizens' reports"},
    "download.citizen-reports": {
        "vi": "Phản ánh của người dân (công khai)",
        "en": "Citizens' reports (public)",
    },
    "ogc.citizen_reports": {"vi": "Phản ánh của người dân", "en": "Citizens' reports"},
    "ogc.citizen_reports.about": {
        "vi": "Phản ánh hiện trường đã công khai: loại, trạng thái, ngày nhận, ngày xử lý, "
        "nội dung đã duyệt. Không có thông tin người gửi.",
        "en": "Published citizens' reports: category, status, dates received and closed, "
        "approved text. Nothing about who sent them.",
    },
    # Figures of citizens' reports: the dashboard's panel, the statistics page, the kiosk.
    "figures.ack_on_time": {"vi": "Tiếp nhận đúng hạn", "en": "Acknowledged on time"},
    "figures.days": {"vi": "{value} ngày", "en": "{value} days"},
    "figures.day_one": {"vi": "{value} ngày", "en": "{value} day"},
    "figures.in_workdays": {"vi": "tính theo ngày làm việc", "en": "in working days"},
    "figures.median_ack": {
        "vi": "Thời gian tiếp nhận (trung vị)",
        "en": "Median time to acknowledge",
    },
    "figures.median_resolve": {
        "vi": "Thời gian giải quyết (trung vị)",
        "en": "Median time to resolve",
    },
    "figures.none_acknowledged": {
        "vi": "chưa có phản ánh được tiếp nhận",
        "en": "no report acknowledged yet",
    },
    "figures.none_due": {"vi": "chưa có phản ánh đến hạn", "en": "no report due yet"},
    "figures.none_rated": {"vi": "chưa có lượt đánh giá", "en": "no ratings yet"},
    "figures.none_received": {
        "vi": "Chưa có phản ánh nào trong thời gian này.",
        "en": "No reports in this period.",
    },
    "figures.none_resolved": {
        "vi": "chưa có phản ánh được giải quyết",
        "en": "no report resolved yet",
    },
    "figures.of_due": {"vi": "trên {n} phản ánh đến hạn", "en": "of {n} due"},
    "figures.of_rated": {"vi": "trên {n} lượt đánh giá", "en": "of {n} ratings"},
    "figures.open": {"vi": "Chưa xử lý xong", "en": "Open"},
    "figures.open_overdue": {"vi": "{n} quá hạn", "en": "{n} overdue"},
    "figures.overdue": {"vi": "Quá hạn", "en": "Overdue"},
    "figures.period": {"vi": "{days} ngày qua", "en": "last {days} days"},
    "figures.period_year": {"vi": "12 tháng qua", "en": "last 12 months"},
    "figures.rated_good": {"vi": "Đánh giá 4–5 sao", "en": "Rated 4 or 5 stars"},
    "figures.rating": {"vi": "Mức hài lòng trung bình", "en": "Average rating"},
    "figures.rating_value": {"vi": "{value}/5", "en": "{value}/5"},
    "figures.received": {"vi": "Phản ánh tiếp nhận", "en": "Reports received"},
    "figures.resolved_on_time": {"vi": "Giải quyết đúng hạn", "en": "Resolved on time"},
    "figures.stats_link": {"vi": "Xem thống kê chi tiết", "en": "See the full statistics"},
    "figures.title": {"vi": "Phản ánh của người dân", "en": "Citizens' reports"},
    "figures.trend": {
        "vi": "Phản ánh tiếp nhận và đã đóng mỗi tuần",
        "en": "Reports received and closed each week",
    },
    "figures.trend_received": {"vi": "Tiếp nhận", "en": "Received"},
    "figures.trend_resolved": {"vi": "Đã đóng", "en": "Closed"},
    "figures.trend_week": {"vi": "Tuần từ", "en": "Week of"},
    "figures.trend_bar": {
        "vi": "Tuần từ {week}: {received} tiếp nhận, {resolved} đã đóng",
        "en": "Week of {week}: {received} received, {resolved} closed",
    },
    "layer.reports": {"vi": "Phản ánh của người dân", "en": "Citizens' reports"},
    "stats.back": {"vi": "Về bản đồ", "en": "Back to the map"},
    "stats.intro": {
        "vi": "Người dân gửi phản ánh và chính quyền xử lý thế nào, theo từng đơn vị hành "
        "chính. Thời hạn: tiếp nhận trong 3 ngày làm việc, giải quyết trong 5 ngày làm việc.",
        "en": "What residents reported and how the city handled it, per administrative unit. "
        "Deadlines: acknowledged within 3 working days, resolved within 5 working days.",
    },
    "stats.notes": {
        "vi": "Không tính phản ánh trùng, spam hoặc bị ẩn. Thời gian tính bằng ngày làm việc "
        "(trừ cuối tuần và ngày lễ, Tết). Số liệu lúc {time}.",
        "en": "Duplicates, spam and hidden reports are not counted. Times are in working days "
        "(weekends and public holidays, Tết included, left out). Figures as of {time}.",
    },
    "stats.period": {"vi": "Thời gian", "en": "Period"},
    "stats.show": {"vi": "Xem", "en": "Show"},
    "stats.title": {"vi": "Thống kê phản ánh của người dân", "en": "Citizens' reports: figures"},
    "stats.unit": {"vi": "Đơn vị", "en": "Unit"},
    "stats.unknown_unit": {
        "vi": "Không có đơn vị hành chính mã {code}.",
        "en": "There is no administrative unit with the code {code}.",
    },
    # --- the staff's queue of citizens' reports (routes/staff.py) ---
    "audit.action.act_report": {"vi": "Xử lý phản ánh", "en": "Act on a report"},
    "audit.action.report_acknowledge": {"vi": "Tiếp nhận phản ánh", "en": "Acknowledge a report"},
    "audit.action.report_assign": {"vi": "Giao xử lý phản ánh", "en": "Assign a report"},
    "audit.action.report_duplicate": {"vi": "Gộp phản ánh trùng", "en": "Mark a duplicate"},
    "audit.action.report_note": {"vi": "Ghi chú nội bộ", "en": "Internal note"},
    "audit.action.report_publish": {"vi": "Công khai / ẩn phản ánh", "en": "Publish or hide"},
    "audit.action.report_recategorise": {"vi": "Đổi loại phản ánh", "en": "Recategorise"},
    "audit.action.report_reopen": {"vi": "Mở lại phản ánh", "en": "Reopen a report"},
    "audit.action.report_reply": {"vi": "Trả lời công khai", "en": "Public reply"},
    "audit.action.report_resolve": {"vi": "Đóng phản ánh", "en": "Close a report"},
    "audit.action.view_report": {"vi": "Xem phản ánh", "en": "View a report"},
    "audit.action.view_reports": {"vi": "Xem danh sách phản ánh", "en": "View the reports"},
    "audit.field.report": {"vi": "Phản ánh", "en": "Report"},
    "staff.ack_due": {"vi": "Hạn tiếp nhận", "en": "Acknowledge by"},
    "staff.acknowledged_at": {"vi": "Tiếp nhận lúc", "en": "Acknowledged"},
    "staff.actions": {"vi": "Xử lý", "en": "Actions"},
    "staff.agency": {"vi": "Cơ quan xử lý", "en": "Agency"},
    "staff.all_categories": {"vi": "Tất cả các loại", "en": "Every category"},
    "staff.all_units": {"vi": "Toàn bộ địa bàn", "en": "All my area"},
    "staff.anonymous": {
        "vi": "Ẩn danh: người phản ánh không để lại liên hệ.",
        "en": "Anonymous: the reporter left no contact.",
    },
    "staff.assignee": {"vi": "Người xử lý", "en": "Assigned to"},
    "staff.back": {"vi": "← Về bản đồ", "en": "← Back to the map"},
    "staff.back_queue": {"vi": "← Danh sách phản ánh", "en": "← Back to the reports"},
    "staff.bad_filter": {
        "vi": "Bộ lọc “{field}” không dùng được giá trị “{value}”.",
        "en": "The filter “{field}” cannot take “{value}”.",
    },
    "staff.category": {"vi": "Loại", "en": "Category"},
    "staff.citizen": {"vi": "Người dân / hệ thống", "en": "Citizen / system"},
    "staff.code": {"vi": "Mã theo dõi", "en": "Tracking code"},
    "staff.contact": {"vi": "Người phản ánh", "en": "Reporter"},
    "staff.contact_note": {
        "vi": "Thông tin cá nhân: chỉ cán bộ xử lý được xem, không bao giờ công khai.",
        "en": "Personal data: for the staff handling the report only, never published.",
    },
    "staff.count": {
        "vi": "{total} phản ánh · trang {page}/{pages}",
        "en": "{total} reports · page {page} of {pages}",
    },
    "staff.description": {"vi": "Nội dung", "en": "Description"},
    "staff.do.acknowledge": {"vi": "Tiếp nhận", "en": "Acknowledge"},
    "staff.do.assign": {"vi": "Giao xử lý", "en": "Assign"},
    "staff.do.duplicate": {"vi": "Gộp vào phản ánh trùng", "en": "Mark as a duplicate"},
    "staff.do.note": {"vi": "Ghi chú nội bộ", "en": "Internal note"},
    "staff.do.publish": {"vi": "Công khai hoặc ẩn", "en": "Publish or hide"},
    "staff.do.recategorise": {"vi": "Đổi loại phản ánh", "en": "Change the category"},
    "staff.do.reopen": {"vi": "Mở lại", "en": "Reopen"},
    "staff.do.reply": {"vi": "Trả lời công khai", "en": "Public reply"},
    "staff.do.resolve": {"vi": "Đóng phản ánh", "en": "Close the report"},
    "staff.done": {"vi": "Đã ghi: {action}.", "en": "Done: {action}."},
    "staff.duplicate": {"vi": "Trùng với", "en": "Duplicate of"},
    "staff.duplicate_of_code": {"vi": "Mã phản ánh gốc", "en": "Code of the original report"},
    "staff.email": {"vi": "E-mail", "en": "E-mail"},
    "staff.event.acknowledged": {"vi": "Đã tiếp nhận", "en": "Acknowledged"},
    "staff.event.assigned": {"vi": "Giao xử lý", "en": "Assigned"},
    "staff.event.duplicate": {"vi": "Gộp vào phản ánh trùng", "en": "Marked as a duplicate"},
    "staff.event.hidden": {"vi": "Ẩn", "en": "Hidden"},
    "staff.event.note": {"vi": "Ghi chú nội bộ", "en": "Internal note"},
    "staff.event.published": {"vi": "Thay đổi công khai", "en": "Publication changed"},
    "staff.event.rated": {"vi": "Người dân đánh giá", "en": "Rated by the citizen"},
    "staff.event.received": {"vi": "Nhận phản ánh", "en": "Received"},
    "staff.event.recategorised": {"vi": "Đổi loại", "en": "Category changed"},
    "staff.event.reopened": {"vi": "Mở lại", "en": "Reopened"},
    "staff.event.reply": {"vi": "Trả lời công khai", "en": "Public reply"},
    "staff.event.resolved": {"vi": "Đóng phản ánh", "en": "Closed"},
    "staff.event.supported": {"vi": "Thêm người cùng phản ánh", "en": "Someone reported it too"},
    "staff.filter": {"vi": "Lọc", "en": "Filter"},
    "staff.forbidden": {
        "vi": "Phản ánh này nằm ngoài địa bàn bạn phụ trách.",
        "en": "This report is outside your area.",
    },
    "staff.forbidden_unit": {
        "vi": "Đơn vị này nằm ngoài địa bàn bạn phụ trách.",
        "en": "This unit is outside your area.",
    },
    "staff.hidden_badge": {"vi": "Đã ẩn", "en": "Hidden"},
    "staff.hide_report": {"vi": "Ẩn cả phản ánh", "en": "Hide the whole report"},
    "staff.history": {"vi": "Lịch sử xử lý (mới nhất trước)", "en": "History (newest first)"},
    "staff.internal": {"vi": "nội bộ", "en": "internal"},
    "staff.intro": {
        "vi": "Phản ánh của người dân trong địa bàn bạn phụ trách: quá hạn trước, rồi cũ trước.",
        "en": "Citizens' reports in your area: late ones first, then the oldest.",
    },
    "staff.language": {"vi": "Ngôn ngữ", "en": "Language"},
    "staff.language_name": {"vi": "Tiếng Việt", "en": "English"},
    "staff.mail_failed": {
        "vi": "Chưa gửi được e-mail cho người phản ánh (thao tác vẫn được ghi).",
        "en": "The e-mail to the reporter could not be sent (the action is recorded).",
    },
    "staff.mail_sent": {
        "vi": "Đã gửi e-mail cập nhật cho người phản ánh.",
        "en": "The reporter was sent an e-mail update.",
    },
    "staff.map": {"vi": "Vị trí", "en": "Location"},
    "staff.map_alt": {
        "vi": "Ranh giới đơn vị và vị trí phản ánh",
        "en": "The unit's boundary and the report's place",
    },
    "staff.message": {
        "vi": "Lời nhắn cho người dân (không bắt buộc)",
        "en": "Message to the citizen (optional)",
    },
    "staff.name": {"vi": "Họ tên", "en": "Name"},
    "staff.newer": {"vi": "← Trang trước", "en": "← Previous"},
    "staff.no_description": {"vi": "(không có nội dung)", "en": "(no description)"},
    "staff.no_photos": {"vi": "Không có ảnh.", "en": "No photos."},
    "staff.none": {
        "vi": "Không có phản ánh nào khớp bộ lọc.",
        "en": "No report matches these filters.",
    },
    "staff.not_found": {"vi": "Không có phản ánh “{code}”.", "en": "There is no report “{code}”."},
    "staff.note_text": {"vi": "Ghi chú (chỉ cán bộ thấy)", "en": "Note (staff only)"},
    "staff.older": {"vi": "Trang sau →", "en": "Next →"},
    "staff.open_map": {"vi": "Xem trên bản đồ", "en": "Open on the map"},
    "staff.outcome": {"vi": "Kết quả", "en": "Outcome"},
    "staff.overdue": {"vi": "Quá hạn", "en": "Late"},
    "staff.overdue_only": {"vi": "Chỉ phản ánh quá hạn", "en": "Late reports only"},
    "staff.mine_only": {"vi": "Chỉ phản ánh giao cho tôi", "en": "Assigned to me only"},
    "staff.take": {"vi": "Tôi nhận xử lý", "en": "I will handle it"},
    "staff.page": {"vi": "Trang", "en": "Page"},
    "staff.person": {"vi": "Người xử lý (tên hoặc tài khoản)", "en": "Person (name or account)"},
    "staff.phone": {"vi": "Điện thoại", "en": "Phone"},
    "staff.photo_alt": {"vi": "Ảnh phản ánh", "en": "Report photo"},
    "staff.photos": {"vi": "Ảnh", "en": "Photos"},
    "staff.public_event": {"vi": "công khai", "en": "public"},
    "staff.publish_description": {"vi": "Công khai nội dung", "en": "Publish the description"},
    "staff.publish_photos": {"vi": "Công khai ảnh", "en": "Publish the photos"},
    "staff.published": {"vi": "đang công khai", "en": "published"},
    "staff.rating": {"vi": "Đánh giá của người dân", "en": "Citizen's rating"},
    "staff.reason": {"vi": "Lý do", "en": "Reason"},
    "staff.received_at": {"vi": "Nhận lúc", "en": "Received"},
    "staff.reply_text": {
        "vi": "Nội dung trả lời (người dân sẽ thấy)",
        "en": "Reply (the citizen will see it)",
    },
    "staff.resolve_due": {"vi": "Hạn xử lý", "en": "Resolve by"},
    "staff.resolved_at": {"vi": "Đóng lúc", "en": "Closed"},
    "staff.save": {"vi": "Lưu", "en": "Save"},
    "staff.status": {"vi": "Trạng thái", "en": "Status"},
    "staff.status.all": {"vi": "Tất cả", "en": "All"},
    "staff.status.open": {"vi": "Chưa đóng", "en": "Open"},
    "staff.supporters": {"vi": "Người cùng phản ánh", "en": "Also reported by"},
    "staff.title": {"vi": "Xử lý phản ánh", "en": "Handle reports"},
    "staff.unchanged": {"vi": "(giữ nguyên)", "en": "(unchanged)"},
    "staff.unit": {"vi": "Địa bàn", "en": "Area"},
    "staff.unpublished": {"vi": "chưa công khai", "en": "not published"},
    # The citizens' report page and tracking page (routes/citizen.py, templates/citizen_*.html).
    "citizen.anonymous": {"vi": "Gửi ẩn danh", "en": "Send anonymously"},
    "citizen.anonymous_hint": {
        "vi": "Bỏ chọn để để lại họ tên, số điện thoại hoặc e-mail và nhận tin khi phản ánh được "
        "xử lý. Thông tin liên hệ không bao giờ được công khai.",
        "en": "Untick to leave your name, phone or e-mail and hear when the report is handled. "
        "Contact details are never published.",
    },
    "citizen.attribute_for": {"vi": "{label} (loại “{category}”)", "en": "{label} (“{category}”)"},
    "citizen.back_to_map": {"vi": "Bản đồ thành phố", "en": "City map"},
    "citizen.category": {"vi": "Loại phản ánh", "en": "What kind of problem"},
    "citizen.comment": {"vi": "Nhận xét", "en": "Comment"},
    "citizen.contact": {"vi": "Liên hệ", "en": "Contact"},
    "citizen.coords_hint": {
        "vi": "Hoặc nhập tọa độ, ví dụ 10.03 và 105.775.",
        "en": "Or type the coordinates, e.g. 10.03 and 105.775.",
    },
    "citizen.description": {"vi": "Mô tả", "en": "Description"},
    "citizen.description_hint": {
        "vi": "Chuyện gì đang xảy ra, ở đâu cụ thể (số nhà, hẻm…)? Tối đa {limit} ký tự.",
        "en": "What is wrong, and where exactly (house number, alley…)? "
        "At most {limit} characters.",
    },
    "citizen.email": {"vi": "E-mail", "en": "E-mail"},
    "citizen.error.csrf": {
        "vi": "Biểu mẫu đã hết hạn hoặc không đọc được: hãy kiểm tra lại và gửi lần nữa.",
        "en": "The form expired or could not be read: check it and send it again.",
    },
    "citizen.error.field": {"vi": "{field}: {message}", "en": "{field}: {message}"},
    "citizen.error.no_photo": {"vi": "Không có ảnh này.", "en": "There is no such photo."},
    "citizen.error.not_found": {
        "vi": "Không có phản ánh mã “{code}”. Hãy kiểm tra lại mã theo dõi.",
        "en": "There is no report “{code}”. Check the tracking code.",
    },
    "citizen.error.rate_limited": {
        "vi": "Bạn đã gửi quá nhiều lần trong thời gian ngắn: hãy thử lại sau {minutes} phút.",
        "en": "You have sent too much in a short time: try again in {minutes} minutes.",
    },
    "citizen.error.too_large": {
        "vi": "Dữ liệu gửi quá lớn (tối đa {mb} MB cả ảnh): hãy chọn ít ảnh hơn hoặc ảnh nhỏ hơn.",
        "en": "Too much was sent (at most {mb} MB with the photos): "
        "choose fewer or smaller photos.",
    },
    "citizen.event.acknowledged": {
        "vi": "Cơ quan xử lý đã tiếp nhận",
        "en": "Acknowledged by the agency",
    },
    "citizen.event.assigned": {"vi": "Đã chuyển đơn vị xử lý", "en": "Assigned for handling"},
    "citizen.event.duplicate": {"vi": "Gộp vào phản ánh khác", "en": "Merged into another report"},
    "citizen.event.hidden": {"vi": "Đã ẩn", "en": "Hidden"},
    "citizen.event.note": {"vi": "Ghi chú", "en": "Note"},
    "citizen.event.published": {"vi": "Đã công khai nội dung", "en": "Published"},
    "citizen.event.rated": {"vi": "Người dân đã đánh giá", "en": "Rated by the citizen"},
    "citizen.event.received": {"vi": "Đã nhận phản ánh", "en": "Report received"},
    "citizen.event.recategorised": {"vi": "Đã đổi loại phản ánh", "en": "Category changed"},
    "citizen.event.reopened": {"vi": "Đã mở lại", "en": "Reopened"},
    "citizen.event.reply": {"vi": "Trả lời của cơ quan xử lý", "en": "Reply from the agency"},
    "citizen.event.resolved": {"vi": "Đã đóng phản ánh", "en": "Closed"},
    "citizen.event.supported": {
        "vi": "Thêm một người cùng phản ánh",
        "en": "One more person reported it too",
    },
    "citizen.honeypot": {"vi": "Để trống ô này", "en": "Leave this empty"},
    "citizen.intro": {
        "vi": "Báo cho thành phố về ngập nước, rác thải, đèn đường hỏng… Không cần đăng nhập.",
        "en": "Tell the city about flooding, waste, broken street lights… No account needed.",
    },
    "citizen.lat": {"vi": "Vĩ độ", "en": "Latitude"},
    "citizen.locate": {"vi": "Dùng vị trí của tôi", "en": "Use my location"},
    "citizen.locate_failed": {
        "vi": "Không lấy được vị trí của điện thoại: hãy chạm vào bản đồ.",
        "en": "Your phone's location is not available: tap the map instead.",
    },
    "citizen.locating": {"vi": "Đang xác định vị trí…", "en": "Finding your location…"},
    "citizen.location": {"vi": "Vị trí", "en": "Where"},
    "citizen.lon": {"vi": "Kinh độ", "en": "Longitude"},
    "citizen.lookup": {"vi": "Tra cứu phản ánh đã gửi", "en": "Look up a report you sent"},
    "citizen.lookup_go": {"vi": "Xem", "en": "Look up"},
    "citizen.map_hint": {
        "vi": "Chạm vào bản đồ để đặt vị trí.",
        "en": "Tap the map to place the pin.",
    },
    "citizen.map_label": {"vi": "Bản đồ chọn vị trí", "en": "Map to pick the place"},
    "citizen.name": {"vi": "Họ tên", "en": "Name"},
    "citizen.nearby.intro": {
        "vi": "Phản ánh cùng loại còn mở trong vòng {metres}\u00a0m. Nếu đúng vấn đề của bạn, hãy "
        "cùng phản ánh thay vì gửi trùng.",
        "en": "Open reports of the same kind within {metres}\u00a0m. If one is your problem, add "
        "yourself to it instead of sending it again.",
    },
    "citizen.nearby.none": {
        "vi": "Chưa có phản ánh cùng loại nào còn mở gần đây.",
        "en": "No open report of this kind nearby.",
    },
    "citizen.nearby.support": {"vi": "Tôi cũng gặp vấn đề này", "en": "I have this problem too"},
    "citizen.nearby.title": {"vi": "Đã có người phản ánh?", "en": "Already reported?"},
    "citizen.new_report": {"vi": "Gửi phản ánh mới", "en": "Report a new problem"},
    "citizen.noscript": {
        "vi": "Bản đồ cần JavaScript: hãy nhập tọa độ bên dưới.",
        "en": "The map needs JavaScript: type the coordinates below.",
    },
    "citizen.optional": {"vi": "không bắt buộc", "en": "optional"},
    "citizen.phone": {"vi": "Số điện thoại", "en": "Phone"},
    "citizen.photo_alt": {"vi": "Ảnh {n} của phản ánh {code}", "en": "Photo {n} of report {code}"},
    "citizen.photos": {"vi": "Ảnh", "en": "Photos"},
    "citizen.photos_again": {
        "vi": "Ảnh đã chọn chưa được gửi: hãy chọn lại ảnh.",
        "en": "The photos you chose were not sent: choose them again.",
    },
    "citizen.photos_hint": {
        "vi": "Tối đa {count} ảnh JPEG, PNG hoặc WebP, mỗi ảnh đến {mb} MB. Vị trí GPS trong ảnh "
        "được xóa trước khi lưu.",
        "en": "Up to {count} JPEG, PNG or WebP photos, {mb} MB each. The GPS position in a photo "
        "is removed before it is stored.",
    },
    "citizen.rate.1": {"vi": "1 – Rất không hài lòng", "en": "1 – Very dissatisfied"},
    "citizen.rate.2": {"vi": "2 – Không hài lòng", "en": "2 – Dissatisfied"},
    "citizen.rate.3": {"vi": "3 – Bình thường", "en": "3 – Neither"},
    "citizen.rate.4": {"vi": "4 – Hài lòng", "en": "4 – Satisfied"},
    "citizen.rate.5": {"vi": "5 – Rất hài lòng", "en": "5 – Very satisfied"},
    "citizen.rate.comment": {"vi": "Nhận xét (không bắt buộc)", "en": "Comment (optional)"},
    "citizen.rate.done": {
        "vi": "Đánh giá của người dân: {rating}/5",
        "en": "Citizen's rating: {rating}/5",
    },
    "citizen.rate.submit": {"vi": "Gửi đánh giá", "en": "Send the rating"},
    "citizen.rate.title": {"vi": "Đánh giá kết quả xử lý", "en": "Rate how it was handled"},
    "citizen.rating": {"vi": "Đánh giá", "en": "Rating"},
    "citizen.reopen": {"vi": "Mở lại", "en": "Reopen"},
    "citizen.reopen.hint": {
        "vi": "Có thể mở lại trong vòng {days} ngày sau khi đóng (đến {date}).",
        "en": "It can be reopened within {days} days of being closed (until {date}).",
    },
    "citizen.reopen.reason": {"vi": "Điều gì vẫn chưa ổn?", "en": "What is still wrong?"},
    "citizen.reopen.submit": {"vi": "Mở lại phản ánh", "en": "Reopen the report"},
    "citizen.reopen.title": {"vi": "Chưa được xử lý? Mở lại", "en": "Not fixed? Reopen it"},
    "citizen.submit": {"vi": "Gửi phản ánh", "en": "Send the report"},
    "citizen.thanks": {"vi": "Cảm ơn bạn đã gửi phản ánh.", "en": "Thank you for your report."},
    "citizen.title": {"vi": "Phản ánh hiện trường", "en": "Report a problem"},
    "citizen.track.ack_due": {"vi": "Hạn tiếp nhận", "en": "To be acknowledged by"},
    "citizen.track.agency": {"vi": "Cơ quan xử lý", "en": "Handled by"},
    "citizen.track.category": {"vi": "Loại", "en": "Kind"},
    "citizen.track.duplicate_of": {
        "vi": "Trùng với phản ánh {code}: kết quả được theo dõi tại đó.",
        "en": "A duplicate of report {code}: follow it there.",
    },
    "citizen.track.history": {"vi": "Lịch sử xử lý", "en": "History"},
    "citizen.track.link": {"vi": "Đường dẫn theo dõi:", "en": "Tracking link:"},
    "citizen.track.outcome": {"vi": "Kết quả", "en": "Outcome"},
    "citizen.track.overdue": {"vi": "Quá hạn", "en": "Overdue"},
    "citizen.track.received": {"vi": "Ngày nhận", "en": "Received"},
    "citizen.track.rated": {"vi": "Cảm ơn bạn đã đánh giá.", "en": "Thank you for your rating."},
    "citizen.track.reopened": {
        "vi": "Đã mở lại phản ánh: cơ quan xử lý sẽ tiếp tục.",
        "en": "The report is open again: the agency will carry on.",
    },
    "citizen.track.resolve_due": {"vi": "Hạn xử lý", "en": "To be resolved by"},
    "citizen.track.resolved": {"vi": "Ngày đóng", "en": "Closed on"},
    "citizen.track.sent": {
        "vi": "Đã gửi phản ánh. Hãy ghi lại mã theo dõi để xem kết quả xử lý:",
        "en": "Your report was sent. Keep this tracking code to follow it:",
    },
    "citizen.track.status": {"vi": "Trạng thái", "en": "Status"},
    "citizen.track.supported": {
        "vi": "Cảm ơn! Bạn đã cùng phản ánh vấn đề này.",
        "en": "Thank you! You have added yourself to this report.",
    },
    "citizen.track.title": {"vi": "Phản ánh {code}", "en": "Report {code}"},
    "citizen.track.unit": {"vi": "Địa bàn", "en": "Area"},
    "citizen.track.unpublished": {
        "vi": "Nội dung và ảnh được hiển thị sau khi cơ quan xử lý duyệt.",
        "en": "The description and photos are shown once the agency has reviewed them.",
    },
    "download.title": {"vi": "Tải dữ liệu của đơn vị", "en": "Download this unit's data"},
    "download.licence": {"vi": "Giấy phép:", "en": "Licence:"},
    "download.source": {"vi": "Nguồn: {source}", "en": "Source: {source}"},
    "download.gauges": {"vi": "Trạm đo mực nước", "en": "Water-level gauges"},
    "download.inundation": {"vi": "Vùng ngập", "en": "Flooded areas"},
    "download.reports": {"vi": "Phản ánh ngập của người dân", "en": "Citizens' flood reports"},
    "download.air": {"vi": "Trạm quan trắc không khí", "en": "Air-quality stations"},
    "download.roads": {"vi": "Đường và tình trạng giao thông", "en": "Roads and traffic"},
    "download.incidents": {
        "vi": "Sự cố giao thông và camera",
        "en": "Traffic incidents and cameras",
    },
    "download.facilities": {"vi": "Cơ sở dịch vụ công", "en": "Public facilities"},
    "download.unknown": {
        "vi": "Không có lớp hoặc định dạng này. Các lớp: {layers}; định dạng: geojson, csv.",
        "en": "No such layer or format. Layers: {layers}; formats: geojson, csv.",
    },
    "download.personal": {
        "vi": "Phản ánh của người dân chỉ dành cho cán bộ đã đăng nhập.",
        "en": "Citizens' reports are for signed-in staff only.",
    },
    "download.bad_time": {
        "vi": "Tham số “at”: “{value}” không phải thời điểm hợp lệ (YYYY-MM-DDTHH:MM).",
        "en": "Parameter “at”: “{value}” is not a valid moment (YYYY-MM-DDTHH:MM).",
    },
    # CSV column headers of the downloads, one per property of the map's layers.
    "csv.lon": {"vi": "Kinh độ", "en": "Longitude"},
    "csv.lat": {"vi": "Vĩ độ", "en": "Latitude"},
    "csv.wkt": {"vi": "Hình học (WKT)", "en": "Geometry (WKT)"},
    "csv.id": {"vi": "Số hiệu", "en": "ID"},
    "csv.code": {"vi": "Mã", "en": "Code"},
    "csv.name": {"vi": "Tên", "en": "Name"},
    "csv.kind": {"vi": "Loại", "en": "Kind"},
    "csv.alert_level": {"vi": "Mức báo động", "en": "Alert level"},
    "csv.hour": {"vi": "Giờ số liệu", "en": "Hour of the data"},
    "csv.max_level_m": {
        "vi": "Mực nước cao nhất trong giờ (m)",
        "en": "Highest level this hour (m)",
    },
    "csv.alert_1_m": {"vi": "Báo động I (m)", "en": "Alert I (m)"},
    "csv.alert_2_m": {"vi": "Báo động II (m)", "en": "Alert II (m)"},
    "csv.alert_3_m": {"vi": "Báo động III (m)", "en": "Alert III (m)"},
    "csv.forecast_issued_at": {"vi": "Dự báo phát hành lúc", "en": "Forecast issued at"},
    "csv.forecast_level": {
        "vi": "Mức báo động dự báo trong 48 giờ",
        "en": "Alert level forecast within 48 h",
    },
    "csv.forecast_level_at": {
        "vi": "Dự báo đạt mức đó lúc",
        "en": "Forecast to reach it at",
    },
    "csv.depth_m": {"vi": "Độ sâu (m)", "en": "Depth (m)"},
    "csv.depth_cm": {"vi": "Độ sâu (cm)", "en": "Depth (cm)"},
    "csv.started_at": {"vi": "Bắt đầu", "en": "Started"},
    "csv.ended_at": {"vi": "Kết thúc", "en": "Ended"},
    "csv.reported_at": {"vi": "Thời điểm phản ánh", "en": "Reported at"},
    "csv.description": {"vi": "Mô tả", "en": "Description"},
    "csv.aqi": {"vi": "VN_AQI giờ", "en": "Hourly VN_AQI"},
    "csv.dominant": {"vi": "Chất quyết định", "en": "Dominant pollutant"},
    "csv.category": {"vi": "Mức chất lượng không khí", "en": "Air-quality category"},
    "csv.road_class": {"vi": "Cấp đường", "en": "Road class"},
    "csv.free_flow_kmh": {"vi": "Tốc độ tự do (km/h)", "en": "Free-flow speed (km/h)"},
    "csv.ratio": {"vi": "Tỷ lệ tốc độ / tốc độ tự do", "en": "Speed / free-flow speed"},
    "csv.speed_kmh": {"vi": "Tốc độ trung bình (km/h)", "en": "Mean speed (km/h)"},
    "csv.incident": {"vi": "Loại sự cố", "en": "Incident type"},
    "csv.severity": {"vi": "Mức độ", "en": "Severity"},
    "csv.capacity": {"vi": "Quy mô", "en": "Capacity"},
    "csv.category_code": {"vi": "Loại phản ánh (mã)", "en": "Category (code)"},
    "csv.category_vi": {"vi": "Loại phản ánh", "en": "Category (Vietnamese)"},
    "csv.category_en": {"vi": "Loại phản ánh (tiếng Anh)", "en": "Category"},
    "csv.status": {"vi": "Trạng thái", "en": "Status"},
    "csv.resolution": {"vi": "Kết quả xử lý", "en": "Outcome"},
    "csv.resolved_at": {"vi": "Thời điểm đóng", "en": "Closed at"},
    "csv.supporters": {"vi": "Người cùng phản ánh", "en": "People who reported it too"},
    "csv.colour": {"vi": "Màu trạng thái", "en": "Status colour"},
    "audit.title": {"vi": "Nhật ký truy cập", "en": "Audit log"},
    "audit.intro": {
        "vi": "Đăng nhập, yêu cầu bị từ chối và xuất dữ liệu: ai, khi nào, từ đâu, làm gì.",
        "en": "Sign-ins, refused requests and exports: who, when, from where, what.",
    },
    "audit.when": {"vi": "Thời điểm", "en": "When"},
    "audit.user": {"vi": "Người dùng", "en": "User"},
    "audit.address": {"vi": "Địa chỉ", "en": "Address"},
    "audit.action": {"vi": "Hành động", "en": "Action"},
    "audit.outcome": {"vi": "Kết quả", "en": "Outcome"},
    "audit.detail": {"vi": "Chi tiết", "en": "Detail"},
    "audit.since": {"vi": "Từ ngày", "en": "From"},
    "audit.date_hint": {"vi": "dd/mm/yyyy", "en": "dd/mm/yyyy"},
    "audit.until": {"vi": "Đến ngày", "en": "To"},
    "audit.all": {"vi": "Tất cả", "en": "All"},
    "audit.filter": {"vi": "Lọc", "en": "Filter"},
    "audit.export": {"vi": "Tải CSV", "en": "Download CSV"},
    "audit.none": {"vi": "Không có mục nào.", "en": "No entries."},
    "audit.count": {
        "vi": "{total} mục · trang {page}/{pages}",
        "en": "{total} entries · page {page} of {pages}",
    },
    "audit.newer": {"vi": "← Mới hơn", "en": "← Newer"},
    "audit.older": {"vi": "Cũ hơn →", "en": "Older →"},
    "audit.back": {"vi": "← Về bản đồ", "en": "← Back to the map"},
    "audit.id": {"vi": "Số thứ tự", "en": "No."},
    "audit.yes": {"vi": "có", "en": "yes"},
    "audit.no": {"vi": "không", "en": "no"},
    # The fields of an entry's detail, as the Details column names them.
    "audit.field.layer": {"vi": "Lớp", "en": "Layer"},
    "audit.field.layers": {"vi": "Các lớp", "en": "Layers"},
    "audit.field.format": {"vi": "Định dạng", "en": "Format"},
    "audit.field.unit": {"vi": "Đơn vị", "en": "Unit"},
    "audit.field.rows": {"vi": "Số dòng", "en": "Rows"},
    "audit.field.matched": {"vi": "Số mục khớp", "en": "Matched"},
    "audit.field.at": {"vi": "Thời điểm số liệu", "en": "Data time"},
    "audit.field.indicator": {"vi": "Chỉ số", "en": "Indicator"},
    "audit.field.filters": {"vi": "Bộ lọc", "en": "Filters"},
    "audit.field.sensor": {"vi": "Trạm đo", "en": "Station"},
    "audit.field.by": {"vi": "Chặn theo", "en": "Limited by"},
    "audit.field.disabled": {"vi": "Tài khoản bị khóa", "en": "Account disabled"},
    "audit.field.reason": {"vi": "Lý do", "en": "Reason"},
    "audit.field.change": {"vi": "Thay đổi", "en": "Change"},
    "audit.field.user": {"vi": "Người dùng", "en": "User"},
    "audit.field.token": {"vi": "Mã truy cập", "en": "Token"},
    "audit.field.action": {"vi": "Hành động", "en": "Action"},
    "audit.field.outcome": {"vi": "Kết quả", "en": "Outcome"},
    "audit.field.since": {"vi": "Từ ngày", "en": "From"},
    "audit.field.until": {"vi": "Đến ngày", "en": "To"},
    "audit.field.page": {"vi": "Trang", "en": "Page"},
    "audit.bad_date": {
        "vi": "Trường “{field}”: “{value}” không phải ngày hợp lệ (dd/mm/yyyy).",
        "en": "Field “{field}”: “{value}” is not a valid date (dd/mm/yyyy).",
    },
    "audit.bad_page": {
        "vi": "Trường “page”: “{value}” không phải số trang hợp lệ.",
        "en": "Field “page”: “{value}” is not a valid page number.",
    },
    "audit.forbidden": {
        "vi": "Chỉ cán bộ IOC và quản trị viên được xem nhật ký truy cập.",
        "en": "Only IOC officials and administrators may view the audit log.",
    },
    "audit.action.export": {"vi": "Tải dữ liệu", "en": "Download data"},
    "audit.action.sign_in": {"vi": "Đăng nhập", "en": "Sign in"},
    "audit.action.sign_out": {"vi": "Đăng xuất", "en": "Sign out"},
    "audit.action.view_unit": {"vi": "Xem đơn vị", "en": "View a unit"},
    "audit.action.view_sensor": {"vi": "Xem trạm đo", "en": "View a station"},
    "audit.action.view_audit": {"vi": "Xem nhật ký", "en": "View the audit log"},
    "audit.action.export_audit": {"vi": "Xuất nhật ký", "en": "Export the audit log"},
    "audit.outcome.success": {"vi": "Thành công", "en": "Success"},
    "audit.outcome.failed": {"vi": "Sai mật khẩu", "en": "Failed"},
    "audit.outcome.rate_limited": {"vi": "Bị chặn tạm thời", "en": "Rate limited"},
    "audit.outcome.denied": {"vi": "Bị từ chối", "en": "Denied"},
    "role.admin": {"vi": "Quản trị", "en": "Administrator"},
    "role.official": {"vi": "Cán bộ IOC", "en": "IOC official"},
    "role.ward_staff": {"vi": "Cán bộ phường/xã", "en": "Ward staff"},
    "error.database": {
        "vi": "Không kết nối được cơ sở dữ liệu. Vui lòng thử lại sau.",
        "en": "The database cannot be reached. Please try again later.",
    },
    "map.attribution_none": {
        "vi": "Ranh giới: Dữ liệu Cần Thơ IOC",
        "en": "Boundaries: Cần Thơ IOC data",
    },
    "layer.flood": {"vi": "Ngập lụt", "en": "Flooding"},
    "layer.air": {"vi": "Chất lượng không khí", "en": "Air quality"},
    "layer.traffic": {"vi": "Giao thông", "en": "Traffic"},
    "layer.services": {"vi": "Dịch vụ công", "en": "Public services"},
    "legend.title": {"vi": "Chú giải", "en": "Legend"},
    "controls.title": {"vi": "Điều khiển", "en": "Controls"},
    "legend.flood": {"vi": "Trạm đo mực nước (mức báo động)", "en": "Water-level gauges (alert)"},
    "legend.inundation": {"vi": "Vùng ngập", "en": "Inundated area"},
    "legend.report": {"vi": "Phản ánh ngập của người dân", "en": "Citizens' flood reports"},
    "legend.air": {"vi": "Chỉ số VN_AQI", "en": "VN_AQI index"},
    "legend.traffic": {"vi": "Tình trạng giao thông", "en": "Traffic conditions"},
    "legend.incident": {"vi": "Sự cố giao thông", "en": "Traffic incident"},
    "legend.camera": {"vi": "Camera", "en": "Camera"},
    "legend.no_data": {"vi": "Chưa có số liệu", "en": "No data"},
    "legend.underserved": {
        "vi": "Khu dân cư ngoài bán kính phục vụ",
        "en": "Residents beyond service distance",
    },
    "legend.underserved_of": {
        "vi": "Khu dân cư ngoài bán kính phục vụ ({kind})",
        "en": "Residents beyond service distance ({kind})",
    },
    "legend.coverage_of": {"vi": "Độ phủ dịch vụ: {kind}", "en": "Service coverage: {kind}"},
    # Unit indicators read from stations inside the unit: most wards have none, and say so.
    "legend.no_air_station": {
        "vi": "Không có trạm quan trắc không khí trong đơn vị",
        "en": "No air-quality station in the unit",
    },
    "legend.no_gauge": {
        "vi": "Không có trạm đo mực nước trong đơn vị",
        "en": "No water-level gauge in the unit",
    },
    "legend.no_measured_road": {
        "vi": "Không có đoạn đường có đo trong đơn vị",
        "en": "No measured road in the unit",
    },
    "legend.station_note": {
        "vi": "Chỉ tính các trạm nằm trong đơn vị; "
        "số đo của từng trạm xem trên lớp bản đồ của trạm.",
        "en": "Only stations inside a unit count; each station's reading is on its own map layer.",
    },
    "legend.choropleth": {"vi": "Tô màu đơn vị theo", "en": "Units coloured by"},
    "choropleth.none": {"vi": "Không tô màu", "en": "No colouring"},
    "choropleth.aqi_max": {"vi": "AQI cao nhất", "en": "Worst AQI"},
    "choropleth.gauges_above_alert": {
        "vi": "Số trạm vượt báo động",
        "en": "Gauges above alert",
    },
    "choropleth.congested_share": {"vi": "Tỷ lệ đường ùn tắc", "en": "Congested road share"},
    "choropleth.coverage": {"vi": "Độ phủ dịch vụ", "en": "Service coverage"},
    "service.kind": {"vi": "Loại dịch vụ", "en": "Service"},
    "time.live": {"vi": "Trực tiếp", "en": "Live"},
    "time.history": {"vi": "Xem lại", "en": "History"},
    "time.at": {"vi": "Thời điểm", "en": "Moment"},
    "time.hour": {"vi": "Giờ", "en": "Hour"},
    "time.play_24h": {"vi": "▶ 24 giờ qua", "en": "▶ Last 24 hours"},
    "time.play_7d": {"vi": "▶ 7 ngày qua", "en": "▶ Last 7 days"},
    "time.stop": {"vi": "■ Dừng", "en": "■ Stop"},
    "time.showing": {"vi": "Số liệu lúc {time}", "en": "Data at {time}"},
    "time.no_data": {"vi": "Chưa có số liệu đo", "en": "No measurements yet"},
    "time.no_data_at": {
        "vi": "Không có số liệu cho thời điểm này",
        "en": "No data for this moment",
    },
    "kpi.title": {"vi": "Chỉ số chính", "en": "Key figures"},
    "kpi.gauges_above_alert": {"vi": "Trạm vượt báo động", "en": "Gauges above alert"},
    "kpi.gauges_of": {"vi": "trên {n} trạm", "en": "of {n} gauges"},
    "kpi.gauges_of_one": {"vi": "trên {n} trạm", "en": "of {n} gauge"},
    "kpi.aqi_max": {"vi": "AQI cao nhất", "en": "Worst AQI"},
    "kpi.congested_share": {"vi": "Đường ùn tắc", "en": "Congested roads"},
    "kpi.flooded": {"vi": "Diện tích đang ngập", "en": "Area under water"},
    "kpi.reports": {"vi": "{n} phản ánh ngập trong 24 giờ", "en": "{n} flood reports in 24 h"},
    "kpi.coverage": {"vi": "Độ phủ: {kind}", "en": "Coverage: {kind}"},
    "kpi.change": {"vi": "{sign}{value} so với 24 giờ trước", "en": "{sign}{value} vs 24 h ago"},
    "kpi.no_change": {"vi": "không đổi so với 24 giờ trước", "en": "unchanged vs 24 h ago"},
    "kpi.no_station": {"vi": "Không có trạm đo", "en": "No station here"},
    "kpi.measured": {"vi": "trên {km} km có đo", "en": "of {km} km measured"},
    "chart.unit": {"vi": "Diễn biến 7 ngày: {name}", "en": "Last 7 days: {name}"},
    # Station names carry their own "Trạm …" / "Quan trắc …": the title adds no prefix.
    "chart.sensor": {"vi": "{name}: 7 ngày", "en": "{name}: last 7 days"},
    # Plotly's d3 time format for the charts' days: as the page's date pickers write them.
    "chart.tick_format": {"vi": "%d/%m\n%H:%M", "en": "%d %b\n%H:%M"},
    "chart.sensor_forecast": {
        "vi": "{name}: 7 ngày qua và {hours} giờ tới",
        "en": "{name}: last 7 days, next {hours} h",
    },
    "chart.forecast": {"vi": "Dự báo", "en": "Forecast"},
    "chart.forecast_80": {"vi": "Dự báo: khoảng 80 %", "en": "Forecast: 80 % interval"},
    "chart.forecast_95": {"vi": "Dự báo: khoảng 95 %", "en": "Forecast: 95 % interval"},
    "chart.issued": {"vi": "Dự báo lúc {time}", "en": "Issued {time}"},
    "forecast.none.short_history": {
        "vi": "Chưa có dự báo: trạm mới có {days} ngày số liệu, cần ít nhất {needed} ngày",
        "en": "No forecast: the gauge has {days} days of data, at least {needed} are needed",
    },
    "forecast.none.stale": {
        "vi": "Chưa có dự báo: trạm không gửi số liệu từ {last}",
        "en": "No forecast: no reading from the gauge since {last}",
    },
    "forecast.none.gap": {
        "vi": "Chưa có dự báo: số liệu bị gián đoạn {hours} giờ trong tuần qua",
        "en": "No forecast: {hours} hours of data missing in the last week",
    },
    "cap.feed_title": {
        "vi": "Cảnh báo công khai — TP. Cần Thơ",
        "en": "Public warnings — Cần Thơ",
    },
    "cap.not_found": {
        "vi": "Không có cảnh báo công khai số {id}.",
        "en": "There is no public warning {id}.",
    },
    "cap.event.flood": {"vi": "Lũ, ngập do triều cường", "en": "River flood and tidal flooding"},
    "cap.event.air": {"vi": "Ô nhiễm không khí", "en": "Air pollution"},
    "cap.headline.flood": {
        "vi": "{level} tại trạm {station} ({place})",
        "en": "{level} at {station} ({place})",
    },
    "cap.headline.forecast": {
        "vi": "Dự báo {level} tại trạm {station} ({place}) lúc {time}",
        "en": "{level} forecast at {station} ({place}) at {time}",
    },
    "cap.headline.air": {
        "vi": "Chất lượng không khí {category} tại {place} (VN_AQI {value})",
        "en": "Air quality {category} in {place} (VN_AQI {value})",
    },
    "cap.description": {
        "vi": "{headline}. Cảnh báo từ {time} theo quy tắc giám sát «{rule}» của Trung tâm "
        "Điều hành Đô thị thông minh.",
        "en": "{headline}. Warning since {time}, raised by the monitoring rule “{rule}” of the "
        "Intelligent Operations Centre.",
    },
    "cap.over": {"vi": "Đã kết thúc: {headline}", "en": "Over: {headline}"},
    "cap.over_description": {
        "vi": "{headline} (từ {time}).",
        "en": "{headline} (since {time}).",
    },
    "cap.instruction.flood": {
        "vi": "Theo dõi thông báo của chính quyền địa phương; kê cao tài sản, tránh đi qua "
        "đường ngập và khu vực ven sông, kênh.",
        "en": "Follow the local authorities' announcements; move belongings up, keep off "
        "flooded roads and river and canal banks.",
    },
    "cap.instruction.air": {
        "vi": "Hạn chế ra ngoài, nhất là người già, trẻ em và người có bệnh hô hấp, tim mạch; "
        "đeo khẩu trang khi ra đường.",
        "en": "Limit time outdoors, above all older people, children and people with heart "
        "or lung disease; wear a mask outside.",
    },
    "alerts.rules_link": {"vi": "Quy tắc cảnh báo", "en": "Alert rules"},
    "alerts.rules_title": {"vi": "Quy tắc cảnh báo", "en": "Alert rules"},
    "alerts.rules_intro": {
        "vi": "Mỗi quy tắc theo dõi một chỉ số trong phạm vi của nó: phát cảnh báo khi giá "
        "trị vượt ngưỡng báo trong suốt thời gian chờ, và kết thúc khi giá trị trở lại "
        "qua ngưỡng kết thúc (một ngưỡng riêng, để giá trị dao động quanh ngưỡng báo "
        "không làm cảnh báo bật tắt liên tục).",
        "en": "Each rule watches one indicator within its scope: it fires when the value "
        "crosses the fire line and stays there for the pending time, and clears when "
        "the value is back past the clear line (a line of its own, so a value hovering "
        "at the fire line does not make the alert flap).",
    },
    "alerts.rules_none": {"vi": "Chưa có quy tắc nào.", "en": "No rules yet."},
    "alerts.rule_off": {"vi": "Đang tắt", "en": "Off"},
    "alerts.rule_enable": {"vi": "Bật", "en": "Switch on"},
    "alerts.rule_disable": {"vi": "Tắt", "en": "Switch off"},
    "alerts.rule_add": {"vi": "Thêm quy tắc", "en": "Add a rule"},
    "alerts.rule_name": {"vi": "Tên", "en": "Name"},
    "alerts.rule_kind": {"vi": "Chỉ số theo dõi", "en": "Indicator"},
    "alerts.rule_fire_at": {"vi": "Ngưỡng báo", "en": "Fire at"},
    "alerts.rule_clear_at": {"vi": "Ngưỡng kết thúc", "en": "Clear at"},
    "alerts.rule_pending": {"vi": "Chờ (phút)", "en": "Pending (minutes)"},
    "alerts.rule_units": {"vi": "Phạm vi (mã đơn vị)", "en": "Scope (unit codes)"},
    "alerts.rule_hours": {"vi": "Dự báo trong (giờ)", "en": "Forecast within (hours)"},
    "alerts.rule_facility": {"vi": "Loại dịch vụ", "en": "Service"},
    "alerts.rule_radius": {"vi": "Bán kính (m)", "en": "Radius (m)"},
    "alerts.rule_window": {"vi": "Trong (phút)", "en": "Within (minutes)"},
    "alerts.rule_public": {
        "vi": "Cảnh báo công khai (CAP, màn hình công cộng)",
        "en": "Public warning (CAP, kiosk)",
    },
    "alerts.rule_save": {"vi": "Lưu quy tắc", "en": "Save the rule"},
    "alerts.rule_hint": {
        "vi": "Ngưỡng: mực báo động 0–3 (trạm đo, dự báo); VN_AQI 0–500; tỷ lệ 0–1 (ùn tắc, "
        "độ phủ: báo khi thấp hơn); tốc độ đoạn đường so với tốc độ tự do 0–2 (báo khi "
        "thấp hơn); số phản ánh 1–1000. Để trống phạm vi: toàn thành phố. Chỉ lũ từ báo "
        "động II và VN_AQI từ 151 được công khai.",
        "en": "Lines: alert level 0–3 (gauges, forecasts); VN_AQI 0–500; a share 0–1 "
        "(congestion; coverage fires below); a road's speed over its free-flow speed 0–2 "
        "(fires below); reports 1–1000. An empty scope is the whole city. Only flood from "
        "alert II and VN_AQI from 151 may be public.",
    },
    "alerts.kind.gauge_level": {
        "vi": "Mực nước trạm đo (mức báo động)",
        "en": "Gauge water level (alert level)",
    },
    "alerts.kind.gauge_forecast": {
        "vi": "Dự báo mực nước (mức báo động)",
        "en": "Water-level forecast (alert level)",
    },
    "alerts.kind.unit_aqi": {"vi": "VN_AQI cao nhất của đơn vị", "en": "A unit's worst VN_AQI"},
    "alerts.kind.unit_congestion": {
        "vi": "Tỷ lệ đường ùn tắc của đơn vị",
        "en": "A unit's congested road share",
    },
    "alerts.kind.unit_coverage": {
        "vi": "Độ phủ dịch vụ của đơn vị",
        "en": "A unit's service coverage",
    },
    "alerts.kind.report_cluster": {
        "vi": "Phản ánh ngập gần nhau",
        "en": "Flood reports clustering",
    },
    "alerts.rule_within": {"vi": "trong {hours} giờ tới", "en": "within {hours} h"},
    "alerts.rule_lines": {
        "vi": "báo ở {fire}, kết thúc ở {clear}, chờ {pending} phút",
        "en": "fires at {fire}, clears at {clear}, pending {pending} min",
    },
    "alerts.rule_city": {"vi": "toàn thành phố", "en": "the whole city"},
    "alerts.rule_scope": {"vi": "phạm vi: {units}", "en": "scope: {units}"},
    "alerts.rule_refused": {
        "vi": "Chưa lưu được quy tắc — {field}: {reason}",
        "en": "The rule was not saved — {field}: {reason}",
    },
    "alerts.rule_not_found": {"vi": "Không có quy tắc số {id}.", "en": "There is no rule {id}."},
    "alerts.field.name": {"vi": "Tên", "en": "Name"},
    "alerts.field.kind": {"vi": "Chỉ số theo dõi", "en": "Indicator"},
    "alerts.field.fire_at": {"vi": "Ngưỡng báo", "en": "Fire at"},
    "alerts.field.clear_at": {"vi": "Ngưỡng kết thúc", "en": "Clear at"},
    "alerts.field.pending_s": {"vi": "Thời gian chờ", "en": "Pending time"},
    "alerts.field.pending_min": {"vi": "Thời gian chờ", "en": "Pending time"},
    "alerts.field.params": {"vi": "Tham số", "en": "Parameters"},
    "alerts.field.hours": {"vi": "Dự báo trong", "en": "Forecast within"},
    "alerts.field.radius_m": {"vi": "Bán kính", "en": "Radius"},
    "alerts.field.window_min": {"vi": "Khoảng thời gian", "en": "Time window"},
    "alerts.field.facility": {"vi": "Loại dịch vụ", "en": "Service"},
    "alerts.field.unit_codes": {"vi": "Phạm vi", "en": "Scope"},
    "alerts.field.units": {"vi": "Phạm vi", "en": "Scope"},
    "alerts.field.public": {"vi": "Công khai", "en": "Public"},
    "alerts.field.id": {"vi": "Quy tắc", "en": "Rule"},
    "alerts.rule_refused.name_empty": {
        "vi": "cần đặt tên cho quy tắc",
        "en": "a rule needs a name",
    },
    "alerts.rule_refused.kind_unknown": {
        "vi": "không có chỉ số «{kind}»",
        "en": "there is no indicator “{kind}”",
    },
    "alerts.rule_refused.out_of_range": {
        "vi": "{value} nằm ngoài khoảng {low}–{high} của chỉ số này",
        "en": "{value} is outside this indicator's range {low}–{high}",
    },
    "alerts.rule_refused.clear_below": {
        "vi": "quy tắc báo khi thấp hơn {fire}, nên ngưỡng kết thúc phải từ {fire} trở lên "
        "(không phải {clear})",
        "en": "the rule fires below {fire}, so it must clear at {fire} or above (not {clear})",
    },
    "alerts.rule_refused.clear_above": {
        "vi": "quy tắc báo khi từ {fire} trở lên, nên ngưỡng kết thúc phải từ {fire} trở "
        "xuống (không phải {clear})",
        "en": "the rule fires at {fire} or more, so it must clear at {fire} or below (not {clear})",
    },
    "alerts.rule_refused.pending_negative": {"vi": "không được âm", "en": "cannot be negative"},
    "alerts.rule_refused.param_unknown": {
        "vi": "chỉ số này không dùng {names}",
        "en": "this indicator takes no {names}",
    },
    "alerts.rule_refused.param_out_of_range": {
        "vi": "phải trong khoảng {low}–{high}",
        "en": "must be within {low}–{high}",
    },
    "alerts.rule_refused.facility_missing": {
        "vi": "hãy chọn loại dịch vụ",
        "en": "choose a service",
    },
    "alerts.rule_refused.facility_unknown": {
        "vi": "không có loại dịch vụ «{facility}»",
        "en": "there is no service “{facility}”",
    },
    "alerts.rule_refused.not_public": {
        "vi": "chỉ lũ từ báo động II và VN_AQI từ 151 được cảnh báo công khai",
        "en": "only flood from alert II and VN_AQI from 151 may be public warnings",
    },
    "alerts.rule_refused.unit_unknown": {
        "vi": "không có đơn vị mã {codes}",
        "en": "no unit has the code {codes}",
    },
    "alerts.rule_refused.rule_unknown": {
        "vi": "không có quy tắc số {id}",
        "en": "there is no rule {id}",
    },
    "alerts.rule_refused.number_missing": {"vi": "cần nhập một số", "en": "a number is needed"},
    "alerts.rule_refused.not_a_number": {
        "vi": "«{value}» không phải là số",
        "en": "“{value}” is not a number",
    },
    "alerts.mail.subject": {
        "vi": "[IOC Cần Thơ] Cảnh báo: {firing} đang phát, {resolved} đã kết thúc",
        "en": "[Cần Thơ IOC] Alerts: {firing} firing, {resolved} resolved",
    },
    "alerts.mail.intro": {
        "vi": "Các cảnh báo trong phạm vi của bạn vừa thay đổi:",
        "en": "Alerts in your scope have changed:",
    },
    "alerts.mail.firing": {
        "vi": "• ĐANG PHÁT từ {time}: {rule} — {subject}: {value}",
        "en": "• FIRING since {time}: {rule} — {subject}: {value}",
    },
    "alerts.mail.still": {
        "vi": "• VẪN ĐANG PHÁT (nhắc lại {time}): {rule} — {subject}: {value}",
        "en": "• STILL FIRING (reminder {time}): {rule} — {subject}: {value}",
    },
    "alerts.mail.resolved": {
        "vi": "• ĐÃ KẾT THÚC lúc {time}: {rule} — {subject}",
        "en": "• RESOLVED at {time}: {rule} — {subject}",
    },
    "alerts.mail.link": {
        "vi": "Xem và xử lý: {link}",
        "en": "See and handle them: {link}",
    },
    "alerts.mail.unsubscribe": {
        "vi": "Thôi nhận thư này: trang Cảnh báo, mục «Nhận e-mail».",
        "en": "To stop these: the Alerts page, “E-mail me”.",
    },
    "alerts.subscribe": {"vi": "Nhận e-mail cảnh báo", "en": "E-mail me alerts"},
    "alerts.subscribed": {
        "vi": "Đang gửi e-mail cảnh báo tới {email}.",
        "en": "Alerts are e-mailed to {email}.",
    },
    "alerts.email": {"vi": "Địa chỉ e-mail", "en": "E-mail address"},
    "alerts.unsubscribe": {"vi": "Thôi nhận e-mail", "en": "Stop e-mails"},
    "alerts.refused.email_invalid": {
        "vi": "Địa chỉ e-mail không hợp lệ.",
        "en": "That is not an e-mail address.",
    },
    "alerts.refused.account_unknown": {
        "vi": "Tài khoản không còn hoạt động.",
        "en": "The account is no longer active.",
    },
    "alerts.kind.road_congestion": {
        "vi": "Ùn tắc trên đoạn đường (tốc độ / tốc độ tự do)",
        "en": "Congestion on a road segment (speed / free-flow speed)",
    },
    "alerts.value.road": {
        "vi": "tốc độ bằng {share} tốc độ tự do",
        "en": "speed {share} of free flow",
    },
    "alerts.title": {"vi": "Cảnh báo", "en": "Alerts"},
    "alerts.header": {"vi": "Cảnh báo ({n})", "en": "Alerts ({n})"},
    "alerts.intro": {
        "vi": "Cảnh báo từ các quy tắc giám sát trong phạm vi của bạn: đang phát trước, rồi "
        "đang chờ, rồi đã kết thúc trong 7 ngày qua.",
        "en": "Alerts raised by the monitoring rules in your scope: firing first, then "
        "pending, then those resolved in the last 7 days.",
    },
    "alerts.back": {"vi": "← Về bản đồ", "en": "← Back to the map"},
    "alerts.queue": {"vi": "Xử lý phản ánh", "en": "Citizens' reports"},
    "alerts.public": {"vi": "Cảnh báo công khai", "en": "Public warning"},
    "alerts.history": {"vi": "Diễn biến", "en": "History"},
    "alerts.acknowledge": {"vi": "Xác nhận đã biết", "en": "Acknowledge"},
    "alerts.assign": {"vi": "Giao xử lý", "en": "Assign"},
    "alerts.assignee": {"vi": "Người xử lý", "en": "Assignee"},
    "alerts.silence": {"vi": "Tạm tắt thông báo", "en": "Silence"},
    "alerts.silence_for": {"vi": "Tạm tắt trong", "en": "Silence for"},
    "alerts.hours": {"vi": "giờ", "en": "hours"},
    "alerts.unsilence": {"vi": "Bật lại thông báo", "en": "Unsilence"},
    "alerts.note": {"vi": "Ghi chú", "en": "Note"},
    "alerts.add_note": {"vi": "Thêm ghi chú", "en": "Add note"},
    "alerts.none": {
        "vi": "Không có cảnh báo nào trong phạm vi của bạn.",
        "en": "No alerts in your scope.",
    },
    "alerts.count": {
        "vi": "{firing} đang phát · {total} cảnh báo",
        "en": "{firing} firing · {total} alerts",
    },
    "alerts.state.pending": {"vi": "Đang chờ", "en": "Pending"},
    "alerts.state.firing": {"vi": "Đang phát", "en": "Firing"},
    "alerts.state.resolved": {"vi": "Đã kết thúc", "en": "Resolved"},
    "alerts.since": {"vi": "Từ {time}", "en": "Since {time}"},
    "alerts.resolved_at": {"vi": "kết thúc {time}", "en": "resolved {time}"},
    "alerts.acknowledged": {
        "vi": "{who} đã xác nhận lúc {time}",
        "en": "{who} acknowledged at {time}",
    },
    "alerts.assigned": {"vi": "Giao cho {who}", "en": "Assigned to {who}"},
    "alerts.silenced_until": {"vi": "Tạm tắt đến {time}", "en": "Silenced until {time}"},
    "alerts.system": {"vi": "Hệ thống", "en": "System"},
    "alerts.not_found": {"vi": "Không có cảnh báo số {id}.", "en": "There is no alert {id}."},
    "alerts.value.forecast": {
        "vi": "dự báo {level} lúc {time}",
        "en": "{level} forecast at {time}",
    },
    "alerts.value.aqi": {"vi": "VN_AQI {value}", "en": "VN_AQI {value}"},
    "alerts.value.reports": {
        "vi": "{n} phản ánh ngập gần nhau",
        "en": "{n} flood reports close together",
    },
    "alerts.event.pending": {"vi": "bắt đầu chờ", "en": "pending"},
    "alerts.event.firing": {"vi": "phát cảnh báo", "en": "fired"},
    "alerts.event.resolved": {"vi": "kết thúc", "en": "resolved"},
    "alerts.event.cancelled": {"vi": "hết trước khi phát", "en": "cleared before firing"},
    "alerts.event.acknowledge": {"vi": "xác nhận đã biết", "en": "acknowledged"},
    "alerts.event.assign": {"vi": "giao xử lý", "en": "assigned"},
    "alerts.event.note": {"vi": "ghi chú", "en": "note"},
    "alerts.event.silence": {"vi": "tạm tắt thông báo", "en": "silenced"},
    "alerts.event.unsilence": {"vi": "bật lại thông báo", "en": "unsilenced"},
    # Backup health (issue 16): the backup alert kinds, their subject and values, the system
    # page /he-thong/sao-luu (routes/health.py) and the header's sign.
    "alerts.kind.backup_age": {
        "vi": "Tuổi của bản sao lưu tốt gần nhất (giờ)",
        "en": "Age of the newest good backup (hours)",
    },
    "alerts.kind.wal_archive": {
        "vi": "Lưu trữ WAL không theo kịp (1 = không theo kịp)",
        "en": "WAL archiving not keeping up (1 = not keeping up)",
    },
    "alerts.rule_refused.system_scope": {
        "vi": "quy tắc về sao lưu theo dõi chính hệ thống, không nhận mã đơn vị",
        "en": "a backup rule watches the system itself and takes no unit codes",
    },
    "alerts.subject.system": {"vi": "Cơ sở dữ liệu chính", "en": "Primary database"},
    "alerts.value.backup_age": {
        "vi": "bản sao lưu tốt gần nhất cách đây {hours} giờ",
        "en": "newest good backup {hours} hours old",
    },
    "alerts.value.backup_none": {"vi": "chưa có bản sao lưu nào", "en": "no backup yet"},
    "alerts.value.wal.ok": {"vi": "lưu trữ WAL theo kịp", "en": "WAL archiving keeps up"},
    "alerts.value.wal.off": {"vi": "lưu trữ WAL đang tắt", "en": "WAL archiving is off"},
    "alerts.value.wal.failing": {"vi": "lưu trữ WAL đang lỗi", "en": "WAL archiving is failing"},
    "alerts.value.wal.behind": {"vi": "lưu trữ WAL bị chậm", "en": "WAL archiving is behind"},
    "alerts.backup_link": {"vi": "Sao lưu", "en": "Backups"},
    "health.title": {"vi": "Sao lưu và lưu trữ WAL", "en": "Backups and WAL archiving"},
    "health.intro": {
        "vi": "Tình trạng sao lưu của cơ sở dữ liệu chính, đọc trực tiếp từ máy chủ chính.",
        "en": "The primary database's backups, read from the primary server itself.",
    },
    "health.forbidden": {
        "vi": "Chỉ cán bộ điều hành thành phố được xem tình trạng sao lưu.",
        "en": "Only the city's officials may see the backups' health.",
    },
    "health.header_sign": {"vi": "⚠ Sao lưu cần xem", "en": "⚠ Backups need attention"},
    "health.state.ok": {"vi": "Ổn", "en": "OK"},
    "health.state.attention": {"vi": "Cần xem", "en": "Needs attention"},
    "health.stale": {
        "vi": "Bản sao lưu tốt gần nhất đã cũ hơn {hours} giờ.",
        "en": "The newest good backup is older than {hours} hours.",
    },
    "health.max_age": {
        "vi": "Ngưỡng: bản sao lưu tốt gần nhất không cũ hơn {hours} giờ "
        "(CANTHO_BACKUP_MAX_AGE_H).",
        "en": "Limit: the newest good backup no older than {hours} hours "
        "(CANTHO_BACKUP_MAX_AGE_H).",
    },
    "health.newest": {"vi": "Bản sao lưu tốt gần nhất", "en": "Newest good backup"},
    "health.finished": {
        "vi": "Xong lúc {time}, cách đây {hours} giờ",
        "en": "Finished {time}, {hours} hours ago",
    },
    "health.kind.full": {"vi": "Toàn phần", "en": "Full"},
    "health.kind.diff": {"vi": "Chênh lệch", "en": "Differential"},
    "health.kind.incr": {"vi": "Gia tăng", "en": "Incremental"},
    "health.label": {"vi": "Nhãn {label} · kho {repo}", "en": "Label {label} · repository {repo}"},
    "health.sizes": {
        "vi": "Cơ sở dữ liệu {db} · trong kho {repo} · {files} tệp ({files_size})",
        "en": "Database {db} · in the repository {repo} · {files} files ({files_size})",
    },
    "health.none": {"vi": "Chưa có bản sao lưu nào.", "en": "No backup yet."},
    "health.how_to_start": {
        "vi": "Để tạo bản đầu tiên, chạy {command} trên máy chủ, trong thư mục dự án; rồi lên "
        "lịch chạy hằng ngày.",
        "en": "To take the first one, run {command} on the server, in the project's folder; "
        "then schedule it daily.",
    },
    "health.failed": {"vi": "Lần sao lưu lỗi gần nhất", "en": "Last failed backup"},
    "health.failed_at": {
        "vi": "Lỗi lúc {time} ({kind}): {error}",
        "en": "Failed {time} ({kind}): {error}",
    },
    "health.failures_since": {
        "vi": "{n} lần lỗi kể từ bản tốt gần nhất.",
        "en": "Failed runs since the newest good backup: {n}.",
    },
    "health.no_failure": {"vi": "Chưa có lần lỗi nào.", "en": "No failed run."},
    "health.running": {
        "vi": "Một lần sao lưu bắt đầu lúc {time} chưa xong.",
        "en": "A backup started {time} has not finished.",
    },
    "health.wal": {"vi": "Lưu trữ WAL", "en": "WAL archiving"},
    "health.summary_wal.off": {"vi": "Lưu trữ WAL đang tắt.", "en": "WAL archiving is off."},
    "health.summary_wal.failing": {
        "vi": "Lưu trữ WAL đang lỗi.",
        "en": "WAL archiving is failing.",
    },
    "health.summary_wal.behind": {
        "vi": "Lưu trữ WAL bị chậm.",
        "en": "WAL archiving is behind.",
    },
    "health.wal.ok": {"vi": "Theo kịp", "en": "Keeping up"},
    "health.wal.off": {
        "vi": "Đang tắt: archive_mode hoặc archive_command chưa được đặt",
        "en": "Off: archive_mode or archive_command is not set",
    },
    "health.wal.failing": {
        "vi": "Đang lỗi: lần lỗi gần nhất mới hơn lần lưu được gần nhất",
        "en": "Failing: the last failure is newer than the last success",
    },
    "health.wal.behind": {
        "vi": "Bị chậm: {n} đoạn WAL đã đầy đang chờ lưu",
        "en": "Behind: {n} finished WAL segments are waiting",
    },
    "health.wal.last_archived": {
        "vi": "Lưu được gần nhất: {wal} lúc {time} ({n} đoạn từ khi đếm)",
        "en": "Last archived: {wal} at {time} ({n} segments counted)",
    },
    "health.wal.never": {"vi": "Chưa lưu được đoạn WAL nào.", "en": "No WAL segment archived yet."},
    "health.wal.last_failed": {
        "vi": "Lỗi gần nhất: {wal} lúc {time} ({n} lần lỗi từ khi đếm)",
        "en": "Last failure: {wal} at {time} ({n} failures counted)",
    },
    "health.wal.settings": {
        "vi": "archive_mode = {mode} · archive_timeout = {timeout} giây · đoạn đầy được chờ tối "
        "đa {bound} giây",
        "en": "archive_mode = {mode} · archive_timeout = {timeout} s · finished segments may "
        "wait {bound} s",
    },
    "alerts.refused.unknown_action": {"vi": "Thao tác không hợp lệ.", "en": "Unknown action."},
    "alerts.refused.note_too_long": {
        "vi": "Ghi chú quá dài (tối đa 2.000 ký tự).",
        "en": "The note is too long (2,000 characters at most).",
    },
    "alerts.refused.note_empty": {"vi": "Ghi chú đang trống.", "en": "The note is empty."},
    "alerts.refused.resolved": {
        "vi": "Cảnh báo đã kết thúc: chỉ còn thêm được ghi chú.",
        "en": "The alert is resolved: only a note can be added.",
    },
    "alerts.refused.silence_without_end": {
        "vi": "Hãy chọn thời gian tạm tắt: không tắt thông báo vô thời hạn.",
        "en": "Choose how long to silence it for: alerts are never silenced without an end.",
    },
    "alerts.refused.silence_in_past": {
        "vi": "Thời điểm bật lại phải ở tương lai.",
        "en": "The silence must end in the future.",
    },
    "alerts.refused.silence_too_long": {
        "vi": "Chỉ tạm tắt được tối đa 7 ngày.",
        "en": "An alert can be silenced for 7 days at most.",
    },
    "kpi.forecast_alert": {
        "vi": "Dự báo: {n} trạm đạt {level} trong 48 giờ, sớm nhất lúc {time}",
        "en": "Forecast: {n} gauge(s) reach {level} within 48 h, first at {time}",
    },
    "chart.axis.aqi_max": {"vi": "VN_AQI", "en": "VN_AQI"},
    "chart.axis.gauges_above_alert": {"vi": "trạm", "en": "gauges"},
    "chart.axis.congested_share": {"vi": "% chiều dài đường có đo", "en": "% of measured roads"},
    "chart.hint": {
        "vi": "Bấm vào một trạm trên bản đồ để xem chuỗi số liệu của trạm.",
        "en": "Click a station on the map to see its series.",
    },
    "quantity.water_level": {"vi": "Mực nước (m)", "en": "Water level (m)"},
    "quantity.rainfall": {"vi": "Lượng mưa (mm)", "en": "Rainfall (mm)"},
    "quantity.pm25": {"vi": "PM2.5 (µg/m³)", "en": "PM2.5 (µg/m³)"},
    "quantity.pm10": {"vi": "PM10 (µg/m³)", "en": "PM10 (µg/m³)"},
    "quantity.no2": {"vi": "NO₂ (µg/m³)", "en": "NO₂ (µg/m³)"},
    "quantity.o3": {"vi": "O₃ (µg/m³)", "en": "O₃ (µg/m³)"},
    "quantity.co": {"vi": "CO (µg/m³)", "en": "CO (µg/m³)"},
    "quantity.so2": {"vi": "SO₂ (µg/m³)", "en": "SO₂ (µg/m³)"},
    "quantity.speed": {"vi": "Tốc độ (km/h)", "en": "Speed (km/h)"},
    "popup.water_level": {"vi": "Mực nước cao nhất trong giờ", "en": "Highest level this hour"},
    # Filled in by assets/map.js: {level} a Báo động name, {time} the hour it is reached.
    "popup.forecast_reaches": {"vi": "{level} lúc {time}", "en": "{level} at {time}"},
    "popup.forecast_below": {
        "vi": "Dưới báo động II trong 48 giờ tới",
        "en": "Below alert II for the next 48 h",
    },
    "popup.alerts": {"vi": "Mức báo động I/II/III", "en": "Alert levels I/II/III"},
    "popup.aqi": {"vi": "VN_AQI giờ", "en": "Hourly VN_AQI"},
    "popup.dominant": {"vi": "Chất quyết định", "en": "Dominant pollutant"},
    "popup.speed": {"vi": "Tốc độ trung bình", "en": "Mean speed"},
    "popup.free_flow": {"vi": "Tốc độ tự do", "en": "Free-flow speed"},
    "popup.depth": {"vi": "Độ sâu", "en": "Depth"},
    "popup.reported": {"vi": "Thời điểm phản ánh", "en": "Reported at"},
    "popup.since": {"vi": "Từ", "en": "Since"},
    "popup.capacity": {"vi": "Quy mô", "en": "Capacity"},
    "popup.uncovered": {"vi": "Dân số chưa được phục vụ", "en": "Residents not served"},
    "popup.severity": {"vi": "Mức độ", "en": "Severity"},
    "incident.collision": {"vi": "Va chạm", "en": "Collision"},
    "incident.breakdown": {"vi": "Xe hỏng", "en": "Breakdown"},
    "incident.roadworks": {"vi": "Thi công", "en": "Roadworks"},
    "incident.flooded_road": {"vi": "Đường ngập", "en": "Flooded road"},
    "facility.hospital": {"vi": "Bệnh viện", "en": "Hospital"},
    "facility.health_station": {"vi": "Trạm y tế", "en": "Health station"},
    "facility.primary_school": {"vi": "Trường tiểu học", "en": "Primary school"},
    "facility.lower_secondary_school": {"vi": "Trường THCS", "en": "Lower secondary school"},
    "facility.upper_secondary_school": {"vi": "Trường THPT", "en": "Upper secondary school"},
    "facility.clean_water": {"vi": "Điểm cấp nước sạch", "en": "Clean-water point"},
    "level.city": {"vi": "Thành phố", "en": "City"},
    "level.district": {"vi": "Quận/Huyện", "en": "District"},
    "level.ward": {"vi": "Phường/Xã", "en": "Ward/commune"},
    # The public kiosk (/kiosk).
    "kiosk.updated": {"vi": "Cập nhật lúc {time}", "en": "Updated at {time}"},
    "kiosk.offline": {
        "vi": "Mất kết nối — dữ liệu lúc {time}",
        "en": "Connection lost — data from {time}",
    },
    "kiosk.offline_no_data": {
        "vi": "Mất kết nối — đang thử kết nối lại",
        "en": "Connection lost — trying again",
    },
    # Ingestion API
    "audit.action.ingest": {"vi": "Cảm biến gửi số liệu", "en": "Sensor data push"},
    "audit.action.sensor_token": {"vi": "Mã truy cập cảm biến", "en": "Sensor token"},
    "audit.action.ogc_token": {
        "vi": "Mã truy cập dữ liệu mở",
        "en": "Open-data API token",
    },
    "audit.action.api_token": {"vi": "Mã truy cập cá nhân", "en": "Personal API token"},
    "api.unauthorized": {
        "vi": "Mã truy cập của cảm biến bị thiếu, sai hoặc đã bị vô hiệu hóa.",
        "en": "The sensor token is missing, wrong or disabled.",
    },
    "api.rate_limited": {
        "vi": "Quá nhiều yêu cầu với mã truy cập sai từ địa chỉ này. Thử lại sau {minutes} phút.",
        "en": "Too many requests with a bad token from this address. Try again in {minutes} min.",
    },
    "api.method_not_allowed": {
        "vi": "Địa chỉ này chỉ nhận {methods}.",
        "en": "This URL only takes {methods}.",
    },
    "api.unsupported_media_type": {
        "vi": "Nội dung phải là JSON (Content-Type: application/json).",
        "en": "The body must be JSON (Content-Type: application/json).",
    },
    "api.too_large": {
        "vi": "Nội dung quá lớn: tối đa {limit} byte mỗi lần gửi.",
        "en": "The body is too large: at most {limit} bytes per batch.",
    },
    "api.too_many": {
        "vi": "Quá nhiều số đo: tối đa {limit} số đo mỗi lần gửi.",
        "en": "Too many readings: at most {limit} per batch.",
    },
    "api.bad_json": {
        "vi": "Nội dung không phải JSON hợp lệ: {detail}",
        "en": "The body is not valid JSON: {detail}",
    },
    "api.bad_batch": {
        "vi": 'Nội dung phải có dạng {{"observations": [...]}} với ít nhất một số đo.',
        "en": 'The body must be {{"observations": [...]}} with at least one reading.',
    },
    "api.invalid_observations": {
        "vi": "Có {count} lỗi trong lô số đo; không có số đo nào được lưu.",
        "en": "{count} problem(s) in the batch; nothing was stored.",
    },
    "api.reason.not_object": {
        "vi": "Mỗi số đo phải là một đối tượng JSON.",
        "en": "Each reading must be a JSON object.",
    },
    "api.reason.missing": {"vi": "Thiếu trường “{field}”.", "en": "Field “{field}” is missing."},
    "api.reason.not_text": {
        "vi": "Trường “{field}” phải là chuỗi ký tự.",
        "en": "Field “{field}” must be a string.",
    },
    "api.reason.unknown_field": {
        "vi": "Trường “{field}” không được hỗ trợ "
        "(sensor, quantity, unit, value, observed_at, quality).",
        "en": "Field “{field}” is not supported "
        "(sensor, quantity, unit, value, observed_at, quality).",
    },
    "api.reason.unknown_sensor": {
        "vi": "Không có cảm biến “{sensor}”.",
        "en": "There is no sensor “{sensor}”.",
    },
    "api.reason.other_sensor": {
        "vi": "Mã truy cập này chỉ gửi được số đo của cảm biến của nó, không phải “{sensor}”.",
        "en": "This token may only send its own sensor's readings, not those of “{sensor}”.",
    },
    "api.reason.unknown_quantity": {
        "vi": "Không có đại lượng “{quantity}”.",
        "en": "There is no quantity “{quantity}”.",
    },
    "api.reason.not_measured": {
        "vi": "Cảm biến này không đo “{quantity}”.",
        "en": "This sensor does not measure “{quantity}”.",
    },
    "api.reason.wrong_unit": {
        "vi": "Đơn vị “{unit}” sai; đại lượng này đo bằng “{expected}”.",
        "en": "Unit “{unit}” is wrong; this quantity is measured in “{expected}”.",
    },
    "api.reason.not_number": {
        "vi": "Giá trị phải là một số hữu hạn.",
        "en": "The value must be a finite number.",
    },
    "api.reason.out_of_range": {
        "vi": "Giá trị {value} nằm ngoài khoảng vật lý {min} – {max}.",
        "en": "The value {value} is outside the physical range {min} – {max}.",
    },
    "api.reason.not_time": {
        "vi": "“{value}” không phải thời điểm ISO 8601 có múi giờ (vd. 2026-11-27T10:05:00+07:00).",
        "en": "“{value}” is not an ISO 8601 time with its offset (e.g. 2026-11-27T10:05:00+07:00).",
    },
    "api.reason.in_future": {
        "vi": "Thời điểm {value} ở tương lai (đồng hồ cảm biến chạy nhanh?).",
        "en": "The time {value} is in the future (is the sensor's clock fast?).",
    },
    "api.reason.too_old": {
        "vi": "Thời điểm {value} cũ hơn {days} ngày; hãy dùng công cụ nhập dữ liệu hàng loạt.",
        "en": "The time {value} is more than {days} days old; use the bulk importer.",
    },
    "api.reason.dropped_month": {
        "vi": "Số đo tháng {month} đã được lưu trữ và xoá theo chính sách lưu giữ; hãy nạp lại "
        "tệp lưu trữ của tháng đó (load readings) trước khi thêm số đo.",
        "en": "The readings of {month} were archived and dropped by retention; load that month's "
        "archive (load readings) before adding to it.",
    },
    "api.reason.bad_quality": {
        "vi": "Chất lượng “{value}” không hợp lệ: 0 (tốt), 1 (nghi ngờ) hoặc 2 (hỏng).",
        "en": "Quality “{value}” is not valid: 0 (good), 1 (suspect) or 2 (bad).",
    },
    "api.reason.conflict": {
        "vi": "Trùng thời điểm và đại lượng với số đo {other} nhưng khác giá trị.",
        "en": "Same quantity and time as reading {other}, with another value.",
    },
    # OGC API
    "ogc.title": {
        "vi": "Dữ liệu mở Cần Thơ (OGC API – Features)",
        "en": "Cần Thơ open data (OGC API – Features)",
    },
    "ogc.about": {
        "vi": "Các lớp dữ liệu công khai của Trung tâm IOC Cần Thơ theo chuẩn OGC API – Features "
        "(GeoJSON, WGS 84); đọc được bằng QGIS, ArcGIS, GDAL, OWSLib.",
        "en": "The public layers of Cần Thơ's IOC as OGC API – Features (GeoJSON, WGS 84), "
        "readable by QGIS, ArcGIS, GDAL and OWSLib.",
    },
    "ogc.licence": {
        "vi": "Nguồn: Trung tâm Điều hành Đô thị thông minh Cần Thơ. Không chứa dữ liệu cá nhân.",
        "en": "Source: Cần Thơ Intelligent Operations Center. No personal data.",
    },
    "ogc.collections": {"vi": "Các lớp dữ liệu", "en": "Collections"},
    "ogc.conformance": {"vi": "Các chuẩn tuân thủ", "en": "Conformance"},
    "ogc.items": {"vi": "Xem các đối tượng", "en": "Browse the features"},
    "ogc.name": {"vi": "Tên", "en": "Name"},
    "ogc.description": {"vi": "Mô tả", "en": "Description"},
    "ogc.id": {"vi": "Mã số", "en": "Id"},
    "ogc.property": {"vi": "Thuộc tính", "en": "Property"},
    "ogc.value": {"vi": "Giá trị", "en": "Value"},
    "ogc.next": {"vi": "Trang sau →", "en": "Next →"},
    "ogc.prev": {"vi": "← Trang trước", "en": "← Previous"},
    "ogc.count": {
        "vi": "Đối tượng {first}–{last} trong {matched}",
        "en": "Features {first}–{last} of {matched}",
    },
    "ogc.bbox": {"vi": "Phạm vi (kinh độ, vĩ độ): {bbox}", "en": "Extent (lon, lat): {bbox}"},
    "ogc.interval": {"vi": "Thời gian: {first} – {last}", "en": "Time: {first} – {last}"},
    "ogc.filters": {"vi": "Lọc được theo: {names}", "en": "Filter by: {names}"},
    "ogc.gauges": {"vi": "Trạm đo mực nước", "en": "Water-level gauges"},
    "ogc.gauges.about": {
        "vi": "Trạm đo mực nước sông, kênh với mực nước cao nhất giờ gần nhất và mức báo động.",
        "en": "River and canal gauges with the latest hour's highest level and alert level.",
    },
    "ogc.air": {"vi": "Trạm quan trắc không khí", "en": "Air-quality stations"},
    "ogc.air.about": {
        "vi": "Trạm quan trắc với VN_AQI và nồng độ trung bình giờ gần nhất (µg/m³).",
        "en": "Stations with the latest hour's VN_AQI and mean concentrations (µg/m³).",
    },
    "ogc.inundation": {"vi": "Vùng ngập", "en": "Inundated areas"},
    "ogc.inundation.about": {
        "vi": "Vùng ngập với độ sâu và thời gian bắt đầu, kết thúc (lọc theo datetime).",
        "en": "Areas under water with depth, start and end (filter by datetime).",
    },
    "ogc.roads": {"vi": "Đường và tình trạng giao thông", "en": "Roads and congestion"},
    "ogc.roads.about": {
        "vi": "Đoạn đường với tốc độ đo được giờ gần nhất so với tốc độ tự do.",
        "en": "Road segments with the latest hour's measured speed against free flow.",
    },
    "ogc.incidents": {"vi": "Sự cố giao thông", "en": "Traffic incidents"},
    "ogc.incidents.about": {
        "vi": "Sự cố giao thông với loại, mức độ và thời gian (lọc theo datetime).",
        "en": "Traffic incidents with kind, severity and period (filter by datetime).",
    },
    "ogc.cameras": {"vi": "Camera giao thông", "en": "Traffic cameras"},
    "ogc.cameras.about": {
        "vi": "Vị trí camera giao thông (không có hình ảnh).",
        "en": "Where the traffic cameras stand (no images).",
    },
    "ogc.facilities": {"vi": "Cơ sở dịch vụ công", "en": "Public facilities"},
    "ogc.facilities.about": {
        "vi": "Bệnh viện, trạm y tế, trường học, điểm cấp nước sạch.",
        "en": "Hospitals, health stations, schools and clean-water points.",
    },
    "ogc.units": {"vi": "Đơn vị hành chính", "en": "Administrative units"},
    "ogc.units.about": {
        "vi": "Thành phố, quận/huyện, phường/xã đang có hiệu lực, với mã thống kê.",
        "en": "The city, districts and wards in force today, with their statistics codes.",
    },
    "ogc.indicators": {"vi": "Chỉ số theo đơn vị hành chính", "en": "Indicators per unit"},
    "ogc.indicators.about": {
        "vi": "Giá trị mới nhất theo đơn vị: AQI cao nhất, trạm vượt báo động, tỷ lệ đường ùn "
        "tắc, độ phủ dịch vụ, số phản ánh ngập 24 giờ (chỉ số lượng).",
        "en": "Latest values per unit: worst AQI, gauges above alert, congested share, service "
        "coverage, flood reports in 24 h (a count only).",
    },
    "ogc.reports": {"vi": "Phản ánh ngập của người dân", "en": "Citizens' flood reports"},
    "ogc.reports.about": {
        "vi": "Từng phản ánh ngập: thời điểm, độ sâu, lời người dân, phường/xã. Có dữ liệu cá "
        "nhân: chỉ dành cho cán bộ có mã truy cập cá nhân, trong phạm vi được giao.",
        "en": "Each flood report: time, depth, the citizen's words, ward. Personal data: for "
        "staff with a personal API token only, within the units they are assigned.",
    },
    "ogc.error.token_required": {
        "vi": "Lớp dữ liệu này có dữ liệu cá nhân: cần mã truy cập cá nhân của cán bộ "
        "(Authorization: Bearer <mã>).",
        "en": "This collection holds personal data: it needs a staff member's personal API "
        "token (Authorization: Bearer <token>).",
    },
    "ogc.error.bad_token": {
        "vi": "Mã truy cập sai, đã bị thu hồi, đã hết hạn hoặc tài khoản đã bị khóa.",
        "en": "The token is wrong, revoked or expired, or its account is disabled.",
    },
    "ogc.error.nul": {
        "vi": "Tham số “{name}” chứa ký tự NUL, không dùng được.",
        "en": "Parameter “{name}” contains a NUL character, which cannot be used.",
    },
    "ogc.error.bad_f": {
        "vi": "Tham số f=“{value}” không hợp lệ: dùng json hoặc html.",
        "en": "Parameter f=“{value}” is not valid: use json or html.",
    },
    "ogc.error.bad_integer": {
        "vi": "Tham số {name}=“{value}” không hợp lệ: cần một số nguyên từ {min} trở lên.",
        "en": "Parameter {name}=“{value}” is not valid: give a whole number of at least {min}.",
    },
    "ogc.error.bad_bbox": {
        "vi": "Tham số bbox=“{value}” không hợp lệ: cần 4 số minlon,minlat,maxlon,maxlat.",
        "en": "Parameter bbox=“{value}” is not valid: give 4 numbers minlon,minlat,maxlon,maxlat.",
    },
    "ogc.error.bbox_range": {
        "vi": "Tham số bbox=“{value}” ngoài phạm vi: kinh độ −180…180, vĩ độ −90…90, "
        "vĩ độ nhỏ nhất trước.",
        "en": "Parameter bbox=“{value}” is out of range: longitudes −180…180, latitudes "
        "−90…90, the lower latitude first.",
    },
    "ogc.error.bad_bbox_crs": {
        "vi": "Tham số bbox-crs=“{value}” không được hỗ trợ: chỉ dùng {crs}.",
        "en": "Parameter bbox-crs=“{value}” is not supported: only {crs}.",
    },
    "ogc.error.bad_datetime": {
        "vi": "Tham số datetime=“{value}” không hợp lệ: dùng một thời điểm RFC 3339 hoặc "
        "khoảng “đầu/cuối” (“..” cho đầu mở).",
        "en": "Parameter datetime=“{value}” is not valid: give an RFC 3339 instant or an "
        "interval “start/end” (“..” for an open end).",
    },
    "ogc.error.datetime_zone": {
        "vi": "Tham số datetime=“{value}” thiếu múi giờ: thêm Z hoặc +07:00.",
        "en": "Parameter datetime=“{value}” has no time zone: add Z or +07:00.",
    },
    "ogc.error.datetime_order": {
        "vi": "Tham số datetime=“{value}”: thời điểm đầu sau thời điểm cuối.",
        "en": "Parameter datetime=“{value}”: the start is after the end.",
    },
    "ogc.error.no_time": {
        "vi": "Tham số datetime không dùng được: lớp {collection} không có thời gian.",
        "en": "Parameter datetime cannot be used: collection {collection} has no time.",
    },
    "ogc.error.bad_filter": {
        "vi": "Tham số {name}=“{value}” không hợp lệ: cần một số nguyên.",
        "en": "Parameter {name}=“{value}” is not valid: give a whole number.",
    },
    "ogc.error.unknown_parameter": {
        "vi": "Tham số {name} không được hỗ trợ. Lọc được theo: {queryables}.",
        "en": "Parameter {name} is not supported. Filter by: {queryables}.",
    },
    "ogc.error.unknown_collection": {
        "vi": "Không có lớp dữ liệu “{id}”.",
        "en": "There is no collection “{id}”.",
    },
    "ogc.error.unknown_feature": {
        "vi": "Lớp {collection} không có đối tượng “{id}”.",
        "en": "Collection {collection} has no feature “{id}”.",
    },
    "ogc.error.rate_limited": {
        "vi": "Quá nhiều yêu cầu: hãy thử lại sau ít phút.",
        "en": "Too many requests: try again in a little while.",
    },
    # E-mail updates to a citizen about a report (layouts/mail.py writes them; the citizen's
    # language is the one the report was sent in).
    "mail.subject": {"vi": "Phản ánh {code}: {status}", "en": "Report {code}: {status}"},
    "mail.greeting": {"vi": "Xin chào,", "en": "Hello,"},
    "mail.updated": {
        "vi": "Phản ánh {code} của bạn gửi Trung tâm Điều hành Đô thị thông minh TP. Cần Thơ "
        "vừa được cập nhật.",
        "en": "Your report {code} to the Cần Thơ Intelligent Operations Center has been updated.",
    },
    "mail.status": {"vi": "Trạng thái: {status}", "en": "Status: {status}"},
    "mail.reply": {"vi": "Trả lời của cơ quan xử lý:", "en": "Reply from the agency handling it:"},
    "mail.link": {
        "vi": "Xem tình trạng, lịch sử xử lý và các trả lời: {link}",
        "en": "Its status, history and replies: {link}",
    },
    "mail.footer": {
        "vi": "Thư gửi tự động, xin đừng trả lời thư này. Bạn nhận được thư vì đã để lại địa "
        "chỉ e-mail khi gửi phản ánh.",
        "en": "This message was sent automatically; please do not reply to it. You receive it "
        "because you left your e-mail address with your report.",
    },
    "mail.signature": {
        "vi": "Trung tâm Điều hành Đô thị thông minh TP. Cần Thơ (IOC)",
        "en": "Cần Thơ Intelligent Operations Center (IOC)",
    },
    # Citizens' report photos (geodata/reports/photos.py): why an upload was refused, naming it.
    "photo.not_image": {
        "vi": "Tệp “{name}” không phải ảnh JPEG, PNG hay WebP.",
        "en": "The file “{name}” is not a JPEG, PNG or WebP picture.",
    },
    "photo.too_big": {
        "vi": "Ảnh “{name}” lớn hơn {limit} MB: hãy chọn ảnh nhỏ hơn.",
        "en": "The photo “{name}” is larger than {limit} MB: choose a smaller one.",
    },
    "photo.too_many_pixels": {
        "vi": "Ảnh “{name}” có hơn {limit} triệu điểm ảnh: hãy chọn ảnh nhỏ hơn.",
        "en": "The photo “{name}” has more than {limit} megapixels: choose a smaller one.",
    },
    "photo.broken": {
        "vi": "Ảnh “{name}” bị hỏng hoặc không đầy đủ: hãy chụp hoặc chọn lại.",
        "en": "The photo “{name}” is damaged or incomplete: take or choose it again.",
    },
    # Printable map
    "print.links": {"vi": "In bản đồ:", "en": "Print the map:"},
    "print.title": {"vi": "{type} {name}", "en": "{name} ({type})"},
    "print.moment": {
        "vi": "Thời điểm: {hour} ngày {date} (giờ Cần Thơ)",
        "en": "Shown: {date}, {hour} (Cần Thơ time)",
    },
    "print.live": {"vi": "trực tiếp", "en": "live"},
    "print.no_data": {"vi": "Chưa có số liệu quan trắc", "en": "No monitoring data yet"},
    "print.licence": {"vi": "Giấy phép: {licence} ({url})", "en": "Licence: {licence} ({url})"},
    "print.printed": {"vi": "In lúc {time}", "en": "Printed {time}"},
    "print.north": {"vi": "B", "en": "N"},
    "print.base": {"vi": "Nền bản đồ", "en": "Base map"},
    "print.selected": {"vi": "Ranh giới đơn vị được in", "en": "Boundary of the printed unit"},
    "print.river": {"vi": "Sông, kênh", "en": "Rivers and canals"},
    "print.unknown_format": {
        "vi": "Không có định dạng này. Định dạng: png, pdf.",
        "en": "No such format. Formats: png, pdf.",
    },
    "print.bad_layers": {
        "vi": "Tham số “layers”: không có lớp “{value}”. Các lớp: {layers}.",
        "en": "Parameter “layers”: there is no layer “{value}”. Layers: {layers}.",
    },
    "print.bad_indicator": {
        "vi": "Tham số “indicator”: không có chỉ số “{value}”. Các chỉ số: {indicators}.",
        "en": "Parameter “indicator”: there is no indicator “{value}”. Indicators: {indicators}.",
    },
    "print.bad_kind": {
        "vi": "Tham số “kind”: không có loại cơ sở “{value}”. Các loại: {kinds}.",
        "en": "Parameter “kind”: there is no facility kind “{value}”. Kinds: {kinds}.",
    },
    "print.bad_lang": {
        "vi": "Tham số “lang”: “{value}” không được hỗ trợ. Ngôn ngữ: vi, en.",
        "en": "Parameter “lang”: “{value}” is not supported. Languages: vi, en.",
    },
    "print.bad_unit": {
        "vi": "Tham số “unit”: “{value}” không phải mã đơn vị hợp lệ.",
        "en": "Parameter “unit”: “{value}” is not a valid unit code.",
    },
}

# Unit types as Vietnamese sources write them → English.
UNIT_TYPES_EN = {
    "Thành phố": "City",
    "Quận": "Urban district",
    "Huyện": "Rural district",
    "Thị xã": "Town",
    "Phường": "Ward",
    "Xã": "Commune",
    "Thị trấn": "Township",
}


def language(code: str | None) -> str:
    """A supported language code; anything else falls back to Vietnamese."""
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, lang: str, **values: object) -> str:
    """The string ``key`` in ``lang``, with ``{placeholders}`` filled in."""
    text = CATALOG[key][language(lang)]
    # Literal braces are written doubled in the catalog, as str.format wants them: undone here
    # too when there is nothing to fill in.
    return text.format(**values) if values else text.replace("{{", "{").replace("}}", "}")


def unit_type_label(unit_type: str | None, lang: str) -> str:
    """A unit type for display: as written in Vietnamese, translated in English."""
    if not unit_type:
        return t("value.unknown", lang)
    return UNIT_TYPES_EN.get(unit_type, unit_type) if language(lang) == "en" else unit_type


def isolated(name: str) -> str:
    """A name from a file or a person inside a sentence, between Unicode's first-strong isolate
    and its closing mark: a right-to-left override in it cannot turn the sentence's own words
    around (where no HTML element can isolate it, as in a chart's title)."""
    return "\u2068" + name + "\u2069"


def fmt_number(value: float | None, lang: str, decimals: int = 0) -> str:
    """A number in the user's locale ("1.250.000" in Vietnamese, "1,250,000" in English)."""
    if value is None:
        return t("value.unknown", lang)
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=_LOCALES[language(lang)])


def fmt_bytes(value: float | None, lang: str) -> str:
    """A size in the user's locale, in decimal units ("1,5 GB" / "1.5 GB")."""
    if value is None:
        return t("value.unknown", lang)
    size, unit = float(value), "B"
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            break
        size /= 1000
    return f"{fmt_number(size, lang, 0 if unit == 'B' else 1)} {unit}"


def fmt_date(value: dt.date, lang: str) -> str:
    """A date in the user's locale ("26 thg 11, 2026" / "26 Nov 2026")."""
    return format_date(value, format="medium", locale=_LOCALES[language(lang)])


def fmt_datetime(value: dt.datetime, lang: str) -> str:
    """A moment in the user's locale, as given (convert it to Cần Thơ time first)."""
    return format_datetime(value, format="medium", locale=_LOCALES[language(lang)])


def fmt_moment(value: dt.datetime, lang: str) -> str:
    """An hour and day the way the page's date pickers write days ("14:00 26/11/2026" /
    "14:00 26 Nov 2026"), as given (convert it to Cần Thơ time first)."""
    return format_datetime(value, t("date.moment_pattern", lang), locale=_LOCALES[language(lang)])
