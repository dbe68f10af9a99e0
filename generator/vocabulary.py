"""The value sets of the extract: enums, categories, teams, tiers and subject lines.

Everything here is fixed data, independent of the seed. Subjects are realistic
free text on purpose: commas, double quotes, an occasional embedded newline and
non-ASCII text (typographic quotes, accents, Hindi, Japanese), so that every
consumer has to parse the CSV properly (RFC 4180).
"""

from __future__ import annotations

import functools

from jobs.schemas import SOURCE_COLUMNS

# The contract's columns, in order: the same tuple the jobs read with.
COLUMNS = SOURCE_COLUMNS
HEADER = ",".join(COLUMNS) + "\n"

STATUSES = ("new", "open", "pending", "hold", "solved", "closed")
NEW, OPEN, PENDING, HOLD, SOLVED, CLOSED = range(6)

PRIORITIES = ("urgent", "high", "normal", "low")
PRIORITY_SHARE = (0.05, 0.20, 0.55, 0.20)

CHANNELS = ("email", "web", "chat", "phone")
CHANNEL_SHARE = (0.38, 0.27, 0.22, 0.13)
PHONE = CHANNELS.index("phone")
CHAT = CHANNELS.index("chat")

TIERS = ("free", "standard", "premium", "enterprise")
TIER_SHARE = (0.45, 0.35, 0.15, 0.05)

TEAMS = ("Billing", "Tech Support", "Fulfilment", "Customer Care")

# category, share of tickets, team that owns it
CATEGORIES = (
    ("billing", 0.18, "Billing"),
    ("account_access", 0.15, "Tech Support"),
    ("technical", 0.17, "Tech Support"),
    ("orders", 0.15, "Fulfilment"),
    ("shipping", 0.13, "Fulfilment"),
    ("returns", 0.10, "Billing"),
    ("product_question", 0.09, "Customer Care"),
    ("feedback", 0.03, "Customer Care"),
)
CATEGORY_NAMES = tuple(c[0] for c in CATEGORIES)
CATEGORY_SHARE = tuple(c[1] for c in CATEGORIES)
CATEGORY_TEAM = tuple(TEAMS.index(c[2]) for c in CATEGORIES)

# Subject templates per category. Placeholders: {order} {amount} {product} {code}
# {city} {plan}; each template is expanded into a few variants.
_FILL = {
    "order": ("#48213", "#51877", "#60342", "#77120", "#80455", "#91006", "#39918", "#45500"),
    "amount": ("₹499", "₹1,299", "$24.99", "€19,90", "₹2,150", "$120", "¥3,400", "£15"),
    "product": (
        "wireless earbuds",
        'the "Pro" blender',
        "yoga mat",
        "कुर्ता (size M)",
        "espresso machine",
        "ノートパソコン stand",
        "kids' raincoat",
        "smart bulb, 4-pack",
    ),
    "code": ("401", "403", "500", "E-1027", "TIMEOUT", "429", "SSO-12", "0x80070005"),
    "city": ("Pune", "Bengaluru", "São Paulo", "Zürich", "Kōbe", "Chennai", "Delhi", "Montréal"),
    "plan": ("Pro", "Team", "Basic", "Premium", "Enterprise", "Starter", "Plus", "Family"),
}

_TEMPLATES = {
    "billing": (
        "Charged twice for order {order}",
        'Invoice says "paid" but card was charged again',
        "Why was I charged {amount}, not the quoted price?",
        "Refund of {amount} not received",
        "भुगतान विफल — payment failed, money debited",
        "GST invoice missing for order {order}",
        "Need a copy of my invoice, please",
        "Subscription renewed after I cancelled {plan} plan",
        "Coupon not applied, charged full {amount}",
        "請求書の金額が違います (invoice amount wrong)",
        "Refund not received\nOrder {order} still shows pending",
        "Card declined, but bank says it's fine",
    ),
    "account_access": (
        "Can't log in — error “{code}”",
        "Password reset link expired",
        "2FA code never arrives, can't sign in",
        "Account locked after update",
        "パスワードをリセットできません",
        "Login loop on mobile app, error {code}",
        "Email change request: old address no longer works",
        'SSO says "user not found"',
        "लॉगिन नहीं हो रहा — OTP not received",
        "Locked out\nPlease help, urgent",
        "Can't access {plan} features after upgrade",
    ),
    "technical": (
        "App crashes on start — Android 14",
        "Sync error {code} when uploading files",
        "Page keeps loading, nothing happens",
        'Error "{code}" on checkout page',
        "Notifications stopped working, since yesterday",
        'Export to CSV breaks on names with commas, e.g. "Smith, J"',
        "Slow dashboard, timeouts in {city}",
        "Bluetooth pairing fails with {product}",
        "アプリが起動しません (app won't start)",
        "Dark mode shows white text on white",
        "Firmware update stuck at 99%\nDevice unusable",
    ),
    "orders": (
        "Café order, missing item",
        "Wrong item received: ordered {product}",
        "Order {order} cancelled without reason",
        "Can I change the address on order {order}?",
        "ऑर्डर नहीं मिला — order not received",
        "Received damaged {product}, box crushed",
        "Order {order} shows delivered, but nothing arrived",
        "Missing parts in {product} package",
        "注文がキャンセルされました, need help",
        "Double order placed by mistake, please cancel one",
    ),
    "shipping": (
        "Delivery delayed to {city}",
        "Tracking not updating for order {order}",
        "Courier says address incomplete, {city}",
        "Package stuck in customs, {city}",
        "配送が遅れています (shipping delayed)",
        'Parcel marked "returned to sender"',
        "Delivery slot missed, reschedule please",
        "Shipping charged twice, {amount}",
        "Where is my order?\nIt's been 10 days",
    ),
    "returns": (
        "Return label not working for {product}",
        "Ürün iade — return pickup never came",
        "Exchange {product} for a different size",
        "Return accepted, refund of {amount} pending",
        "वापसी (return) request rejected, why?",
        'Return window "expired" but I bought it last week',
        "Pickup scheduled, courier didn't show, {city}",
    ),
    "product_question": (
        "Is {product} compatible with my model?",
        "Difference between {plan} and Premium?",
        "Does the {plan} plan include invoices, receipts, exports?",
        "When will {product} be back in stock?",
        "Naïve question about “{plan}” plan pricing",
        "Warranty on {product}, how long?",
        "商品の在庫はありますか? (in stock?)",
    ),
    "feedback": (
        "Great support from your team, thank you!",
        'Suggestion: add "dark mode" to the app',
        "Feedback on delivery in {city}, very late",
        "बहुत बढ़िया सेवा — excellent service",
        "Your chatbot is useless, sorry to say",
    ),
}

_VARIANTS = 6


def csv_field(text: str) -> str:
    """One field as RFC 4180 writes it: quoted only when it must be."""
    if any(ch in text for ch in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


@functools.cache
def subject_pool() -> tuple[tuple[str, ...], tuple[int, ...]]:
    """All subject lines, grouped by category, and each category's start offset.

    Returns (subjects, starts) with len(starts) == len(CATEGORIES) + 1; the
    subjects of category c are subjects[starts[c]:starts[c + 1]].
    """
    subjects: list[str] = []
    starts = [0]
    for c, name in enumerate(CATEGORY_NAMES):
        seen: set[str] = set()
        for t, template in enumerate(_TEMPLATES[name]):
            for v in range(_VARIANTS):
                values = {
                    key: options[(c * 5 + t * 3 + v * 7 + k) % len(options)]
                    for k, (key, options) in enumerate(sorted(_FILL.items()))
                }
                text = template.format(**values)
                if text not in seen:  # templates without placeholders give one variant
                    seen.add(text)
                    subjects.append(text)
        starts.append(len(subjects))
    return tuple(subjects), tuple(starts)
