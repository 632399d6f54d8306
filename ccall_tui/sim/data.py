"""Static material for the simulated tenant: names, phones, numbers and hangup causes."""

from __future__ import annotations

FAMILY_NAMES = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
    "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Trương", "Đinh", "Lâm", "Mai",
)
# Weights follow the real spread roughly: Nguyễn alone is close to four in ten.
FAMILY_WEIGHTS = (38, 11, 9, 7, 5, 4, 4, 4, 3, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1)

MALE_MIDDLE = ("Văn", "Hữu", "Đức", "Minh", "Quang", "Hoàng", "Thành", "Công", "Xuân", "Anh")
FEMALE_MIDDLE = ("Thị", "Ngọc", "Thu", "Thanh", "Kim", "Mỹ", "Bảo", "Phương", "Diệu", "Hồng")
MALE_GIVEN = (
    "An", "Long", "Hùng", "Dũng", "Tuấn", "Nam", "Phong", "Khoa", "Huy", "Quân",
    "Sơn", "Thắng", "Việt", "Đạt", "Khánh", "Lộc", "Nghĩa", "Trí", "Vinh", "Hiếu",
)
FEMALE_GIVEN = (
    "Bích", "Lan", "Hương", "Hoa", "Mai", "Linh", "Trang", "Thảo", "Ngân", "Hạnh",
    "Yến", "Nhung", "Phương", "Vy", "Châu", "Duyên", "Giang", "Huyền", "Loan", "Trâm",
)

COMPANY_NAMES = (
    "Công ty TNHH Minh Phát", "CTY CP Vận tải Sài Gòn", "Ngân hàng Á Châu", "Điện Máy Xanh",
    "Bệnh viện Chợ Rẫy", "Cty Giao Hàng Nhanh", "VNPT Hồ Chí Minh", "Khách sạn Rex",
    "Trường ĐH Bách Khoa", "Công ty Thép Hòa Phát",
)

# Mobile prefixes of Viettel, Vinaphone, Mobifone and Vietnamobile; landline area codes.
MOBILE_PREFIXES = (
    "090", "093", "089", "070", "079", "077", "091", "094", "088", "083", "084", "085",
    "096", "097", "098", "086", "032", "033", "034", "035", "036", "037", "038", "039",
    "056", "058",
)
LANDLINE_PREFIXES = ("028", "024", "0236", "0274", "0251", "0225")

# (user agent, kind, transports to pick from, registration expiry seconds, sends display name)
DESK_PHONES = (
    ("Yealink SIP-T46S 66.86.0.15", ("UDP", "UDP", "UDP", "TCP", "TLS"), 3600, False),
    ("Yealink SIP-T31P 124.86.0.40", ("UDP", "UDP", "TLS"), 3600, False),
    ("Yealink SIP-T54W 96.86.0.100", ("UDP", "TLS"), 3600, False),
    ("Grandstream GXP2170 1.0.11.23", ("UDP", "UDP", "TCP"), 3600, False),
    ("Grandstream GRP2614 1.0.5.67", ("UDP", "TLS"), 3600, False),
    ("Fanvil X4U 2.12.2.1", ("UDP",), 1800, False),
    ("snom D735/10.1.73.16", ("UDP", "TLS"), 3600, False),
)
SOFTPHONES = (
    ("Zoiper rv2.10.19.4", ("UDP", "UDP", "TLS"), 600, True),
    ("MicroSIP/3.21.3", ("UDP", "UDP", "TCP"), 300, True),
    ("Linphone Desktop/5.2.4 (Windows 10) LinphoneCore/5.3.24", ("TLS", "TCP", "UDP"), 600, True),
    ("LinphoneAndroid/5.2.5 (Pixel 7) LinphoneSDK/5.3.24", ("TLS", "TCP"), 3600, True),
    ("Zoiper v2.10.20.3_Android", ("UDP", "TLS"), 3600, True),
    ("Bria iOS release 6.9.2 stamp 119020", ("TLS",), 3600, True),
)

PUBLIC_NETS = ("203.0.113.", "198.51.100.")
SBC_HOSTS = ("sbc-hcm-01", "sbc-hcm-02")

# Hangup cause -> weight in the mix. Transfers and timeouts happen after an answer.
CAUSE_WEIGHTS = (
    ("NORMAL_CLEARING", 680.0), ("ORIGINATOR_CANCEL", 100.0), ("NO_ANSWER", 70.0),
    ("USER_BUSY", 40.0), ("CALL_REJECTED", 25.0), ("NO_ROUTE_DESTINATION", 15.0),
    ("NO_USER_RESPONSE", 10.0), ("USER_NOT_REGISTERED", 8.0), ("BLIND_TRANSFER", 8.0),
    ("SUBSCRIBER_ABSENT", 6.0), ("UNALLOCATED_NUMBER", 6.0), ("NORMAL_TEMPORARY_FAILURE", 5.0),
    ("LOSE_RACE", 5.0), ("ATTENDED_TRANSFER", 4.0), ("PICKED_OFF", 3.0),
    ("INVALID_NUMBER_FORMAT", 3.0), ("RECOVERY_ON_TIMER_EXPIRE", 2.0), ("MEDIA_TIMEOUT", 2.0),
    ("DESTINATION_OUT_OF_ORDER", 2.0), ("NORMAL_UNSPECIFIED", 2.0), ("NETWORK_OUT_OF_ORDER", 1.0),
    ("MANAGER_REQUEST", 1.0), ("NONE", 0.5), ("EXCHANGE_ROUTING_ERROR", 0.5),
    ("ALLOTTED_TIMEOUT", 0.5), ("INCOMPATIBLE_DESTINATION", 0.5), ("CHAN_NOT_IMPLEMENTED", 0.2),
    ("SYSTEM_SHUTDOWN", 0.1), ("MANDATORY_IE_MISSING", 0.1),
)

ANSWERED_CAUSES = frozenset({
    "NORMAL_CLEARING", "BLIND_TRANSFER", "ATTENDED_TRANSFER", "MEDIA_TIMEOUT",
    "ALLOTTED_TIMEOUT", "MANAGER_REQUEST",
})
# Causes that end a call before the far end ever rang: no post dial delay to report.
NO_PROGRESS_CAUSES = frozenset({
    "NO_ROUTE_DESTINATION", "UNALLOCATED_NUMBER", "INVALID_NUMBER_FORMAT", "USER_NOT_REGISTERED",
    "NETWORK_OUT_OF_ORDER", "DESTINATION_OUT_OF_ORDER", "EXCHANGE_ROUTING_ERROR",
    "CHAN_NOT_IMPLEMENTED", "INCOMPATIBLE_DESTINATION", "MANDATORY_IE_MISSING", "NONE",
    "SYSTEM_SHUTDOWN", "SUBSCRIBER_ABSENT",
})
# Causes only an outbound (carrier) leg produces.
CARRIER_CAUSES = frozenset({
    "UNALLOCATED_NUMBER", "INVALID_NUMBER_FORMAT", "SUBSCRIBER_ABSENT", "NETWORK_OUT_OF_ORDER",
    "EXCHANGE_ROUTING_ERROR",
})

Q850 = {
    "NONE": 0, "UNALLOCATED_NUMBER": 1, "NO_ROUTE_DESTINATION": 3, "NORMAL_CLEARING": 16,
    "USER_BUSY": 17, "NO_USER_RESPONSE": 18, "NO_ANSWER": 19, "SUBSCRIBER_ABSENT": 20,
    "CALL_REJECTED": 21, "EXCHANGE_ROUTING_ERROR": 25, "DESTINATION_OUT_OF_ORDER": 27,
    "INVALID_NUMBER_FORMAT": 28, "NORMAL_UNSPECIFIED": 31, "NETWORK_OUT_OF_ORDER": 38,
    "NORMAL_TEMPORARY_FAILURE": 41, "CHAN_NOT_IMPLEMENTED": 66, "INCOMPATIBLE_DESTINATION": 88,
    "MANDATORY_IE_MISSING": 96, "RECOVERY_ON_TIMER_EXPIRE": 102, "ORIGINATOR_CANCEL": 487,
    "MANAGER_REQUEST": 500, "LOSE_RACE": 502, "SYSTEM_SHUTDOWN": 503, "PICKED_OFF": 504,
    "ALLOTTED_TIMEOUT": 602, "MEDIA_TIMEOUT": 604, "USER_NOT_REGISTERED": 606,
    "BLIND_TRANSFER": 800, "ATTENDED_TRANSFER": 801,
}

# Relative call volume per local hour on a weekday (about 80% between 08:00 and 18:00).
HOURLY_WEIGHTS = (
    0.3, 0.2, 0.15, 0.1, 0.1, 0.2, 0.6, 2.0, 5.5, 9.0, 10.0, 9.5,
    6.0, 7.0, 9.5, 10.0, 9.0, 6.5, 3.0, 1.6, 1.1, 0.8, 0.6, 0.4,
)
# Monday..Sunday: Saturday mornings are half-worked in many Vietnamese offices.
WEEKDAY_FACTORS = (1.0, 1.0, 1.0, 1.0, 0.95, 0.35, 0.12)
