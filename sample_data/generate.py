"""Write the bundled sample datasets, byte for byte the same on every run.

    python sample_data/generate.py [OUTPUT_DIR]

Standard library only. The text is our own (see _content.py and _tools.py); the
messy files plant one problem per line and the README table says which rule
fires where, generated from the same list so it cannot drift.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _content import CURT_REPLIES, EXCHANGES, SUPPORT_SYSTEM_PROMPT, TICKETS  # noqa: E402
from _tools import SCENARIOS, SYSTEM as TOOLS_SYSTEM, TOOLS  # noqa: E402

SEPARATOR = "\n\n###\n\n"
STOP = "\nEND"
PNG_1X1 = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGM40+ECAAO8AZk6emBDAAAAAElFTkSuQmCC")
BMP_1X1 = "Qk06AAAAAAAAADYAAAAoAAAAAQAAAAEAAAABABgAAAAAAAQAAAATCwAAEwsAAAAAAAAAAAAARIjMAA=="


def dumps(record) -> str:
    return json.dumps(record, ensure_ascii=False)


def jsonl(records) -> bytes:
    return "".join(dumps(r) + "\n" for r in records).encode("utf-8")


def chat(*turns, system: str | None = SUPPORT_SYSTEM_PROMPT) -> dict:
    """chat("question", "answer", ...) alternating user/assistant."""
    messages = [{"role": "system", "content": system}] if system else []
    for i, text in enumerate(turns):
        messages.append({"role": "user" if i % 2 == 0 else "assistant", "content": text})
    return {"messages": messages}


# ---------------------------------------------------------------- clean samples

def support_chat() -> list[dict]:
    """40 single-turn examples plus 80 two-turn ones pairing exchange i with i+7
    and i+19: any two examples share at most one exchange, so none is a near-duplicate."""
    n = len(EXCHANGES)
    records = [chat(*EXCHANGES[i]) for i in range(n)]
    for offset in (7, 19):
        for i in range(n):
            first, second = EXCHANGES[i], EXCHANGES[(i + offset) % n]
            records.append(chat(*first, *second))
    return records


def tool_calls() -> list[dict]:
    records = []
    for index, (question, function, arguments, result, answer) in enumerate(SCENARIOS):
        call_id = "call_" + hashlib.sha256(f"tool-{index}".encode()).hexdigest()[:12]
        records.append({
            "messages": [
                {"role": "system", "content": TOOLS_SYSTEM},
                {"role": "user", "content": question},
                {"role": "assistant", "tool_calls": [{
                    "id": call_id, "type": "function",
                    "function": {"name": function, "arguments": json.dumps(arguments)}}]},
                {"role": "tool", "tool_call_id": call_id, "content": json.dumps(result)},
                {"role": "assistant", "content": answer},
            ],
            "tools": TOOLS,
            "parallel_tool_calls": False,
        })
    return records


def completion_legacy() -> list[dict]:
    return [{"prompt": f"Ticket: {text}{SEPARATOR}", "completion": f" {label}{STOP}"} for text, label in TICKETS]


def preference_dpo() -> list[dict]:
    records = []
    for i, (question, answer) in enumerate(EXCHANGES[:24]):
        records.append({
            "input": {"messages": [{"role": "system", "content": SUPPORT_SYSTEM_PROMPT},
                                   {"role": "user", "content": question}]},
            "preferred_output": [{"role": "assistant", "content": answer}],
            "non_preferred_output": [{"role": "assistant", "content": CURT_REPLIES[i % len(CURT_REPLIES)]}],
        })
    return records


RFT_SYSTEM = ("You compute amounts for Northwind Outfitters' support team. Show your working briefly "
              "and end with the final number on its own line.")


def reinforcement() -> list[dict]:
    """Arithmetic tasks a grader can check exactly against reference_answer; each
    worded differently so they are not near-duplicates of one another."""
    tasks = [
        ("A customer bought three camp mugs at 12 each and sent one back unused. How much do we refund?", 12, "refund"),
        ("Two Summit 35 packs were ordered at 89 apiece; the second arrived with a torn strap and is returned. Refund amount?", 89, "refund"),
        ("Out of five pairs of Ridge socks costing 15 per pair, the buyer keeps three. What goes back to their card?", 30, "refund"),
        ("The Polaris sleeping bag (130) is returned in full together with its 18 compression sack. Total refund?", 148, "refund"),
        ("Our spring sale knocks 15 percent off the 80 trail runner. What is the sale price?", 68, "discount"),
        ("With a 20% member discount, what does a 240 tent cost?", 192, "discount"),
        ("A 59 headlamp is marked down by a tenth. Give the new price.", 53.10, "discount"),
        ("Clearance takes thirty percent off a rain shell listed at 175; how much does a shopper pay?", 122.50, "discount"),
        ("Delivery is free from 50 upwards and otherwise costs 6. A basket holds items worth 45. What is charged in total?", 51, "shipping"),
        ("Someone orders gloves for 72 with the same rule: free delivery above 50, else a 6 fee. Total to pay?", 72, "shipping"),
        ("If an order of 49.50 falls just short of the 50 free-delivery threshold and delivery costs 6, what is the bill?", 55.50, "shipping"),
        ("Express delivery adds 9 to any order. A customer picks express for a 120 stove. Amount due?", 129, "shipping"),
        ("Change-of-mind returns lose a 10% restocking fee. A 60 fleece comes back: refund?", 54, "restocking"),
        ("A 150 stove is returned after the customer changed their mind; we keep five percent. What do they receive?", 142.50, "restocking"),
        ("After deducting a restocking charge of one tenth, how much is refunded on 38 gaiters?", 34.20, "restocking"),
        ("We withhold 20 percent on opened electronics. The returned GPS cost 95. Refund?", 76, "restocking"),
        ("Every 100 loyalty points become one voucher. How many whole vouchers do 1200 points buy?", 12, "loyalty"),
        ("A member holds 450 points and the scheme pays one voucher per 50. How many vouchers?", 9, "loyalty"),
        ("How many complete 250-point rewards fit into a balance of 3000 points?", 12, "loyalty"),
        ("Points convert at 80 per reward; a balance of 800 is redeemed in full. Number of rewards?", 10, "loyalty"),
        ("A backorder was promised in two working weeks of five days, then slipped by three more days. Total working days?", 13, "lead_time"),
        ("The supplier quotes three five-day weeks plus one day for inspection. How many working days is that?", 16, "lead_time"),
        ("One working week of five days plus a four-day customs hold: how long is the wait in working days?", 9, "lead_time"),
        ("Four weeks at five working days each, then two extra days to repack. Total working days until dispatch?", 22, "lead_time"),
    ]
    return [{"messages": [{"role": "system", "content": RFT_SYSTEM}, {"role": "user", "content": question}],
             "reference_answer": f"{answer:.2f}" if isinstance(answer, float) or kind in ("refund", "discount", "shipping", "restocking") else str(answer),
             "task_type": kind} for question, answer, kind in tasks]


# ---------------------------------------------------------------- messy samples

def long_text(target_chars: int) -> str:
    """Varied made-up words from a hash stream: long enough to exceed 65,536 tokens."""
    syllables = ["ka", "lo", "mir", "den", "sul", "tra", "vek", "on", "py", "zar", "elm", "qui",
                 "bro", "fen", "gal", "hus", "ix", "jor", "nep", "ost", "ru", "sev", "tiv", "wum"]
    words, size, counter = [], 0, 0
    while size < target_chars:
        digest = hashlib.sha256(f"long-{counter}".encode()).digest()
        counter += 1
        for k in range(0, 30, 3):
            word = "".join(syllables[b % len(syllables)] for b in digest[k:k + 1 + digest[k] % 3])
            words.append(word)
            size += len(word) + 1
    return " ".join(words)


LONG_Q = ("I bought the Basecamp 2 tent for a week of canoe camping and on the third night the rain fly "
          "started dripping along the ridge seam right above our sleeping bags. We had pitched it exactly as "
          "the instructions show, with every guyline tight. Is this a known problem, and can you send a "
          "replacement fly before our next trip at the end of the month?")
LONG_A = ("Thank you for the detailed description, it helps a lot. A drip along the ridge usually means the "
          "seam tape has lifted in one spot, which our warranty covers. I have ordered a replacement fly for "
          "you with express shipping so it arrives well before your next trip, and the email with the "
          "tracking link also contains a prepaid label for the old fly.")


def _img(url: str) -> dict:
    return {"type": "image_url", "image_url": {"url": url}}


def _tool_record(question, arguments, result, answer, *, name="get_order_status", tool_call_id="call_1") -> dict:
    return {"messages": [
        {"role": "system", "content": SUPPORT_SYSTEM_PROMPT},
        {"role": "user", "content": question},
        {"role": "assistant", "tool_calls": [{"id": "call_1", "type": "function",
                                               "function": {"name": name, "arguments": arguments}}]},
        {"role": "tool", "tool_call_id": tool_call_id, "content": result},
        {"role": "assistant", "content": answer}],
        "tools": [TOOLS[0]]}


def messy_lines() -> list[tuple[bytes, list[str], str]]:
    """(raw line with its line ending, rule codes expected on it, what is wrong)."""
    q0, a0 = EXCHANGES[0]
    base = chat(q0, a0)
    rows: list[tuple[object, list[str], str]] = [
        (base, [], "clean example (the original of lines 27 and 30)"),
        ('{"messages": [{"role": "user", "content": "Hi"}', ["FT101"], "invalid JSON (unclosed)"),
        ([{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}], ["FT102"], "a JSON array, not an object"),
        ({"question": "Do you ship to Canada?", "answer": "Yes."}, ["FT103"], "no known format"),
        ({"prompt": "Do you ship to Canada?" + SEPARATOR, "completion": " Yes." + STOP}, ["FT104"], "a completion record in a chat file"),
        ({"messages": [{"role": "system", "content": SUPPORT_SYSTEM_PROMPT}, {"role": "user"},
                       {"role": "assistant", "content": "Happy to help with that."}]}, ["FT105"], "user message without content"),
        ({"messages": [{"role": "system", "content": SUPPORT_SYSTEM_PROMPT},
                       {"role": "user", "content": "Do you sell gas canisters?", "timestamp": 1700000000},
                       {"role": "assistant", "content": "Yes, in stores only."}], "label": "products"},
         ["FT106", "FT106"], "unexpected key inside a message (error) and at the top level (warning)"),
        ({"messages": [{"role": "system", "content": SUPPORT_SYSTEM_PROMPT}, {"role": "human", "content": "Are dogs allowed in your stores?"},
                       {"role": "assistant", "content": "Leashed dogs are always welcome."}]}, ["FT107"], "role 'human'"),
        ({"messages": [{"role": "system", "content": SUPPORT_SYSTEM_PROMPT}, {"role": "user", "content": "Do you sell bear spray?"},
                       {"role": "assistant", "content": ""}]}, ["FT108"], "empty assistant content"),
        ({"messages": [{"role": "system", "content": SUPPORT_SYSTEM_PROMPT}, {"role": "user", "content": "Are you open on holidays?"}]},
         ["FT109"], "no assistant message"),
        ({"messages": [{"role": "system", "content": SUPPORT_SYSTEM_PROMPT}, {"role": "user", "content": "Do you rent kayaks?"},
                       {"role": "assistant", "content": "Not at the moment.", "weight": 0}]}, ["FT109"], "every assistant message has weight 0"),
        ({"messages": [{"role": "system", "content": SUPPORT_SYSTEM_PROMPT}, {"role": "user", "content": "Do you sell snowshoes?"},
                       {"role": "assistant", "content": "Yes, from November to March.", "weight": 0.5}]}, ["FT110"], "weight 0.5"),
        ({"messages": [{"role": "system", "content": SUPPORT_SYSTEM_PROMPT}, {"role": "user", "content": "Do you sell climbing ropes?", "weight": 1},
                       {"role": "assistant", "content": "Yes, dynamic ropes from 50 to 70 metres."}]}, ["FT110"], "weight on a user message"),
        (_tool_record("Has my parcel NW-1042 left your warehouse yet?", {"order_id": "NW-1042"}, "{\"status\": \"shipped\"}",
                      "Yes, it left yesterday and UPS expects to deliver on Friday."), ["FT111"], "tool call arguments given as an object"),
        (_tool_record("Tracking for NW-2077 seems frozen, can you look?", "{\"order_id\": \"NW-2077\"}", "{\"status\": \"delayed\"}",
                      "The carrier reports a weather delay at their hub; a new estimate comes tomorrow.", name="track_parcel"), ["FT111"], "tool call to a function not in tools"),
        (_tool_record("Did anything happen with order NW-3310 since Monday?", "{\"order_id\": \"NW-3310\"}", "{\"status\": \"packed\"}",
                      "It is packed and waiting for the courier, so tracking starts soon.", tool_call_id="call_9"), ["FT111"], "tool result with no matching call id"),
        ({"messages": [{"role": "system", "content": SUPPORT_SYSTEM_PROMPT},
                       {"role": "user", "content": [{"type": "text", "text": "Is this the Driftwood jacket?"}, _img("http://cdn.example.net/p/driftwood.jpg")]},
                       {"role": "assistant", "content": "Yes, that is the Driftwood in slate blue."}]}, ["FT112"], "image over http"),
        ({"messages": [{"role": "system", "content": SUPPORT_SYSTEM_PROMPT},
                       {"role": "user", "content": [{"type": "text", "text": "What colour is this swatch?"}, _img("data:image/bmp;base64," + BMP_1X1)]},
                       {"role": "assistant", "content": "That swatch is our ember orange."}]}, ["FT112"], "BMP data URL"),
        ({"messages": [{"role": "system", "content": SUPPORT_SYSTEM_PROMPT}, {"role": "user", "content": "Show me the Summit 35."},
                       {"role": "assistant", "content": [{"type": "text", "text": "Here it is."}, _img("data:image/png;base64," + PNG_1X1)]}]},
         ["FT112"], "image in an assistant message"),
        ({"messages": [{"role": "system", "content": SUPPORT_SYSTEM_PROMPT},
                       {"role": "user", "content": [{"type": "text", "text": "Which of these boots are waterproof?"}]
                        + [_img(f"https://cdn.example.net/boots/{i}.jpg") for i in range(11)]},
                       {"role": "assistant", "content": "Pairs one to four have a membrane; the rest are breathable mesh."}]},
         ["FT112"], "11 images in one example"),
        ("", ["FT114"], "blank line"),
        ((chat("Do you sell gift cards in stores?", "Yes, at every checkout desk."), "\r\n"), ["FT114"], "CRLF line ending"),
        (chat("What does the code E\u0000 on my stove mean?", "It means the igniter needs a new battery."), ["FT114"], "NUL character (escaped \\u0000) in the text"),
        ({"messages": [{"role": "user", "content": "Can I return worn socks?"}, {"role": "system", "content": SUPPORT_SYSTEM_PROMPT},
                       {"role": "assistant", "content": "Socks can be returned unworn only, for hygiene reasons."}]}, ["FT115", "FT203"], "system prompt in the middle, so the example has no leading system prompt"),
        ({"messages": [{"role": "system", "content": SUPPORT_SYSTEM_PROMPT}, {"role": "user", "content": "Hello?"},
                       {"role": "user", "content": "Do you price match online stores?"},
                       {"role": "assistant", "content": "Yes, major retailers within 14 days."}]}, ["FT115"], "two user turns in a row"),
        (chat("Do you have a loyalty app?", "Yes, for iOS and Android.", system="You are a helpful assistant."), ["FT203"], "a second, different system prompt"),
        (base, ["FT301"], "exact duplicate of line 1"),
        (chat(LONG_Q, LONG_A), [], "long conversation (original of line 29)"),
        (chat(LONG_Q.replace("canoe camping", "kayak camping"), LONG_A), ["FT302"], "near-duplicate of line 28 (one word of the question changed)"),
        (chat(q0, "Please wait a week; after that we can only offer store credit."), ["FT303"], "same question as line 1, different answer"),
        (chat("Please send the receipt to mara.lindgren@fjellpost.no instead.", "Done, the receipt is on its way to the new address."), ["FT601"], "email address"),
        (chat("You can call me back on +44 7700 900123 after six.", "Noted, we'll call this evening."), ["FT602"], "phone number"),
        (chat("Just charge card 4111 1111 1111 1111 for the difference.", "Please never share card numbers here; use the secure payment page instead."), ["FT603"], "Luhn-valid test card"),
        (chat("The tax form needs my SSN, it's 536-22-8174.", "Please don't share that here; our tax forms never need it."), ["FT604"], "US SSN (valid area/group/serial)"),
        (chat("My home IP is 81.174.20.77, can you unblock it?", "I've asked the security team to review the block."), ["FT605"], "public IPv4 address"),
        (chat("Refund it to GB82 WEST 1234 5698 7654 32 please.", "Refunds can only go back to the original payment method."), ["FT606"], "mod-97-valid IBAN"),
        (chat("Our integration uses sk-zLIMliekyf3I4MABMFmJPtvtvvGF3cIuFeFEtaKNb0cte2ox, is that ok?", "Please revoke that key now; it was posted in a chat."), ["FT607"], "OpenAI-style key (random, fake)"),
        (chat("The export script has AKIAMCCDTSIL4I7KXEHU in it.", "That is an AWS access key id; rotate it and remove it from the script."), ["FT607"], "AWS access key id (random, fake)"),
        (chat("CI fails with token ghp_lL6bvuLr0kn318g0N0OTPDY30liuKYt46nTQ", "Revoke that GitHub token and store the new one as a secret."), ["FT607"], "GitHub token (random, fake)"),
        (chat("Please summarise my trip log: " + long_text(250_000), "Your log describes a long trip."), ["FT501"], "example over 65,536 tokens"),
    ]
    lines = []
    for value, codes, note in rows:
        ending = "\n"
        if isinstance(value, tuple):
            value, ending = value
        text = value if isinstance(value, str) else dumps(value)
        lines.append(((text + ending).encode("utf-8"), codes, note))
    return lines


FILE_LEVEL_MESSY = [("FT201", "warning: fewer than 100 examples")]


def messy_validation() -> list[tuple[dict, list[str], str]]:
    q0, a0 = EXCHANGES[0]
    q5, a5 = EXCHANGES[5]
    return [
        (chat(q0, a0), ["FT204"], "exact copy of training line 1"),
        (chat(q5, a5), [], "not in the training file"),
        (chat(LONG_Q, LONG_A.replace("before your next trip", "before your upcoming trip")), ["FT204"], "near copy of training line 28"),
    ]


INSTRUCTION = ("Classify the customer ticket for Northwind Outfitters' support queue. Reply with exactly one "
               "label from this list: defect, order_status, sizing, payment, refund, shipping. Do not explain "
               "the choice and never invent a new label.\nTicket: ")


def messy_completion() -> list[tuple[dict, list[str], str]]:
    good = [({"prompt": INSTRUCTION + text + SEPARATOR, "completion": f" {label}{STOP}"}, [], "clean")
            for text, label in TICKETS[:8]]
    text, label = TICKETS[8][0], TICKETS[8][1]
    bad = [
        ({"prompt": INSTRUCTION + TICKETS[9][0], "completion": f" {TICKETS[9][1]}{STOP}"}, ["FT401"], "prompt without the separator"),
        ({"prompt": INSTRUCTION + "Previous ticket: boots leak" + SEPARATOR + TICKETS[10][0] + SEPARATOR,
          "completion": f" {TICKETS[10][1]}{STOP}"}, ["FT402"], "separator inside the prompt"),
        ({"prompt": INSTRUCTION + TICKETS[11][0] + SEPARATOR, "completion": f" {TICKETS[11][1]}"}, ["FT403"], "completion without the stop sequence"),
        ({"prompt": INSTRUCTION + TICKETS[12][0] + SEPARATOR, "completion": f" defect{STOP} and refund{STOP}"}, ["FT404"], "stop sequence inside the completion"),
        ({"prompt": INSTRUCTION + text + SEPARATOR, "completion": f"{label}{STOP}"}, ["FT405"], "completion without a leading space"),
        ({"prompt": INSTRUCTION + TICKETS[13][0] + SEPARATOR, "completion": ""}, ["FT407"], "empty completion"),
        ({"prompt": INSTRUCTION + f"Your last answer was 'defect{STOP}' but the zip is still stuck." + SEPARATOR,
          "completion": f" defect{STOP}"}, [], "the stop sequence inside the prompt (FT408, file-level)"),
    ]
    return good + bad


FILE_LEVEL_COMPLETION = [("FT201", "warning: fewer than 100 examples"),
                         ("FT205", "error with the default model (gpt-4o-mini trains on chat data only); "
                                   "lint with `--model davinci-002`"),
                         ("FT406", f"every prompt starts with the same {len(INSTRUCTION)}-character instruction"),
                         ("FT408", "the last line's prompt quotes the stop sequence")]


def messy_preference() -> list[tuple[dict, list[str], str]]:
    def pair(question, preferred, rejected):
        return {"input": {"messages": [{"role": "user", "content": question}]},
                "preferred_output": preferred, "non_preferred_output": rejected}
    rows = [(pair(q, [{"role": "assistant", "content": a}], [{"role": "assistant", "content": "Read the FAQ."}]), [], "clean")
            for q, a in EXCHANGES[30:33]]
    q, a = EXCHANGES[33]
    rows += [
        (pair(q, [{"role": "assistant", "content": a}], [{"role": "assistant", "content": a}]), ["FT113"], "preferred equals non-preferred"),
        (pair(EXCHANGES[34][0], [{"role": "assistant", "content": EXCHANGES[34][1]}, {"role": "assistant", "content": "Anything else?"}],
              [{"role": "assistant", "content": "No."}]), ["FT113"], "preferred output has two assistant messages"),
        (pair(EXCHANGES[35][0], [{"role": "assistant", "content": EXCHANGES[35][1]}], [{"role": "user", "content": "No."}]),
         ["FT113"], "non-preferred output is a user message"),
        ({"input": {"messages": [{"role": "system", "content": SUPPORT_SYSTEM_PROMPT}]},
          "preferred_output": [{"role": "assistant", "content": EXCHANGES[36][1]}],
          "non_preferred_output": [{"role": "assistant", "content": "Read the FAQ."}]},
         ["FT116"], "input has a system prompt but no user message"),
    ]
    return rows


# A PNG signature and header renamed to .jsonl: not text at all (FT100).
BINARY_FILE = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010802000000") + bytes(range(256))


# ---------------------------------------------------------------- README

def _readme(tables: dict[str, list[tuple[int | str, list[str], str]]], counts: dict[str, int]) -> str:
    out = ["# Sample data", "",
           "Small datasets written for ftpreflight (no copied data), generated by `generate.py`",
           "(`python sample_data/generate.py` rewrites every file here byte for byte; do not edit",
           "them by hand). This README is generated too.", "",
           "| file | what it is | examples |", "|---|---|---|"]
    about = {
        "support_chat.jsonl": "clean chat: Northwind Outfitters customer support, one system prompt, single- and two-turn",
        "tool_calls.jsonl": "clean chat with `tools`, assistant `tool_calls`, `tool` results and final answers",
        "completion_legacy.jsonl": "clean legacy prompt/completion ticket triage, separator `\\n\\n###\\n\\n`, stop `\\nEND`",
        "preference_dpo.jsonl": "clean DPO pairs: a helpful preferred answer, a curt non-preferred one",
        "reinforcement.jsonl": "clean RFT prompts (system + user) with `reference_answer` for a grader",
        "messy.jsonl": "chat file that triggers every chat rule (table below)",
        "messy_validation.jsonl": "validation file for messy.jsonl: FT204 split leakage",
        "messy_completion.jsonl": "completion file that triggers every FT4xx rule",
        "messy_preference.jsonl": "preference file that triggers FT113",
        "tiny.jsonl": "5 clean chat examples: FT201 too-few-examples (error)",
        "bom.jsonl": "UTF-8 BOM at byte 0: FT114 (error) on line 1",
        "invalid_utf8.jsonl": "a Latin-1 byte on line 2: FT114 (error)",
        "binary.jsonl": "PNG bytes with a .jsonl name: FT100",
    }
    for name, text in about.items():
        out.append(f"| `{name}` | {text} | {counts.get(name, '')} |")
    out += ["",
            "The clean files lint without errors or warnings except FT201's warning (fewer than 100",
            "examples) on all but `support_chat.jsonl`, each with a model that trains on its format",
            "(the default gpt-4o-mini for chat, `davinci-002` for completion, `gpt-4.1-mini` for",
            "preference, `o4-mini` for reinforcement; with another model FT205 says the format does not",
            "fit). FT202 (file too large) cannot be bundled; the",
            "rule tests cover it with a tiny `upload_limit_bytes`.", ""]
    for name, rows in tables.items():
        out += [f"## `{name}`", "", "| line | rules | what is wrong |", "|---|---|---|"]
        for line, codes, note in rows:
            out.append(f"| {line} | {', '.join(codes) if codes else '-'} | {note.replace('|', '/')} |")
        out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------- main

def build() -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    counts: dict[str, int] = {}
    for name, records in [("support_chat.jsonl", support_chat()), ("tool_calls.jsonl", tool_calls()),
                          ("completion_legacy.jsonl", completion_legacy()), ("preference_dpo.jsonl", preference_dpo()),
                          ("reinforcement.jsonl", reinforcement()), ("tiny.jsonl", support_chat()[:5])]:
        files[name] = jsonl(records)
        counts[name] = len(records)

    tables: dict[str, list] = {}
    messy = messy_lines()
    files["messy.jsonl"] = b"".join(line for line, _, _ in messy)
    counts["messy.jsonl"] = len(messy)
    tables["messy.jsonl"] = [(i, codes, note) for i, (_, codes, note) in enumerate(messy, 1) if codes or note != "clean"]
    tables["messy.jsonl"] += [("file", [code], note) for code, note in FILE_LEVEL_MESSY]
    for name, rows, file_level in [("messy_validation.jsonl", messy_validation(), []),
                                   ("messy_completion.jsonl", messy_completion(), FILE_LEVEL_COMPLETION),
                                   ("messy_preference.jsonl", messy_preference(),
                                    [("FT201", "error: fewer than 10 examples"),
                                     ("FT205", "error with the default model (gpt-4o-mini has no DPO); lint with "
                                               "`--model gpt-4.1-mini`")])]:
        files[name] = jsonl(r for r, _, _ in rows)
        counts[name] = len(rows)
        tables[name] = [(i, codes, note) for i, (_, codes, note) in enumerate(rows, 1) if codes]
        tables[name] += [("file", [code], note) for code, note in file_level]

    clean = support_chat()[40:43]
    files["bom.jsonl"] = b"\xef\xbb\xbf" + jsonl(clean)
    files["invalid_utf8.jsonl"] = (jsonl(clean[:1])
                                   + dumps(chat("Is the Caf\u00e9 blend stove fuel sold here?", "No, we only sell gas canisters."))
                                   .encode("utf-8").replace("\u00e9".encode("utf-8"), b"\xe9") + b"\n"
                                   + jsonl(clean[1:2]))
    files["binary.jsonl"] = BINARY_FILE
    counts.update({"bom.jsonl": 3, "invalid_utf8.jsonl": 3, "binary.jsonl": 0})
    files["README.md"] = _readme(tables, counts).encode("utf-8")
    return files


def main(argv: list[str]) -> int:
    out_dir = Path(argv[1]) if len(argv) > 1 else HERE
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, data in build().items():
        (out_dir / name).write_bytes(data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
