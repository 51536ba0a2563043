"""Prints a JSON array of test texts: real reviews from ../shared/data plus edge cases.

Usage: review_texts.py SHARED_DATA_DIR COUNT
Real texts come first (Amazon reviews in English, Chinese movie explanations, magazine
reviews), then hand-written strings with emoji, accents (NFC and NFD), CJK and odd whitespace.
"""
import csv
import gzip
import json
import sys

data, count = sys.argv[1], int(sys.argv[2])


def reviews(path, limit):
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            text = json.loads(line).get("reviewText")
            if text:
                out.append(text)
            if len(out) >= limit:
                break
    return out


texts = []
texts += reviews(f"{data}/amazon2018_all_beauty_5core/All_Beauty_5.json.gz", count * 5 // 10)
texts += reviews(f"{data}/amazon2014_musical_instruments_5core/reviews_Musical_Instruments_5.json.gz", count * 3 // 10)
texts += reviews(f"{data}/amazon2018_magazine_subscriptions/Magazine_Subscriptions_5.json.gz", count // 10)
with open(f"{data}/human_judgments_rec_explanations/df_explanation_selected.csv", encoding="utf-8") as f:
    rows = list(csv.DictReader(f))
texts += [r["movie_title"] + "：" + r["explanation"] for r in rows[: count // 10]]

texts += [
    "",
    " ",
    "Hello world",
    "  leading and trailing spaces  ",
    "tabs\tand\nnewlines\r\nand\u00a0nbsp\u2009thin\u3000ideographic",
    "multiple     spaces    here",
    "Café crème brûlée naïve résumé",
    "Cafe\u0301 cre\u0300me NFD accents",
    "Emoji 😀😂👍🏽 family 👨‍👩‍👧‍👦 flags 🇺🇸🇯🇵",
    "Love it!!! ❤️❤️❤️ 5/5 ⭐⭐⭐⭐⭐",
    "中文评论：这个产品非常好，我很喜欢。",
    "日本語のレビュー：とても良いです。",
    "한국어 리뷰입니다",
    "Ünïcödé ÀÉÎÕÜ straße ΣΊΣΥΦΟΣ",
    "numbers 1234567890 3.14 1,000,000 ½ ² ٣",
    "I'm sure you're right, it's what they've said we'd do I'll",
    "URL https://example.com/path?q=1&r=2 and email a.b@c.de",
    "code: if (x == 1) { return y->z; } // done",
    "ﬁ ligature and ｆｕｌｌｗｉｄｔｈ and ℌ𝔢𝔩𝔩𝔬",
    "\u200bzero\u200bwidth\u200djoiner",
    "मुझे यह पसंद है",
    "مرحبا بالعالم",
    "trailing newline\n\n",
    "'''quotes''' \"double\" `back`",
    "a" * 300,
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
]
json.dump(texts, sys.stdout, ensure_ascii=False)
